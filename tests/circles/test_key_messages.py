"""Key messages of AMR and mixed networks' minutes, passed on to TRs and managers at approval.

Seeds 001/002 "Forankring og formulering": the messages travel, the confidential minutes never do.
"""

import secrets
import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from circles.models import Attendance, Invitation, KeyMessageDelivery, Mandate, Meeting, Minutes, Network
from circles.services import minutes as services
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "Lene fortalte om konflikten med lederen på Hedebo"
KEY = 'Husk APV & trivsel: "brug målingen" aktivt\nInddrag MED-udvalget tidligt'
KEY_LINES = ('Husk APV & trivsel: "brug målingen" aktivt', "Inddrag MED-udvalget tidligt")


def workplace(branch, municipality, manager="", employer=None, name=None):
    employer = employer or factories.EmployerFactory(branch=branch)
    return factories.WorkplaceFactory(
        employer=employer,
        municipality=municipality,
        manager_name=f"Leder {manager}" if manager else "",
        manager_email=f"{manager}@leder.example.org" if manager else "",
        **({"name": name} if name else {}),
    )


def representative(branch, name, role, place, *, email=None, ended_on=None):
    person = factories.PersonFactory(branch=branch, name=name, email=email or f"{name.lower()}@example.org")
    factories.MandateFactory(
        person=person,
        role=role,
        workplace=place,
        elected_on=date.today() - timedelta(days=400),
        ended_on=ended_on,
    )
    return person


@pytest.fixture
def amr_network(branch, consultant):
    return factories.NetworkFactory(
        branch=branch,
        kind=Network.Kind.AMR,
        name="AMR-netværk Viborg-Skive",
        employer=None,
        municipality_group="Kommunegruppe Viborg-Skive",
        consultant=consultant,
    )


@pytest.fixture
def town(branch, other_branch, amr_network):
    """Participants, TRs in and out of the kommunegruppe, and their workplaces."""
    hedebo = workplace(branch, "Viborg", manager="hedebo", name="Hedebo")
    skovly = workplace(branch, "Skive Kommune", manager="skovly", name="Skovly")
    no_manager = workplace(branch, "Viborg", name="Lunden")
    absent_place = workplace(branch, "Viborg", manager="fravaer", name="Engly")
    aarhus = workplace(branch, "Aarhus", manager="aarhus", name="Aarhus Bosted")
    people = {
        "anne": representative(branch, "Anne", Mandate.Role.AMR, hedebo),
        "bo": representative(branch, "Bo", Mandate.Role.AMR, hedebo),  # same workplace: manager once
        "carl": representative(branch, "Carl", Mandate.Role.AMR_DEPUTY, skovly),
        "dina": representative(branch, "Dina", Mandate.Role.AMR, no_manager),
        "emil": representative(branch, "Emil", Mandate.Role.AMR, absent_place),  # invited, not present
        "tr_viborg": representative(branch, "Trine", Mandate.Role.TR, workplace(branch, "Viborg")),
        "ftr_skive": representative(branch, "Frank", Mandate.Role.FTR, workplace(branch, "Skive")),
        # a TR who is also the manager's address on record: one mail, as TR
        "tr_double": representative(
            branch, "Dorte", Mandate.Role.TR, workplace(branch, "Viborg"), email="Hedebo@leder.example.org"
        ),
        "tr_aarhus": representative(branch, "Aase", Mandate.Role.TR, aarhus),
        "tr_ended": representative(
            branch,
            "Ebbe",
            Mandate.Role.TR,
            workplace(branch, "Viborg"),
            ended_on=date.today() - timedelta(days=5),
        ),
        "tr_deputy": representative(branch, "Sune", Mandate.Role.TR_DEPUTY, workplace(branch, "Viborg")),
        "tr_elsewhere": representative(
            other_branch, "Olga", Mandate.Role.TR, workplace(other_branch, "Viborg")
        ),
    }
    for key in ("anne", "bo", "carl", "dina", "emil"):
        factories.MembershipFactory(network=amr_network, person=people[key])
    return people


