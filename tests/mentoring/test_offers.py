"""The mentor offer's services: send, accept (mentee-first and mentor-first), decline, withdraw, full."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentoring.models import MentorRequest, Offer, Pairing
from mentoring.services import offers
from netvaerk import tokens
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring import offer_kit as kit
from tests.mentoring.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(branch, consultant):
    return kit.setup(branch, created_by=consultant)


def _send(match, by, **kwargs):
    _programme, mentor, request = match
    return offers.offer_send(request=request, mentor=mentor, by=by, **kwargs)


def _mails(template):
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


def test_send_mails_the_new_tr_a_sealed_link(match, consultant):
    programme, mentor, request = match
    before = timezone.now()
    offer = _send(match, consultant, reasons="Samme kommune, samme arbejdsområde")
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert offer.mentee_token_hash and offer.mentor_token_hash is None
    assert offer.sent_by == consultant and offer.reasons == "Samme kommune, samme arbejdsområde"
    assert before + timedelta(days=14) <= offer.expires_at <= timezone.now() + timedelta(days=14)
    assert request.status == MentorRequest.Status.OFFERED
    (mail,) = _mails("mentoring/offer_to_mentee")
    assert mail.to == "Nikolaj Ny <nikolaj@example.org>"
    link = kit.sealed_link(f"mentor-offer:{offer.pk}:sent:mentee")
    token = kit.token_of(link)
    assert tokens.digest(token) == offer.mentee_token_hash
    assert len(token) >= 22  # ≥ 128 bits, urlsafe
    for text in (mail.body_text, mail.body_html, mail.key, mail.subject):
        assert token not in text
    assert "[[secret:offer_url]]" in mail.body_text
    assert "&amp;" not in mail.body_text and "&#x27;" not in mail.body_text


def test_a_second_offer_on_the_same_request_is_refused(match, consultant, branch):
    programme, mentor, request = match
    _send(match, consultant)
    other = kit.another_mentor(branch)
    with pytest.raises(ValidationError, match="allerede et åbent tilbud"):
        offers.offer_send(request=request, mentor=other, by=consultant)
    assert Offer.objects.count() == 1


def test_the_database_allows_one_open_offer_per_request(match, consultant, branch):
    offer = _send(match, consultant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(
            request=offer.request,
            mentor=kit.another_mentor(branch),
            status=Offer.Status.AWAITING_MENTOR,
            expires_at=offer.expires_at,
        )


@pytest.mark.parametrize(
    "spoil, message",
    [
        ("other_branch_mentor", "kreds"),
        ("self", "sin egen mentor"),
        ("untrained", "kan ikke være mentor"),
        ("unwilling", "kan ikke være mentor"),
        ("busy", "kan ikke være mentor"),
        ("inactive_programme", "ikke aktiv"),
        ("programme_full", "ikke plads til flere par"),
        ("nul_reasons", "ugyldige tegn"),
        ("long_reasons", "højst"),
    ],
)
def test_send_refuses_a_bad_match_and_writes_nothing(match, consultant, branch, other_branch, spoil, message):
    programme, mentor, request = match
    reasons = ""
    if spoil == "other_branch_mentor":
        mentor = kit.another_mentor(other_branch)
    elif spoil == "self":
        mentor = request.mentee
    elif spoil == "untrained":
        mentor.tr_training_completed_on = None
        mentor.save()
    elif spoil == "unwilling":
        mentor.mentor_profile.willing = False
        mentor.mentor_profile.save()
    elif spoil == "busy":
        Pairing.objects.create(
            programme=programme,
            mentor=mentor,
            mentee=factories.PersonFactory(branch=branch),
            started_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=365),
        )
    elif spoil == "inactive_programme":
        programme.active = False
        programme.save()
    elif spoil == "programme_full":
        programme.max_active_pairs = 1
        programme.save()
        Pairing.objects.create(
            programme=programme,
            mentor=kit.another_mentor(branch),
            mentee=factories.PersonFactory(branch=branch),
            started_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=365),
        )
    elif spoil == "nul_reasons":
        reasons = "før\x00efter"
    elif spoil == "long_reasons":
        reasons = "x" * 501
    with pytest.raises(ValidationError, match=message):
        offers.offer_send(request=request, mentor=mentor, by=consultant, reasons=reasons)
    assert not Offer.objects.exists() and not OutboundEmail.objects.exists()
    request.refresh_from_db()
    assert request.status == MentorRequest.Status.OPEN


def test_only_the_branchs_staff_or_coordinators_may_send(match, other_office, member, coordinator):
    programme, mentor, request = match
    for user in (other_office, member):
        with pytest.raises(ValidationError, match="kan ikke sende"):
            offers.offer_send(request=request, mentor=mentor, by=user)
    assert not Offer.objects.exists()
    assert offers.offer_send(request=request, mentor=mentor, by=coordinator).status == Offer.Status.PENDING


def test_the_new_tr_accepts_and_the_pairing_starts(match, consultant):
    programme, mentor, request = match
    offer = _send(match, consultant)
    token = kit.token_of(kit.link_to(offer, "mentee"))
    link = offers.offer_accept(token)
    assert link.state == offers.ACCEPTED
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED and offer.decided_at
    assert request.status == MentorRequest.Status.MATCHED and request.closed_at
    pairing = Pairing.objects.get()
    assert (pairing.mentor, pairing.mentee, pairing.offer) == (mentor, request.mentee, offer)
    told = {mail.to for mail in _mails("mentoring/offer_accepted")}
    assert told == {
        f"{consultant.get_full_name() or consultant.username} <{consultant.email}>",
        "Kirsten Konsulent <mentor@kreds.example.org>",
    }
    # the mentor hears from the pairing's start (h2b's pairing_start), with the new TR's details
    assert OutboundEmail.objects.filter(to__contains="mette@example.org", key__contains="started").exists()
    # used: a second press changes nothing
    assert offers.offer_accept(token).state == offers.ACCEPTED
    assert Pairing.objects.count() == 1 and len(_mails("mentoring/offer_accepted")) == 2


def test_mentor_first_the_mentor_says_yes_then_the_new_tr(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True)
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    assert offer.status == Offer.Status.AWAITING_MENTOR and offer.mentee_token_hash is None
    assert not _mails("mentoring/offer_to_mentee")
    (to_mentor,) = _mails("mentoring/offer_to_mentor")
    assert "mette@example.org" in to_mentor.to
    mentor_token = kit.token_of(kit.link_to(offer, "mentor"))
    # the mentor's link cannot accept on the new TR's behalf
    assert offers.offer_accept(mentor_token).state == offers.MENTOR_ACCEPTED
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING and not Pairing.objects.exists()
    (to_mentee,) = _mails("mentoring/offer_to_mentee")
    assert "nikolaj@example.org" in to_mentee.to
    assert offers.offer_accept(mentor_token).state == offers.MENTOR_ACCEPTED  # used: nothing new
    assert len(_mails("mentoring/offer_to_mentee")) == 1
    mentee_token = kit.token_of(kit.link_to(offer, "mentee"))
    assert mentee_token != mentor_token
    assert offers.offer_accept(mentee_token).state == offers.ACCEPTED
    assert Pairing.objects.get().mentor == mentor
    assert offers.offer_state(mentor_token).state == offers.ACCEPTED


def test_mentor_first_the_mentor_declines_and_the_new_tr_never_hears(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True)
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    link = offers.offer_decline(kit.token_of(kit.link_to(offer, "mentor")), "Jeg har for travlt")
    assert link.state == offers.DECLINED
    offer.refresh_from_db()
    assert offer.declined_by == "mentor"
    assert not _mails("mentoring/offer_to_mentee")
    (told,) = _mails("mentoring/offer_declined")
    assert "har sagt nej til at være mentor" in told.body_text


def test_decline_with_a_reason_tells_the_consultant_and_opens_the_request(match, consultant, branch):
    programme, mentor, request = match
    offer = _send(match, consultant)
    token = kit.token_of(kit.link_to(offer, "mentee"))
    reason = 'Jeg har allerede en "kollega" & en sparringspartner'
    assert offers.offer_decline(token, reason).state == offers.DECLINED
    offer.refresh_from_db()
    request.refresh_from_db()
    assert (offer.status, offer.decline_reason, offer.declined_by) == (
        Offer.Status.DECLINED,
        reason,
        "mentee",
    )
    assert request.status == MentorRequest.Status.OPEN
    (told,) = _mails("mentoring/offer_declined")
    assert consultant.email in told.to
    assert reason in told.body_text  # plain text, no HTML escapes
    assert "&amp;" not in told.body_text and "&quot;" not in told.body_text
    # declined once: accepting afterwards changes nothing
    assert offers.offer_accept(token).state == offers.DECLINED
    assert not Pairing.objects.exists()
    # the consultant can offer another mentor
    other = kit.another_mentor(branch)
    assert offers.offer_send(request=request, mentor=other, by=consultant).status == Offer.Status.PENDING


def test_decline_reason_is_bounded_and_nul_refused(match, consultant):
    offer = _send(match, consultant)
    token = kit.token_of(kit.link_to(offer, "mentee"))
    for reason in ("x" * 2001, "a\x00b"):
        with pytest.raises(ValidationError):
            offers.offer_decline(token, reason)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING and not _mails("mentoring/offer_declined")


def test_withdraw_by_the_sender_stops_the_link(
    match, consultant, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = _send(match, consultant)
    token = kit.token_of(mailoutbox[0].body.split("/mentor/tilbud/")[1].split("/")[0])
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_withdraw(offer=offer, by=consultant)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert MentorRequest.objects.get().status == MentorRequest.Status.OPEN
    assert offers.offer_accept(token).state == offers.WITHDRAWN
    assert not Pairing.objects.exists()
    assert [mail.subject for mail in mailoutbox][-1].startswith("Mentortilbuddet er trukket tilbage")
    with pytest.raises(ValidationError, match="ikke længere åbent"):
        offers.offer_withdraw(offer=offer, by=consultant)


def test_an_unsent_offer_withdrawn_is_simply_not_sent(match, consultant, monkeypatch):
    from netvaerk.outbox import services as outbox

    monkeypatch.setattr(outbox, "publish", lambda *args, **kwargs: None)  # the worker has not run yet
    offer = _send(match, consultant)
    offers.offer_withdraw(offer=offer, by=consultant)
    (row,) = _mails("mentoring/offer_to_mentee")
    assert row.status == OutboundEmail.Status.WITHDRAWN and row.sealed_secrets == ""
    assert not _mails("mentoring/offer_withdrawn")


def test_an_outsider_cannot_withdraw(match, consultant, other_office, member):
    offer = _send(match, consultant)
    for user in (other_office, member):
        with pytest.raises(ValidationError, match="kan ikke trække"):
            offers.offer_withdraw(offer=offer, by=user)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_an_expired_link_changes_nothing(match, consultant):
    offer = _send(match, consultant)
    token = kit.token_of(kit.link_to(offer, "mentee"))
    with time_machine.travel(offer.expires_at + timedelta(seconds=1)):
        assert offers.offer_state(token).state == offers.EXPIRED
        assert offers.offer_accept(token).state == offers.EXPIRED
        assert offers.offer_decline(token, "for sent").state == offers.EXPIRED
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING and not Pairing.objects.exists()
    assert not _mails("mentoring/offer_declined")


def test_a_tampered_link_is_unknown(match, consultant):
    offer = _send(match, consultant)
    token = kit.token_of(kit.link_to(offer, "mentee"))
    for bad in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "",
        "x" * 500,
        "abc\x00",
        offer.mentee_token_hash,
    ):
        assert offers.offer_accept(bad) == offers.Link(None, None, offers.UNKNOWN)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_when_the_mentor_filled_up_meanwhile_the_acceptance_is_refused(match, consultant, branch):
    programme, mentor, request = match
    offer = _send(match, consultant)
    Pairing.objects.create(
        programme=ProgrammeFactory(branch=branch),
        mentor=mentor,
        mentee=factories.PersonFactory(branch=branch),
        started_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    assert offers.offer_accept(kit.token_of(kit.link_to(offer, "mentee"))).state == offers.FULL
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert request.status == MentorRequest.Status.OPEN
    assert Pairing.objects.filter(offer=offer).count() == 0
    (told,) = _mails("mentoring/offer_full")
    assert "ikke plads til flere mentees" in told.body_text


def test_when_the_programme_filled_up_meanwhile_the_acceptance_is_refused(branch, consultant):
    programme, mentor, request = kit.setup(branch, created_by=consultant, max_pairs=1)
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    Pairing.objects.create(
        programme=programme,
        mentor=kit.another_mentor(branch),
        mentee=factories.PersonFactory(branch=branch),
        started_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    assert offers.offer_accept(kit.token_of(kit.link_to(offer, "mentee"))).state == offers.FULL
    assert Pairing.objects.count() == 1
    assert "højeste antal par" in _mails("mentoring/offer_full")[0].body_text


def test_every_offer_mail_reads_clean_in_plain_text(branch, consultant):
    """Names with an apostrophe and an ampersand, through send, the mentor's yes, decline, withdraw
    and a full mentor: no HTML escapes in any plain-text part or subject, and the link placeholder
    where a link belongs."""
    consultant.first_name, consultant.last_name = "Kim", "O'Brien & Co"
    consultant.save()
    programme, mentor, request = kit.setup(branch, created_by=consultant, mentor_first=True, capacity=2)
    mentor.name = "Mette O'Hara"
    mentor.save()
    request.mentee.name = 'Nikolaj "Nik" Ny & Søn'
    request.mentee.save()
    offer = offers.offer_send(request=request, mentor=mentor, by=consultant)
    offers.offer_accept(kit.token_of(kit.link_to(offer, "mentor")))
    offers.offer_decline(kit.token_of(kit.link_to(offer, "mentee")), "Tak, men <nej> & 'nej'")
    second = offers.offer_send(request=request, mentor=mentor, by=consultant)
    OutboundEmail.objects.update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())  # delivered
    offers.offer_withdraw(offer=second, by=consultant)
    third = offers.offer_send(request=request, mentor=mentor, by=consultant)
    offers.offer_accept(kit.token_of(kit.link_to(third, "mentor")))
    mentor.mentor_profile.capacity = 1
    mentor.mentor_profile.save()
    Pairing.objects.create(
        programme=programme,
        mentor=mentor,
        mentee=factories.PersonFactory(branch=branch),
        started_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    assert offers.offer_accept(kit.token_of(kit.link_to(third, "mentee"))).state == offers.FULL
    rows = OutboundEmail.objects.filter(template__startswith="mentoring/offer_")
    templates = set(rows.values_list("template", flat=True))
    assert templates == {
        "mentoring/offer_to_mentor",
        "mentoring/offer_to_mentee",
        "mentoring/offer_declined",
        "mentoring/offer_withdrawn",
        "mentoring/offer_full",
    }
    for row in rows:
        for text in (row.body_text, row.subject):
            for escape in ("&amp;", "&#x27;", "&quot;", "&lt;", "&#39;"):
                assert escape not in text, (row.template, escape)
        assert "{{" not in row.body_text and "{%" not in row.body_text
        if row.template.startswith("mentoring/offer_to_"):
            assert "[[secret:offer_url]]" in row.body_text and "Svar senest" in row.body_text
    declined = rows.get(template="mentoring/offer_declined")
    assert "Tak, men <nej> & 'nej'" in declined.body_text
    assert "Tak, men &lt;nej&gt;" in declined.body_html  # the HTML part is escaped
