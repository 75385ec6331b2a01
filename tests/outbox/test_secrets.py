"""No live secret is readable by anyone but its recipient: not in the outbox admin, not in the row.

Password links (invitations and resets) and answer links travel sealed: the row keeps a placeholder,
the mail the recipient gets has the working link, and once it is delivered the link is gone.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from netvaerk.outbox import services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(/accounts/password/reset/[^/\s\"<]+/[^/\s\"<]+/)")
CHANGELIST = reverse("admin:outbox_outboundemail_changelist")


def _link(body: str) -> str:
    return LINK.search(body).group(1)


def _token(link: str) -> str:
    return link.rstrip("/").rpartition("/")[2]


def _row_text(row: OutboundEmail) -> str:
    """Everything the database holds about one mail, as text."""
    return " ".join(str(value) for value in OutboundEmail.objects.filter(pk=row.pk).values().get().values())


def _admin_pages(client, row) -> str:
    pages = [
        client.get(CHANGELIST),
        client.get(CHANGELIST, {"q": "reset"}),
        client.get(reverse("admin:outbox_outboundemail_change", args=[row.pk])),
    ]
    assert all(page.status_code == 200 for page in pages)
    return " ".join(page.content.decode() for page in pages)


def _assert_nowhere_but_the_mail(client, office, row, link):
    client.force_login(office)
    pages = _admin_pages(client, row)
    assert row.subject in pages  # the office does see the mail in its log ...
    assert _token(link) not in pages and link not in pages  # ... but never the link
    assert _token(link) not in _row_text(row)
    assert _token(link) not in row.key


def _set_password(client, link, password):
    client.logout()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302


def test_an_invitation_link_is_only_in_the_recipients_mail(
    client, office, network, django_capture_on_commit_callbacks, mailoutbox
):
    person = factories.PersonFactory(branch=network.branch, name="Nina Ny", email="nina@example.org")
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:circles_person_changelist"),
            {"action": "send_invitation", "_selected_action": [person.pk]},
        )
    row = OutboundEmail.objects.get(template="circles/account_invitation")
    assert row.status == OutboundEmail.Status.SENT and row.has_secrets and row.sealed_secrets == ""
    (mail,) = mailoutbox
    link = _link(mail.body)
    assert link in mail.alternatives[0][0]
    _assert_nowhere_but_the_mail(client, office, row, link)
    _set_password(client, link, "Netvaerk-Nina-1")
    assert client.login(username="nina@example.org", password="Netvaerk-Nina-1")


def test_a_queued_invitation_does_not_show_its_link_either(client, office, branch, mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)  # the worker has not run yet
    person = factories.PersonFactory(branch=branch, email="vent@example.org")
    client.force_login(office)
    client.post(
        reverse("admin:circles_person_changelist"),
        {"action": "send_invitation", "_selected_action": [person.pk]},
    )
    row = OutboundEmail.objects.get()
    assert row.status == OutboundEmail.Status.QUEUED and row.sealed_secrets
    pages = _admin_pages(client, row)
    assert "/accounts/password/reset/" not in pages and "/accounts/password/reset/" not in _row_text(row)
    assert services.deliver(row.pk) == "sent"
    link = _link(mailoutbox[0].body)
    row.refresh_from_db()
    assert row.sealed_secrets == "" and _token(link) not in _row_text(row)


def test_a_reset_requested_for_a_colleague_is_not_readable_by_the_office(
    client, office, branch, django_capture_on_commit_callbacks, mailoutbox
):
    colleague = factories.UserFactory(
        username="kollega", email="kollega@example.org", is_staff=True, branch=branch
    )
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": colleague.email})
    row = OutboundEmail.objects.get(template="accounts/password_reset")
    assert row.branch == branch  # the office sees that the mail went out
    (mail,) = mailoutbox
    assert mail.to == ["kollega@example.org"]
    link = _link(mail.body)
    _assert_nowhere_but_the_mail(client, office, row, link)
    _set_password(client, link, "Kollega-Ny-2026")
    assert client.login(username="kollega", password="Kollega-Ny-2026")


def test_the_office_cannot_invite_a_person_who_already_has_a_password(
    client, office, member, django_capture_on_commit_callbacks
):
    person = member.person
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:circles_person_changelist"),
            {"action": "send_invitation", "_selected_action": [person.pk]},
            follow=True,
        )
    assert "Har allerede en adgangskode" in response.content.decode()
    assert not OutboundEmail.objects.exists()
    member.refresh_from_db()
    assert member.check_password("demo-pass-123")


def test_a_person_invited_before_who_never_chose_a_password_can_be_invited_again(
    branch, office, django_capture_on_commit_callbacks, mailoutbox
):
    from circles.services.accounts import person_invite

    person = factories.PersonFactory(branch=branch)
    with django_capture_on_commit_callbacks(execute=True):
        person_invite(person=person, by=office)
        person_invite(person=person, by=office)  # a double click: one mail
    with (
        time_machine.travel(timezone.now() + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        person_invite(person=person, by=office)  # the mail got lost: a new link
    assert len(mailoutbox) == 2 and OutboundEmail.objects.count() == 2
    assert _link(mailoutbox[0].body) != _link(mailoutbox[1].body)


def test_the_admin_shows_no_body_attachment_or_key(client, office, branch):
    row = OutboundEmail.objects.create(
        key="nøgle-hemmelig",
        template="circles/meeting_invitation",
        to="tr@example.org",
        subject="Netværksmøde",
        body_text="BRØDTEKST-PRIVAT",
        body_html="<p>HTML-PRIVAT</p>",
        attachments=[
            {"filename": "invitation.ics", "content": "VEDHÆFTET-PRIVAT", "mimetype": "text/calendar"}
        ],
        branch=branch,
    )
    client.force_login(office)
    pages = _admin_pages(client, row) + client.get(CHANGELIST, {"q": "nøgle-hemmelig"}).content.decode()
    assert "Netværksmøde" in pages and "tr@example.org" in pages
    for private in ("BRØDTEKST-PRIVAT", "HTML-PRIVAT", "VEDHÆFTET-PRIVAT", "nøgle-hemmelig"):
        assert private not in pages.replace('value="nøgle-hemmelig"', "")  # the search box echoes the query
    assert "0 resultater" in client.get(CHANGELIST, {"q": "nøgle-hemmelig"}).content.decode()


# The outbox itself ----------------------------------------------------------------------------------


def _enqueue(key="k1", secrets=None, **extra):
    user = factories.UserFactory.build(username="tr", first_name="Tove", email="tr@example.org")
    return services.enqueue(
        "accounts/password_reset",
        to="tr@example.org",
        key=key,
        context={"user": user, "valid_days": 3, **extra.pop("context", {})},
        secrets={"link": "/accounts/password/reset/MQ/hemmelig-123/"} if secrets is None else secrets,
        **extra,
    )


def test_a_key_or_context_carrying_the_secret_is_refused():
    with pytest.raises(ValueError, match="secret"):
        _enqueue(key="reset:/accounts/password/reset/MQ/hemmelig-123/")
    with pytest.raises(ValueError, match="secret"):
        _enqueue(
            context={
                "user": factories.UserFactory.build(first_name="/accounts/password/reset/MQ/hemmelig-123/")
            }
        )
    assert not OutboundEmail.objects.exists()


def test_the_link_is_html_escaped_in_the_html_part_and_verbatim_in_the_text(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue(secrets={"link": "/svar/?a=1&b=2"})
    assert "/svar/?a=1&b=2" in mailoutbox[0].body
    html = mailoutbox[0].alternatives[0][0]
    assert "/svar/?a=1&amp;b=2" in html and "/svar/?a=1&b=2" not in html


def test_an_attachment_gets_the_secret_at_delivery(mailoutbox, django_capture_on_commit_callbacks):
    ics = f"BEGIN:VCALENDAR\r\nURL:{services.secret_placeholder('link')}\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        row = _enqueue(attachments=[{"filename": "m.ics", "content": ics, "mimetype": "text/calendar"}])
    row.refresh_from_db()
    assert "hemmelig" not in str(row.attachments)
    assert (
        "URL:/accounts/password/reset/MQ/hemmelig-123/"
        in mailoutbox[0].attachments[0].get_payload(decode=True).decode()
    )


@pytest.mark.django_db(transaction=True)
def test_a_transient_failure_keeps_the_link_sealed_and_the_retry_delivers_it(smtp):
    smtp.reply = "451 4.3.0 Try again later"
    row = _enqueue()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED and row.sealed_secrets
    assert "hemmelig" not in _row_text(row)
    smtp.reply = None
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert services.deliver(row.pk) == "sent"
    assert b"/accounts/password/reset/MQ/hemmelig-123/" in smtp.messages[0].content
    row.refresh_from_db()
    assert row.sealed_secrets == ""


@pytest.mark.django_db(transaction=True)
def test_a_final_failure_wipes_the_link_and_resend_refuses_what_cannot_be_sent(smtp, client, office, branch):
    smtp.reply = "550 5.1.1 No such user"
    row = _enqueue(branch=branch)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and row.sealed_secrets == ""
    smtp.reply = None
    client.force_login(office)
    response = client.post(CHANGELIST, {"action": "resend", "_selected_action": [row.pk]}, follow=True)
    assert "personligt link, som er slettet" in response.content.decode()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and smtp.messages == []


def test_secrets_sealed_under_another_secret_key_fail_instead_of_sending_a_placeholder(
    settings, mailoutbox, monkeypatch
):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)
    row = _enqueue()
    settings.SECRET_KEY = "a-new-key-without-the-old-one-as-fallback"
    assert services.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and "link" in row.last_error and mailoutbox == []


def test_an_old_secret_key_in_the_fallbacks_still_opens_them(settings, mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "publish", lambda *args, **kwargs: None)
    row = _enqueue()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-rotated-key"
    assert services.deliver(row.pk) == "sent"
    assert "/accounts/password/reset/MQ/hemmelig-123/" in mailoutbox[0].body


def test_mails_without_secrets_work_as_before(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = _enqueue(secrets={}, context={"link": "/ikke-hemmelig/"})
    row.refresh_from_db()
    assert not row.has_secrets and "/ikke-hemmelig/" in row.body_text
    assert "/ikke-hemmelig/" in mailoutbox[0].body