@pytest.fixture
def held(amr_network, town):
    meeting = factories.MeetingFactory(
        network=amr_network, starts_at=timezone.now() - timedelta(days=2), status=Meeting.Status.HELD
    )
    for key in ("anne", "bo", "carl", "dina", "emil"):
        Invitation.objects.create(meeting=meeting, person=town[key], token_hash=secrets.token_hex(32))
    for key in ("anne", "bo", "carl", "dina"):
        Attendance.objects.create(meeting=meeting, person=town[key])
    return meeting


def submit(meeting, by, *, key_messages=KEY, text=SECRET, confidential=True):
    minutes = services.minutes_for(meeting)
    services.minutes_save(
        meeting=meeting,
        by=by,
        text=text,
        confidential=confidential,
        revision=minutes.revision,
        key_messages=key_messages,
    )
    return services.minutes_submit(meeting=meeting, by=by)


def approve(minutes, office, capture):
    with capture(execute=True):
        return services.minutes_approve(minutes_id=minutes.pk, by=office)


def key_message_mails(mailoutbox):
    return [mail for mail in mailoutbox if mail.subject.startswith("Centrale budskaber")]


EXPECTED = {
    "trine@example.org",
    "frank@example.org",
    "hedebo@leder.example.org",  # Dorte's address, and Hedebo's manager: once
    "skovly@leder.example.org",
}


