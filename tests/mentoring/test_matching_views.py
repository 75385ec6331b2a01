"""The matching pages as each person sees them: the request list, one request with its suggestions and
"Send tilbud", asking for a mentor (staff, coordinator, and the new TR's signed link), being a mentor."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Mandate, MentorPrompt
from circles.services.mandates import MENTOR_REQUEST_SALT, mandate_register, mentor_request_link
from mentoring.models import TEXT_MAX, Mentor, MentorRequest, Offer
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from tests import factories
from tests.mentoring.factories import MentorFactory, MentorRequestFactory, NewTRFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(branch):
    return ProgrammeFactory(branch=branch, name="Mentorordning 2026")


@pytest.fixture
def newcomer(network):
    person = NewTRFactory(branch=network.branch, name="Nanna Nyvalgt")
    factories.MembershipFactory(network=network, person=person)
    return person


@pytest.fixture
def mentor(branch):
    return MentorFactory(person__branch=branch, person__name="Mette Mentor").person


@pytest.fixture
def mentor_request(programme, newcomer, network):
    return MentorRequest.objects.create(
        programme=programme, mentee=newcomer, network=network, source=MentorRequest.Source.PROMPT
    )


def _text(response):
    return response.content.decode()


# The list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "consultant", "coordinator"])
def test_the_branchs_staff_and_the_coordinator_see_the_request(client, request, who, mentor_request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("mentoring:request_list"))
    assert response.status_code == 200
    assert "Nanna Nyvalgt" in _text(response)


def test_a_coordinator_sees_only_their_networks_new_trs(
    client, coordinator, mentor_request, programme, branch
):
    elsewhere = MentorRequestFactory(programme=programme, mentee__name="Ole Andetnetværk")
    client.force_login(coordinator)
    text = _text(client.get(reverse("mentoring:request_list")))
    assert "Nanna Nyvalgt" in text and "Ole Andetnetværk" not in text
    assert client.get(reverse("mentoring:request_detail", args=[elsewhere.pk])).status_code == 403


def test_a_member_without_a_role_gets_403_and_another_branch_sees_none_of_ours(
    client, member, other_office, mentor_request
):
    client.force_login(member)
    assert client.get(reverse("mentoring:request_list")).status_code == 403
    client.force_login(other_office)
    response = client.get(reverse("mentoring:request_list"))
    assert response.status_code == 200 and "Nanna Nyvalgt" not in _text(response)


def test_the_list_takes_the_same_queries_at_two_sizes(client, consultant, programme, branch, mentor):
    client.force_login(consultant)

    def add(n):
        for _ in range(n):
            request = MentorRequestFactory(programme=programme)
            Offer.objects.create(
                request=request,
                mentor=MentorFactory(person__branch=branch).person,
                status=Offer.Status.PENDING,
                expires_at=timezone.now() + timedelta(days=14),
            )
            MentorRequestFactory(programme=programme, network=factories.NetworkFactory(branch=branch))

    add(2)
    client.get(reverse("mentoring:request_list"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("mentoring:request_list")).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("mentoring:request_list"))
    assert _text(response).count("Tilbud: ") == 12
    assert len(large) == len(small) <= 15


# One request ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "consultant", "coordinator"])
def test_the_request_page_ranks_and_explains(client, request, who, mentor_request, mentor):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("mentoring:request_detail", args=[mentor_request.pk]))
    text = _text(response)
    assert response.status_code == 200
    assert "Mette Mentor" in text and "Plads til 1 mentee mere" in text and "Send tilbud" in text


def test_the_request_page_refuses_a_member_and_hides_from_outsiders(
    client, member, outsider, other_office, mentor_request
):
    url = reverse("mentoring:request_detail", args=[mentor_request.pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    for stranger in (outsider, other_office):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    assert client.get(reverse("mentoring:request_detail", args=[999999])).status_code == 404


def test_send_tilbud_offers_the_mentor(client, consultant, mentor_request, mentor):
    client.force_login(consultant)
    response = client.post(
        reverse("mentoring:request_offer", args=[mentor_request.pk]), {"mentor": mentor.pk}
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    mentor_request.refresh_from_db()
    assert (offer.mentor, offer.request, offer.sent_by) == (mentor, mentor_request, consultant)
    assert "Plads til 1 mentee mere" in offer.reasons
    assert mentor_request.status == MentorRequest.Status.OFFERED
    page = _text(client.get(reverse("mentoring:request_detail", args=[mentor_request.pk])))
    assert "Afventer den nye TR" in page  # the offers' history


def test_send_tilbud_refuses_a_member_and_an_outsider(client, member, outsider, mentor_request, mentor):
    url = reverse("mentoring:request_offer", args=[mentor_request.pk])
    client.force_login(member)
    assert client.post(url, {"mentor": mentor.pk}).status_code == 403
    client.force_login(outsider)
    assert client.post(url, {"mentor": mentor.pk}).status_code == 404
    assert not Offer.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "1" * 40, "self", "other", "unwilling"])
def test_send_tilbud_to_someone_not_suggested_changes_nothing(
    client, consultant, mentor_request, mentor, other_branch, value
):
    people = {
        "self": mentor_request.mentee_id,
        "other": MentorFactory(person__branch=other_branch).person_id,
        "unwilling": MentorFactory(person__branch=mentor_request.programme.branch, willing=False).person_id,
    }
    client.force_login(consultant)
    response = client.post(
        reverse("mentoring:request_offer", args=[mentor_request.pk]),
        {"mentor": people.get(value, value)},
        follow=True,
    )
    assert response.status_code == 200
    assert "ikke blandt forslagene" in _text(response)
    assert not Offer.objects.exists()


def test_withdrawing_a_request(client, office, member, mentor_request):
    url = reverse("mentoring:request_withdraw", args=[mentor_request.pk])
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(office)
    assert client.post(url).status_code == 302
    mentor_request.refresh_from_db()
    assert mentor_request.status == MentorRequest.Status.WITHDRAWN


# Asking for a mentor --------------------------------------------------------------------------------


def test_the_office_asks_for_a_mentor(client, office, programme, newcomer):
    client.force_login(office)
    assert client.get(reverse("mentoring:request_create")).status_code == 200
    response = client.post(
        reverse("mentoring:request_create"),
        {"programme": programme.pk, "mentee": newcomer.pk, "note": "Gerne fra Viborg"},
    )
    created = MentorRequest.objects.get()
    assert response.url == reverse("mentoring:request_detail", args=[created.pk])
    assert (created.source, created.created_by, created.note) == ("office", office, "Gerne fra Viborg")


def test_a_member_may_not_ask_for_someone(client, member, programme, newcomer):
    client.force_login(member)
    assert client.get(reverse("mentoring:request_create")).status_code == 403
    assert (
        client.post(
            reverse("mentoring:request_create"), {"programme": programme.pk, "mentee": newcomer.pk}
        ).status_code
        == 403
    )
    assert not MentorRequest.objects.exists()


def test_a_coordinator_picks_only_their_networks_new_trs(client, coordinator, programme, newcomer, branch):
    stranger = NewTRFactory(branch=branch, name="Ole Andetnetværk")
    client.force_login(coordinator)
    page = _text(client.get(reverse("mentoring:request_create")))
    assert "Nanna Nyvalgt" in page and "Ole Andetnetværk" not in page
    response = client.post(
        reverse("mentoring:request_create"), {"programme": programme.pk, "mentee": stranger.pk}
    )
    assert response.status_code == 200 and not MentorRequest.objects.exists()


BAD_NOTES = [
    ("Hej\x00", 400, "ugyldigt tegn (NUL)"),  # the project's middleware answers NUL before any view
    ("x" * (TEXT_MAX + 1), 200, f"højst være {TEXT_MAX} tegn"),
]


@pytest.mark.parametrize(("note", "status", "message"), BAD_NOTES)
def test_a_bad_note_gets_a_danish_message_and_changes_nothing(
    client, office, programme, newcomer, note, status, message
):
    client.force_login(office)
    response = client.post(
        reverse("mentoring:request_create"), {"programme": programme.pk, "mentee": newcomer.pk, "note": note}
    )
    assert response.status_code == status
    assert message in _text(response)
    assert not MentorRequest.objects.exists()


@pytest.fixture
def prompt(network, newcomer):
    return MentorPrompt.objects.create(network=network, person=newcomer, mandate=newcomer.mandates.get())


def test_find_a_mentor_from_the_meetings_prompt(client, coordinator, network, prompt, programme):
    meeting = factories.MeetingFactory(network=network)
    client.force_login(coordinator)
    page = _text(client.get(meeting.get_absolute_url()))
    link = reverse("mentoring:request_create") + f"?prompt={prompt.pk}"
    assert link in page
    form = _text(client.get(link))
    assert f'<option value="{prompt.person_id}" selected>' in form
    client.post(link, {"programme": programme.pk, "mentee": prompt.person_id, "prompt": prompt.pk})
    created = MentorRequest.objects.get()
    prompt.refresh_from_db()
    assert (created.source, created.prompt, created.network) == ("prompt", prompt, network)
    assert prompt.done_by == coordinator
    assert link not in _text(client.get(meeting.get_absolute_url()))  # the prompt left the meeting page


def test_another_branchs_office_cannot_use_our_prompt(client, other_office, member, prompt):
    url = reverse("mentoring:request_create") + f"?prompt={prompt.pk}"
    client.force_login(other_office)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 403
    for bad in ("abc", "9" * 30):
        client.force_login(other_office)
        assert client.get(reverse("mentoring:request_create") + f"?prompt={bad}").status_code in (403, 404)


# The new TR's own link ------------------------------------------------------------------------------


def _self_url(person):
    return mentor_request_link(person)


def test_get_and_head_change_nothing_and_the_post_creates_one_request(client, programme, newcomer):
    url = _self_url(newcomer)
    for _ in range(5):
        assert client.get(url).status_code == 200
        assert client.head(url).status_code == 200
    assert not MentorRequest.objects.exists() and not OutboundEmail.objects.exists()
    assert "Jeg vil gerne have en mentor" in _text(client.get(url))
    response = client.post(url, {"programme": programme.pk, "note": "Gerne online"})
    assert "Dit ønske om en mentor er sendt" in _text(response)
    created = MentorRequest.objects.get()
    assert (created.mentee, created.source, created.created_by, created.note) == (
        newcomer,
        "self",
        None,
        "Gerne online",
    )
    again = client.post(url, {"programme": programme.pk})
    assert "Du har allerede bedt om en mentor" in _text(again)
    assert MentorRequest.objects.count() == 1
    # the office hears of it once, with a link to the request and without the wishes
    mail = OutboundEmail.objects.get(template="mentoring/request_self")
    assert mail.to.endswith(f"<{programme.branch.office_email}>") or mail.to == programme.branch.office_email
    assert reverse("mentoring:request_detail", args=[created.pk]) in mail.body_text
    assert (
        "Gerne online" not in mail.body_text
        and "&amp;" not in mail.body_text
        and "&#x27;" not in mail.body_text
    )


def test_a_tampered_link_shows_a_danish_page(client, programme, newcomer):
    url = _self_url(newcomer)
    signed = url.rstrip("/").rsplit("/", 1)[1]
    other = signing.TimestampSigner(salt=MENTOR_REQUEST_SALT).sign(str(newcomer.pk + 1)).rsplit(":", 1)[0]
    for bad in (signed[:-2] + "xx", other + ":" + signed.rsplit(":", 1)[1], "abc", "1"):
        response = client.post(reverse("mentoring:request_self", args=[bad]), {"programme": programme.pk})
        assert response.status_code == 200
        assert "Linket er ugyldigt" in _text(response)
    assert not MentorRequest.objects.exists()


def test_an_expired_link_shows_a_danish_page(client, programme, newcomer):
    url = _self_url(newcomer)
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        response = client.post(url, {"programme": programme.pk})
    assert response.status_code == 200 and "Linket er udløbet" in _text(response)
    assert not MentorRequest.objects.exists()
    with time_machine.travel(timezone.now() + timedelta(days=59)):
        assert "Linket er udløbet" not in _text(client.get(url))


@pytest.mark.parametrize(("note", "status", "message"), BAD_NOTES)
def test_a_bad_wish_is_refused_in_danish(client, programme, newcomer, note, status, message):
    response = client.post(_self_url(newcomer), {"programme": programme.pk, "note": note})
    assert response.status_code == status and message in _text(response)
    assert not MentorRequest.objects.exists()


def test_without_a_programme_the_new_tr_is_told_whom_to_write_to(client, newcomer):
    response = client.get(_self_url(newcomer))
    assert "ingen mentorordning" in _text(response) and newcomer.branch.office_email in _text(response)


def test_the_welcome_mail_carries_the_link_sealed(client, office, network, coordinator, programme, branch):
    newcomer = factories.PersonFactory(branch=branch, name="Nikolaj Ny", email="nikolaj@example.org")
    workplace = factories.WorkplaceFactory(employer=network.employer, municipality="Viborg")
    mandate_register(
        person=newcomer, role=Mandate.Role.TR, workplace=workplace, elected_on=timezone.localdate(), by=office
    )
    mail = OutboundEmail.objects.get(to__contains="nikolaj@example.org")
    link = mentor_request_link(newcomer)
    signed_part = link.rstrip("/").rsplit("/", 1)[1].rsplit(":", 1)[1]
    assert signed_part not in mail.body_text and signed_part not in mail.body_html
    assert sealing.placeholder("mentor_request_url") in mail.body_text
    sealed_link = sealing.unseal(mail.sealed_secrets)["mentor_request_url"]
    assert sealed_link.startswith(reverse("mentoring:request_self", args=["x"]).rsplit("x", 1)[0])
    text = sealing.reveal(mail.body_text, sealing.unseal(mail.sealed_secrets))
    assert "&amp;" not in text and "&#x27;" not in text
    path = re.search(r"https?://[^\s/]+(/mentor/[^\s]+)", text).group(1)
    assert "Jeg vil gerne have en mentor" in _text(client.get(path))


def test_an_amr_gets_no_mentor_link(office, branch):
    amr = factories.PersonFactory(branch=branch, email="amr@example.org")
    mandate_register(
        person=amr,
        role=Mandate.Role.AMR,
        workplace=factories.WorkplaceFactory(employer__branch=branch),
        elected_on=timezone.localdate(),
        by=office,
    )
    mail = OutboundEmail.objects.get(to__contains="amr@example.org")
    assert not mail.sealed_secrets and "mentor_request_url" not in mail.body_text


# Being a mentor -------------------------------------------------------------------------------------


def test_a_member_says_they_will_mentor(client, member):
    client.force_login(member)
    assert client.get(reverse("mentoring:mentor_me")).status_code == 200
    response = client.post(
        reverse("mentoring:mentor_me"), {"willing": "on", "capacity": "2", "note": "Helst online"}
    )
    assert response.status_code == 302
    mentor = Mentor.objects.get(person=member.person)
    assert (mentor.willing, mentor.capacity, mentor.note) == (True, 2, "Helst online")
    page = _text(client.get(reverse("mentoring:mentor_me")))
    assert "TR-uddannelsen" in page  # not trained: told why they are not suggested


@pytest.mark.parametrize("data", [{"capacity": "9"}, {"capacity": "0"}, {"capacity": "1", "note": "x" * 501}])
def test_bad_willingness_input_changes_nothing(client, member, data):
    client.force_login(member)
    response = client.post(reverse("mentoring:mentor_me"), {"willing": "on", **data})
    assert response.status_code == 200
    assert not Mentor.objects.exists()


def test_a_login_without_a_member_gets_403(client, office):
    client.force_login(office)
    assert client.get(reverse("mentoring:mentor_me")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, mentor_request):
    for url in (
        reverse("mentoring:request_list"),
        reverse("mentoring:request_detail", args=[mentor_request.pk]),
        reverse("mentoring:request_create"),
        reverse("mentoring:mentor_me"),
    ):
        assert client.get(url).status_code == 302


def test_asking_from_the_form_settles_the_new_trs_open_prompt(
    client, consultant, prompt, programme, newcomer
):
    client.force_login(consultant)
    client.post(reverse("mentoring:request_create"), {"programme": programme.pk, "mentee": newcomer.pk})
    prompt.refresh_from_db()
    assert MentorRequest.objects.get().prompt == prompt and prompt.done_by == consultant
