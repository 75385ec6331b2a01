"""Programmes, mentors and requests in the admin: scoped to the office's branch (lists, pages and
every choice, also on POST), and every write through the matching services."""

import pytest
from django.urls import reverse

from mentoring.models import Mentor, MentorRequest, Programme
from tests.mentoring.factories import MentorFactory, MentorRequestFactory, NewTRFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(branch):
    return ProgrammeFactory(branch=branch, name="Pilot Region Syd")


@pytest.fixture
def theirs(other_branch):
    return ProgrammeFactory(branch=other_branch, name="Østjyllands ordning")


def _programme_data(branch, **changes):
    return {
        "branch": branch.pk,
        "name": "Mentorordning 2027",
        "term_months": "12",
        "frequency": "Én gang om måneden",
        "format": "Online",
        "max_active_pairs": "6",
        "offer_valid_days": "14",
        "contact_name": "Kirsten",
        "contact_email": "kirsten@example.org",
        "active": "on",
        **changes,
    }


def test_the_office_sees_only_its_programmes(client, office, programme, theirs):
    client.force_login(office)
    text = client.get(reverse("admin:mentoring_programme_changelist")).content.decode()
    assert "Pilot Region Syd" in text and "Østjyllands ordning" not in text
    response = client.get(reverse("admin:mentoring_programme_change", args=[theirs.pk]))
    assert response.status_code in (302, 404)  # the admin's "does not exist": never the page


def test_the_office_adds_a_programme_in_its_own_branch_whatever_the_post_says(
    client, office, other_branch, branch
):
    client.force_login(office)
    response = client.post(reverse("admin:mentoring_programme_add"), _programme_data(other_branch))
    assert response.status_code == 302
    assert Programme.objects.get(name="Mentorordning 2027").branch == branch


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"term_months": "40"}, "mellem 1 og 36 måneder"), ({"offer_valid_days": "2"}, "mellem 4 og 60 dage")],
)
def test_bad_programme_input_gets_danish_and_saves_nothing(client, office, branch, changes, message):
    client.force_login(office)
    response = client.post(reverse("admin:mentoring_programme_add"), _programme_data(branch, **changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Programme.objects.exists()


def test_the_office_sets_a_members_willingness_through_the_service(client, office, member, branch):
    client.force_login(office)
    response = client.post(
        reverse("admin:mentoring_mentor_add"),
        {"person": member.person.pk, "willing": "on", "capacity": "2", "note": ""},
    )
    assert response.status_code == 302
    mentor = Mentor.objects.get()
    assert (mentor.person, mentor.capacity) == (member.person, 2)
    response = client.post(
        reverse("admin:mentoring_mentor_change", args=[mentor.pk]),
        {"willing": "", "capacity": "1", "note": "Orlov"},
    )
    mentor.refresh_from_db()
    assert (mentor.willing, mentor.capacity, mentor.note) == (False, 1, "Orlov")


def test_another_branchs_member_is_no_choice(client, office, outsider):
    client.force_login(office)
    response = client.post(
        reverse("admin:mentoring_mentor_add"),
        {"person": outsider.person.pk, "willing": "on", "capacity": "1"},
    )
    assert response.status_code == 200 and "person" in response.context["adminform"].form.errors
    assert not Mentor.objects.exists()


def test_a_capacity_over_five_is_refused(client, office, member):
    client.force_login(office)
    response = client.post(
        reverse("admin:mentoring_mentor_add"), {"person": member.person.pk, "willing": "on", "capacity": "9"}
    )
    assert response.status_code == 200 and "mellem 1 og 5" in response.content.decode()
    assert not Mentor.objects.exists()


def test_the_mentor_list_shows_places_left_in_a_fixed_number_of_queries(client, office, branch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(office)
    url = reverse("admin:mentoring_mentor_changelist")
    MentorFactory.create_batch(2, person__branch=branch)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    MentorFactory.create_batch(10, person__branch=branch)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_the_office_files_a_request_through_the_service(client, office, programme, branch):
    newcomer = NewTRFactory(branch=branch)
    client.force_login(office)
    response = client.post(
        reverse("admin:mentoring_mentorrequest_add"),
        {"programme": programme.pk, "mentee": newcomer.pk, "note": "Hej"},
    )
    assert response.status_code == 302
    created = MentorRequest.objects.get()
    assert (created.source, created.created_by, created.note) == ("office", office, "Hej")
    # a second open request is refused by the service, shown in Danish, nothing written
    response = client.post(
        reverse("admin:mentoring_mentorrequest_add"),
        {"programme": programme.pk, "mentee": newcomer.pk},
        follow=True,
    )
    assert "allerede et åbent ønske" in response.content.decode()
    assert MentorRequest.objects.count() == 1


def test_another_branchs_programme_is_no_choice(client, office, theirs, branch):
    newcomer = NewTRFactory(branch=branch)
    client.force_login(office)
    response = client.post(
        reverse("admin:mentoring_mentorrequest_add"), {"programme": theirs.pk, "mentee": newcomer.pk}
    )
    assert response.status_code == 200 and "programme" in response.context["adminform"].form.errors
    assert not MentorRequest.objects.exists()


def test_requests_are_scoped_and_withdrawn_by_the_action(client, office, programme, theirs):
    ours = MentorRequestFactory(programme=programme, mentee__name="Nanna Nyvalgt")
    MentorRequestFactory(programme=theirs, mentee__name="Ulrik Udenfor")
    client.force_login(office)
    url = reverse("admin:mentoring_mentorrequest_changelist")
    text = client.get(url).content.decode()
    assert "Nanna Nyvalgt" in text and "Ulrik Udenfor" not in text
    client.post(url, {"action": "withdraw", "_selected_action": [ours.pk]})
    ours.refresh_from_db()
    assert ours.status == MentorRequest.Status.WITHDRAWN


def test_a_request_is_not_edited_by_hand(client, office, programme):
    request = MentorRequestFactory(programme=programme, note="Oprindelig")
    client.force_login(office)
    client.post(
        reverse("admin:mentoring_mentorrequest_change", args=[request.pk]),
        {"note": "Ændret", "status": "matched"},
    )
    request.refresh_from_db()
    assert (request.note, request.status) == ("Oprindelig", MentorRequest.Status.OPEN)