def test_key_messages_reach_trs_and_managers_but_never_the_minutes(
    held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        minutes = submit(held, consultant)
    mailoutbox.clear()
    approve(minutes, office, django_capture_on_commit_callbacks)
    mails = key_message_mails(mailoutbox)
    addresses = [mail.to[0].rsplit("<", 1)[-1].rstrip(">").casefold() for mail in mails]
    assert sorted(addresses) == sorted(EXPECTED)  # each once; no Aarhus, ended, deputy, other branch
    minutes_url = reverse("circles:minutes_detail", args=[held.pk])
    admin_url = reverse("admin:circles_minutes_change", args=[minutes.pk])
    for mail in mails:
        assert len(mail.to) == 1 and not mail.cc and not mail.bcc and not mail.attachments
        (html, mimetype) = mail.alternatives[0]
        assert mimetype == "text/html"
        for part in (mail.body, html):
            assert SECRET not in part
            assert minutes_url not in part and admin_url not in part and "/referat" not in part
        for line in KEY_LINES:
            assert line in mail.body  # the plain text carries the text itself, unescaped
        assert "&amp;" not in mail.body and "&quot;" not in mail.body and "&#x27;" not in mail.body
        assert "Husk APV &amp; trivsel" in html and "Inddrag MED-udvalget tidligt" in html
    deliveries = KeyMessageDelivery.objects.filter(minutes=minutes)
    assert {d.recipient_email.casefold() for d in deliveries} == EXPECTED
    audiences = {d.recipient_email.casefold(): d.audience for d in deliveries}
    assert audiences["hedebo@leder.example.org"] == KeyMessageDelivery.Audience.TR
    assert audiences["skovly@leder.example.org"] == KeyMessageDelivery.Audience.MANAGER


def test_managers_and_trs_are_told_as_whom(
    held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    minutes = submit(held, consultant)
    approve(minutes, office, django_capture_on_commit_callbacks)
    by_address = {mail.to[0]: mail for mail in key_message_mails(mailoutbox)}
    manager = next(mail for to, mail in by_address.items() if "skovly@" in to)
    assert "Leder skovly" in manager.to[0] and "leder af Skovly" in manager.body
    tr = next(mail for to, mail in by_address.items() if "trine@" in to)
    assert "tillidsrepræsentant" in tr.body and "Hej Trine" in tr.body


def test_approving_twice_or_running_again_never_mails_twice(
    held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    minutes = submit(held, consultant)
    approve(minutes, office, django_capture_on_commit_callbacks)
    sent = len(key_message_mails(mailoutbox))
    rows = OutboundEmail.objects.filter(key__startswith=f"minutes-key-messages:{minutes.pk}:").count()
    assert sent == rows == len(EXPECTED)
    with pytest.raises(ValidationError, match="Kun indsendte referater"):
        services.minutes_approve(minutes_id=minutes.pk, by=office)
    minutes.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.key_messages_pass_on(minutes=minutes) == 0
    assert len(key_message_mails(mailoutbox)) == sent
    assert KeyMessageDelivery.objects.filter(minutes=minutes).count() == len(EXPECTED)
    assert OutboundEmail.objects.filter(key__startswith=f"minutes-key-messages:{minutes.pk}:").count() == rows


def test_returned_and_resubmitted_minutes_send_the_approved_version_once(
    held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    minutes = submit(held, consultant, key_messages="Første udkast til budskaber")
    services.minutes_return(minutes_id=minutes.pk, by=office, comment="Skarpere budskaber, tak")
    assert not KeyMessageDelivery.objects.exists()  # returning sends nothing
    minutes = submit(held, consultant, key_messages="Endelige budskaber om APV")
    assert minutes.versions.first().key_messages == "Endelige budskaber om APV"
    assert minutes.versions.last().key_messages == "Første udkast til budskaber"
    approve(minutes, office, django_capture_on_commit_callbacks)
    mails = key_message_mails(mailoutbox)
    assert len(mails) == len(EXPECTED)
    assert all("Endelige budskaber om APV" in m.body and "Første udkast" not in m.body for m in mails)


def test_no_key_messages_no_mail(held, consultant, office, django_capture_on_commit_callbacks, mailoutbox):
    minutes = submit(held, consultant, key_messages="   ")
    approve(minutes, office, django_capture_on_commit_callbacks)
    assert key_message_mails(mailoutbox) == [] and not KeyMessageDelivery.objects.exists()


def test_without_attendance_the_invited_members_workplaces_are_used(
    held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    held.attendance.all().delete()  # attendance not recorded: the invited (Emil too) count
    minutes = submit(held, consultant)
    approve(minutes, office, django_capture_on_commit_callbacks)
    managers = set(
        KeyMessageDelivery.objects.filter(audience=KeyMessageDelivery.Audience.MANAGER).values_list(
            "recipient_email", flat=True
        )
    )
    assert managers == {"skovly@leder.example.org", "fravaer@leder.example.org"}


def test_a_network_built_on_an_employer_reaches_that_employers_trs(
    branch, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    region = factories.EmployerFactory(branch=branch, name="Region Midtjylland")
    network = factories.NetworkFactory(
        branch=branch, kind=Network.Kind.MIXED, employer=region, municipality_group="", consultant=consultant
    )
    representative(branch, "Rita", Mandate.Role.TR, workplace(branch, "Aarhus", employer=region))
    representative(branch, "Viggo", Mandate.Role.TR, workplace(branch, "Viborg"))  # another employer
    meeting = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=1))
    minutes = submit(meeting, consultant)
    approve(minutes, office, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in key_message_mails(mailoutbox)] == ["Rita <rita@example.org>"]


def test_a_tr_network_has_no_key_messages(client, network, coordinator, office):
    meeting = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(coordinator)
    page = client.get(reverse("circles:minutes_edit", args=[meeting.pk])).content.decode()
    assert 'name="key_messages"' not in page and "Centrale budskaber" not in page
    minutes = services.minutes_for(meeting)
    with pytest.raises(ValidationError, match="ingen centrale budskaber"):
        services.minutes_save(
            meeting=meeting, by=coordinator, text="x", confidential=False, revision=0, key_messages="Budskab"
        )
    minutes.refresh_from_db()
    assert minutes.text == "" and minutes.key_messages == ""
    # a POST naming the field anyway is ignored: the TR form has no such field
    client.post(
        reverse("circles:minutes_edit", args=[meeting.pk]),
        {"text": "Referat", "revision": minutes.revision, "key_messages": "Smuglet budskab"},
    )
    minutes.refresh_from_db()
    assert minutes.text == "Referat" and minutes.key_messages == ""


def test_the_consultant_writes_key_messages_in_the_minutes_form(client, held, consultant, town):
    client.force_login(consultant)
    url = reverse("circles:minutes_edit", args=[held.pk])
    page = client.get(url).content.decode()
    assert 'name="key_messages"' in page and "Ikke fortroligt" in page
    response = client.post(
        url, {"text": SECRET, "key_messages": KEY, "confidential": "on", "revision": 0, "submit": "1"}
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=held)
    assert minutes.status == Minutes.Status.SUBMITTED
    assert minutes.key_messages == KEY and minutes.versions.get().key_messages == KEY
    # a member who took part reads the minutes and their key messages on the minutes page
    anne = town["anne"]
    anne.user = factories.UserFactory(username="anne")
    anne.save()
    client.force_login(anne.user)
    page = client.get(reverse("circles:minutes_detail", args=[held.pk])).content.decode()
    assert "Centrale budskaber" in page and "Inddrag MED-udvalget tidligt" in page


def test_too_long_key_messages_get_a_danish_message_and_change_nothing(client, held, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("circles:minutes_edit", args=[held.pk]),
        {"text": "Nyt referat", "key_messages": "x" * 5001, "revision": 0},
    )
    assert response.status_code == 200 and "må højst have 5000 tegn" in response.content.decode()
    assert not Minutes.objects.filter(meeting=held).exists()


def test_nul_in_key_messages_is_refused_with_a_danish_page(client, held, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("circles:minutes_edit", args=[held.pk]),
        {"text": "Nyt referat", "key_messages": "Budskab\x00med NUL", "revision": 0},
    )
    assert response.status_code == 400 and "ugyldigt tegn (NUL)" in response.content.decode()
    assert not Minutes.objects.filter(meeting=held).exists()


def test_the_service_refuses_nul_in_key_messages(held, consultant):
    with pytest.raises(ValidationError, match="ugyldige tegn"):
        services.minutes_save(
            meeting=held, by=consultant, text="Referat", confidential=True, revision=0, key_messages="a\x00b"
        )
    assert not Minutes.objects.filter(meeting=held).exists()


def test_the_office_sees_what_was_sent_to_whom(
    client, held, consultant, office, django_capture_on_commit_callbacks, mailoutbox
):
    minutes = submit(held, consultant)
    client.force_login(office)
    review = client.get(reverse("admin:circles_minutes_change", args=[minutes.pk])).content.decode()
    assert "Inddrag MED-udvalget tidligt" in review  # the office reviews the key messages
    approve(minutes, office, django_capture_on_commit_callbacks)
    page = client.get(reverse("admin:circles_minutes_change", args=[minutes.pk])).content.decode()
    for address in ("trine@example.org", "skovly@leder.example.org"):
        assert address in page
    queue = reverse("admin:circles_minutes_changelist")
    sent = client.get(queue + "?status=alle&budskaber=sendt")
    assert list(sent.context["cl"].result_list) == [minutes]
    assert minutes.key_message_deliveries.count() == len(EXPECTED)
    assert list(client.get(queue + "?status=alle&budskaber=ikke-sendt").context["cl"].result_list) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_office_users_approving_at_once_mail_each_recipient_once(held, consultant, office):
    second = factories.UserFactory(username="kontor2", is_staff=True, branch=office.branch)
    second.groups.set(office.groups.all())
    minutes = submit(held, consultant)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve_now(user):
        try:
            barrier.wait(timeout=5)
            services.minutes_approve(minutes_id=minutes.pk, by=user)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve_now, args=(user,)) for user in (office, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["ok", "refused"]
    assert OutboundEmail.objects.filter(key__startswith=f"minutes-key-messages:{minutes.pk}:").count() == len(
        EXPECTED
    )
    assert KeyMessageDelivery.objects.filter(minutes=minutes).count() == len(EXPECTED)
