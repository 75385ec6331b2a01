"""Mentor requests and the ranked suggestions: the worked example fixes the order and the reasons."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from circles.models import Mandate, MentorPrompt, Workplace
from mentoring.models import TEXT_MAX, Mentor, MentorRequest, Offer, Pairing
from mentoring.services import matching
from tests import factories
from tests.mentoring.factories import MentorFactory, NewTRFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
Area = Workplace.WorkArea


def years_ago(years):
    """A day a little more than ``years`` full years ago."""
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=1)


@pytest.fixture
def programme(branch):
    return ProgrammeFactory(branch=branch, name="Mentorordning 2026")


@pytest.fixture
def viborg(branch):
    return factories.EmployerFactory(branch=branch, name="Viborg Kommune")


def _mentor(branch, name, workplace, *, tr_since, capacity=1, network=None, earlier_since=None):
    person = factories.PersonFactory(
        branch=branch, name=name, tr_training_completed_on=timezone.localdate() - timedelta(days=30)
    )
    factories.MandateFactory(person=person, workplace=workplace, elected_on=tr_since)
    if earlier_since is not None:  # an earlier, ended TR mandate elsewhere: counts for the years
        factories.MandateFactory(
            person=person,
            workplace=factories.WorkplaceFactory(employer__branch=branch),
            elected_on=earlier_since,
            ended_on=tr_since - timedelta(days=1),
        )
    Mentor.objects.create(person=person, willing=True, capacity=capacity)
    if network is not None:
        factories.MembershipFactory(network=network, person=person)
    return person


@pytest.fixture
def example(branch, programme, viborg):
    """The worked example. The new TR Nanna works at a housing unit (bosted) of Viborg Kommune in
    Viborg and is a member of the TR network of Viborg Kommune."""
    network = factories.NetworkFactory(branch=branch, name="TR-netværk Viborg Kommune", employer=viborg)
    skive_network = factories.NetworkFactory(branch=branch, name="TR-netværk Skive Kommune")
    region = factories.EmployerFactory(branch=branch, name="Region Midtjylland")
    skive = skive_network.employer

    def place(employer, area, municipality):
        return factories.WorkplaceFactory(employer=employer, work_area=area, municipality=municipality)

    nanna = factories.PersonFactory(branch=branch, name="Nanna Nyvalgt")
    factories.MandateFactory(
        person=nanna, workplace=place(viborg, Area.HOUSING, "Viborg"), elected_on=timezone.localdate()
    )
    factories.MembershipFactory(network=network, person=nanna)
    people = {
        # same network, municipality and employer; a related work area; 5 years: 40+30+10+10+0+5 = 95
        "anna": _mentor(
            branch,
            "Anna Andersen",
            place(viborg, Area.RESIDENTIAL, "Viborg"),
            tr_since=years_ago(5),
            network=network,
        ),
        # another network, Skive; the same work area; 3 places; 12 years (capped at 10): 20+4+10 = 34
        "bent": _mentor(
            branch,
            "Bent Bundgaard",
            place(skive, Area.HOUSING, "Skive"),
            tr_since=years_ago(4),
            earlier_since=years_ago(12),
            capacity=3,
            network=skive_network,
        ),
        # Viborg, same employer, an unrelated work area; 2 years: 30+10+2 = 42
        "carla": _mentor(
            branch, "Carla Christensen", place(viborg, Area.SCHOOL, "Viborg"), tr_since=years_ago(2)
        ),
        # Viborg, the region, the same work area; under a year: 30+20 = 50
        "dorte": _mentor(
            branch,
            "Dorte Dahl",
            place(region, Area.HOUSING, "Viborg"),
            tr_since=timezone.localdate() - timedelta(days=200),
        ),
        # exactly Carla's score and years: the name decides (Carla before Erik)
        "erik": _mentor(branch, "Erik Eriksen", place(viborg, Area.DAYCARE, "Viborg"), tr_since=years_ago(2)),
    }
    request = MentorRequest.objects.create(
        programme=programme, mentee=nanna, source=MentorRequest.Source.OFFICE, network=network
    )
    return request, people


def test_the_worked_example_ranks_and_explains(example):
    request, people = example
    ranked = matching.suggestions(request)
    assert [(s.person.name, s.score) for s in ranked] == [
        ("Anna Andersen", 95),
        ("Dorte Dahl", 50),
        ("Carla Christensen", 42),
        ("Erik Eriksen", 42),
        ("Bent Bundgaard", 34),
    ]
    reasons = {s.person.name: s.reasons for s in ranked}
    assert reasons["Anna Andersen"] == [
        "Samme netværk: TR-netværk Viborg Kommune",
        "Samme kommune: Viborg",
        "Beslægtet arbejdsområde: Døgninstitution",
        "Samme arbejdsgiver: Viborg Kommune",
        "Plads til 1 mentee mere",
        "TR i 5 år",
    ]
    assert reasons["Dorte Dahl"] == [
        "Samme kommune: Viborg",
        "Samme arbejdsområde: Bosted",
        "Plads til 1 mentee mere",
        "TR i under et år",
    ]
    assert reasons["Carla Christensen"] == [
        "Samme kommune: Viborg",
        "Samme arbejdsgiver: Viborg Kommune",
        "Plads til 1 mentee mere",
        "TR i 2 år",
    ]
    assert reasons["Erik Eriksen"] == reasons["Carla Christensen"]  # daycare is not related to housing
    assert reasons["Bent Bundgaard"] == [
        "Samme arbejdsområde: Bosted",
        "Plads til 3 mentees mere",
        "TR i 12 år",
    ]


def test_the_new_tr_and_other_branches_are_never_suggested(example, branch, other_branch):
    request, people = example
    Mentor.objects.create(person=request.mentee, willing=True)
    request.mentee.tr_training_completed_on = timezone.localdate()
    request.mentee.save()
    MentorFactory(person__branch=other_branch, person__name="Anders Andetsteds")
    names = [s.person.name for s in matching.suggestions(request)]
    assert "Nanna Nyvalgt" not in names
    assert "Anders Andetsteds" not in names
    assert len(names) == 5


def test_a_mentor_who_declined_this_request_is_not_suggested_again(example):
    request, people = example
    Offer.objects.create(
        request=request,
        mentor=people["anna"],
        status=Offer.Status.DECLINED,
        declined_by="mentor",
        decided_at=timezone.now(),
        expires_at=timezone.now(),
    )
    assert [s.person.name for s in matching.suggestions(request)][0] == "Dorte Dahl"


def test_suggestions_take_the_same_queries_at_two_sizes(example, branch):
    request, people = example
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(matching.suggestions(request)) == 5
    for _ in range(10):
        MentorFactory(person__branch=branch)
    with CaptureQueriesContext(connection) as large:
        assert len(matching.suggestions(request)) == 15
    assert len(large) == len(small) <= 5


# Requests -------------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(branch):
    return NewTRFactory(branch=branch, name="Nikolaj Ny")


def test_office_creates_a_request(programme, newcomer, office):
    request = matching.request_create(
        programme=programme,
        mentee=newcomer,
        source=MentorRequest.Source.OFFICE,
        by=office,
        note=" Gerne Viborg ",
    )
    assert (request.status, request.note, request.created_by) == (
        MentorRequest.Status.OPEN,
        "Gerne Viborg",
        office,
    )


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("ok\x00ok", r"ugyldigt tegn \(NUL\)"),
        ("x" * (TEXT_MAX + 1), f"højst være {TEXT_MAX} tegn"),
    ],
)
def test_bad_notes_are_refused_in_danish_and_nothing_is_written(programme, newcomer, office, note, message):
    with pytest.raises(ValidationError, match=message):
        matching.request_create(
            programme=programme, mentee=newcomer, source=MentorRequest.Source.OFFICE, by=office, note=note
        )
    assert not MentorRequest.objects.exists()


def test_one_open_request_per_new_tr(programme, newcomer, office):
    matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)
    with pytest.raises(ValidationError, match="allerede et åbent ønske"):
        matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)
    assert MentorRequest.objects.count() == 1


def test_the_mentee_must_be_a_tr_of_the_programmes_branch(programme, office, branch, other_branch):
    amr = factories.PersonFactory(branch=branch)
    factories.MandateFactory(person=amr, role=Mandate.Role.AMR)
    with pytest.raises(ValidationError, match="ikke et aktivt TR-hverv"):
        matching.request_create(programme=programme, mentee=amr, source="office", by=office)
    stranger = NewTRFactory(branch=other_branch)
    with pytest.raises(ValidationError, match="anden kreds"):
        matching.request_create(programme=programme, mentee=stranger, source="office", by=office)
    assert not MentorRequest.objects.exists()


def test_another_branchs_office_cannot_file_here(programme, newcomer, other_office):
    with pytest.raises(ValidationError, match="anden kreds end din"):
        matching.request_create(programme=programme, mentee=newcomer, source="office", by=other_office)


def test_an_inactive_programme_takes_no_requests(programme, newcomer, office):
    programme.active = False
    programme.save()
    with pytest.raises(ValidationError, match="ikke aktiv"):
        matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)


def test_a_new_tr_with_an_active_mentor_gets_no_second(programme, newcomer, office, branch):
    today = timezone.localdate()
    Pairing.objects.create(
        programme=programme,
        mentor=MentorFactory(person__branch=branch).person,
        mentee=newcomer,
        started_on=today,
        ends_on=today + timedelta(days=365),
    )
    with pytest.raises(ValidationError, match="allerede en aktiv mentor"):
        matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)


def test_from_a_prompt_the_prompt_is_done_and_the_network_kept(programme, newcomer, network, coordinator):
    prompt = MentorPrompt.objects.create(network=network, person=newcomer, mandate=newcomer.mandates.get())
    request = matching.request_create(
        programme=programme, mentee=newcomer, source="office", by=coordinator, prompt=prompt
    )
    prompt.refresh_from_db()
    assert (request.source, request.network, request.prompt) == ("prompt", network, prompt)
    assert prompt.done_at is not None and prompt.done_by == coordinator


def test_a_prompt_about_someone_else_is_refused(programme, newcomer, network, coordinator, branch):
    other = NewTRFactory(branch=branch)
    prompt = MentorPrompt.objects.create(network=network, person=other, mandate=other.mandates.get())
    with pytest.raises(ValidationError, match="anden ny TR"):
        matching.request_create(
            programme=programme, mentee=newcomer, source="office", by=coordinator, prompt=prompt
        )
    prompt.refresh_from_db()
    assert prompt.done_at is None and not MentorRequest.objects.exists()


def test_withdrawing_closes_the_request_and_its_open_offer(programme, newcomer, office, branch):
    request = matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)
    offer = Offer.objects.create(
        request=request,
        mentor=MentorFactory(person__branch=branch).person,
        status=Offer.Status.PENDING,
        expires_at=timezone.now() + timedelta(days=14),
    )
    matching.request_withdraw(request=request, by=office)
    request.refresh_from_db()
    offer.refresh_from_db()
    assert (request.status, offer.status) == (MentorRequest.Status.WITHDRAWN, Offer.Status.WITHDRAWN)
    assert request.closed_at is not None
    with pytest.raises(ValidationError, match="ikke længere åbent"):
        matching.request_withdraw(request=request, by=office)
    # withdrawn, a new request may follow
    matching.request_create(programme=programme, mentee=newcomer, source="office", by=office)


# Willingness ----------------------------------------------------------------------------------------


def test_a_member_sets_their_own_willingness_but_not_anothers(member, coordinator):
    person = member.person
    mentor = matching.mentor_set(person=person, willing=True, capacity=2, by=member, note="Helst online")
    assert (mentor.willing, mentor.capacity, mentor.note) == (True, 2, "Helst online")
    with pytest.raises(ValidationError, match="din egen"):
        matching.mentor_set(person=person, willing=False, capacity=1, by=coordinator)
    with pytest.raises(ValidationError, match="mellem 1 og 5"):
        matching.mentor_set(person=person, willing=True, capacity=6, by=member)
    with pytest.raises(ValidationError, match="NUL"):
        matching.mentor_set(person=person, willing=True, capacity=1, by=member, note="a\x00")
    mentor.refresh_from_db()
    assert (mentor.willing, mentor.capacity) == (True, 2)


def test_the_office_sets_a_members_willingness(member, office, other_office):
    matching.mentor_set(person=member.person, willing=True, capacity=1, by=office)
    with pytest.raises(ValidationError):
        matching.mentor_set(person=member.person, willing=False, capacity=1, by=other_office)
    assert Mentor.objects.get(person=member.person).willing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_self_requests_make_exactly_one(branch):
    """The new TR presses the button on several devices at once: one request, the rest refused in Danish."""
    import threading

    from django.db import connection as default_connection

    programme = ProgrammeFactory(branch=branch)
    newcomer = NewTRFactory(branch=branch)
    barrier = threading.Barrier(10)
    outcomes = []

    def press():
        try:
            barrier.wait()
            matching.request_create(programme=programme, mentee=newcomer, source="self", by=None)
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            default_connection.close()

    threads = [threading.Thread(target=press) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("created") == 1
    assert all("allerede et åbent ønske" in outcome for outcome in outcomes if outcome != "created")
    assert MentorRequest.objects.filter(mentee=newcomer).count() == 1
