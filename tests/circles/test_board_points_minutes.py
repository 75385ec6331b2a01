"""Points for the branch board written in a TR network's minutes (seed 000 §2): the coordinator's side."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circles.models import Attendance, BoardPoint, BoardTopic, Meeting, Minutes, Network
from circles.services import minutes as services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics(branch):
    return {
        str(name): BoardTopic.objects.get(branch=branch, name=str(name))  # every branch starts with them
        for name in BoardTopic.DEFAULTS
    }


@pytest.fixture
def held(network, coordinator, member):
    meeting = factories.MeetingFactory(
        network=network, starts_at=timezone.now() - timedelta(days=2), status=Meeting.Status.HELD
    )
    Attendance.objects.create(meeting=meeting, person=member.person)
    return meeting


def edit_url(meeting):
    return reverse("circles:minutes_edit", args=[meeting.pk])


def form_data(points, *, revision=0, initial=0, text="Referat fra mødet", **extra):
    data = {
        "text": text,
        "revision": revision,
        "points-TOTAL_FORMS": len(points),
        "points-INITIAL_FORMS": initial,
        "points-MIN_NUM_FORMS": 0,
        "points-MAX_NUM_FORMS": 10,
        **extra,
    }
    for index, point in enumerate(points):
        for name, value in point.items():
            data[f"points-{index}-{name}"] = value
    return data


def point(topic, title="Mere TR-uddannelse", text="Nye TR venter for længe på grunduddannelsen.", **extra):
    return {"topic": topic.pk, "title": title, "text": text, **extra}


def test_points_are_saved_with_the_draft(client, held, coordinator, topics):
    client.force_login(coordinator)
    page = client.get(edit_url(held)).content.decode()
    assert "Punkter til kredsbestyrelsen" in page and "Mødeaktivitet" in page
    assert "Punkterne er ikke fortrolige" in page  # said plainly, also for a confidential minutes
    response = client.post(
        edit_url(held),
        form_data(
            [
                point(topics["Uddannelse"]),
                point(topics["Mødeaktivitet"], title="Flere fællesmøder", text="To om året er for lidt."),
                {"topic": "", "title": "", "text": ""},  # an untouched blank row is no point
            ],
            confidential="on",
        ),
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=held)
    assert minutes.status == Minutes.Status.DRAFT and minutes.confidential
    saved = list(minutes.board_points.order_by("pk"))
    assert [(p.title, p.topic.name, p.network, p.status) for p in saved] == [
        ("Mere TR-uddannelse", "Uddannelse", held.network, BoardPoint.Status.NEW),
        ("Flere fællesmøder", "Mødeaktivitet", held.network, BoardPoint.Status.NEW),
    ]
    first, second = saved
    # change the first, delete the second, add a third: one save
    response = client.post(
        edit_url(held),
        form_data(
            [
                point(topics["Uddannelse"], id=first.pk, title="Kortere ventetid på TR-uddannelse"),
                point(topics["Mødeaktivitet"], id=second.pk, DELETE="on"),
                point(topics["Arbejdsvilkår"], title="Tid til TR-arbejdet", text="Aftaler om tid mangler."),
            ],
            revision=minutes.revision,
            initial=2,
        ),
    )
    assert response.status_code == 302
    kept = list(minutes.board_points.order_by("pk"))
    assert [p.title for p in kept] == ["Kortere ventetid på TR-uddannelse", "Tid til TR-arbejdet"]
    assert kept[0].pk == first.pk and not BoardPoint.objects.filter(pk=second.pk).exists()
    minutes.refresh_from_db()
    client.post(edit_url(held), {"text": "Referat fra mødet", "revision": minutes.revision, "submit": "1"})
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SUBMITTED and minutes.board_points.count() == 2


def test_a_post_without_the_points_part_leaves_them(client, held, coordinator, topics):
    minutes = services.minutes_for(held)
    services.minutes_save(
        meeting=held,
        by=coordinator,
        text="Referat",
        confidential=False,
        revision=0,
        points=[services.PointInput(topic_id=topics["Andet"].pk, title="Kaffe", text="Bedre kaffe")],
    )
    client.force_login(coordinator)
    client.post(edit_url(held), {"text": "Rettet referat", "revision": 1})
    minutes.refresh_from_db()
    assert minutes.text == "Rettet referat" and minutes.board_points.get().title == "Kaffe"


def test_more_than_ten_points_are_refused_and_nothing_changes(client, held, coordinator, topics):
    client.force_login(coordinator)
    eleven = [point(topics["Andet"], title=f"Punkt {n}") for n in range(11)]
    response = client.post(edit_url(held), form_data(eleven, text="Skal ikke gemmes"))
    assert response.status_code == 200
    assert "Højst 10 punkter til kredsbestyrelsen" in response.content.decode()
    assert not Minutes.objects.filter(meeting=held).exists() and not BoardPoint.objects.exists()
    # the service holds the bound whatever the form sends
    with pytest.raises(ValidationError, match="Højst 10 punkter"):
        services.minutes_save(
            meeting=held,
            by=coordinator,
            text="Skal ikke gemmes",
            confidential=False,
            revision=0,
            points=[
                services.PointInput(topic_id=topics["Andet"].pk, title=f"P{n}", text="t") for n in range(11)
            ],
        )
    assert not Minutes.objects.filter(meeting=held).exists() and not BoardPoint.objects.exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"title": "x" * 161}, "må højst have 160 tegn"),
        ({"text": "x" * 2001}, "må højst have 2000 tegn"),
        ({"title": "   "}, "Dette felt er påkrævet"),
        ({"text": ""}, "Dette felt er påkrævet"),
        ({"topic": ""}, "Dette felt er påkrævet"),
        ({"topic": 987654}, "Vælg et af kredsens emner"),
    ],
)
def test_bad_points_get_a_danish_message_and_change_nothing(client, held, coordinator, topics, bad, message):
    services.minutes_save(
        meeting=held,
        by=coordinator,
        text="Gemt referat",
        confidential=False,
        revision=0,
        points=[services.PointInput(topic_id=topics["Andet"].pk, title="Gemt punkt", text="Gemt tekst")],
    )
    saved = BoardPoint.objects.get()
    client.force_login(coordinator)
    response = client.post(
        edit_url(held),
        form_data(
            [point(topics["Andet"], id=saved.pk), {**point(topics["Uddannelse"]), **bad}],
            revision=1,
            initial=1,
            text="Ændret referat",
        ),
    )
    assert response.status_code == 200 and message in response.content.decode()
    minutes = Minutes.objects.get(meeting=held)
    assert minutes.text == "Gemt referat" and minutes.revision == 1
    assert list(BoardPoint.objects.values_list("title", "text")) == [("Gemt punkt", "Gemt tekst")]


def test_another_branchs_topic_and_another_minutes_point_are_refused(
    client, held, network, coordinator, topics, other_branch
):
    foreign_topic = BoardTopic.objects.get(branch=other_branch, name="Uddannelse")
    client.force_login(coordinator)
    response = client.post(edit_url(held), form_data([point(foreign_topic)]))
    assert "Vælg et af kredsens emner" in response.content.decode()
    assert not BoardPoint.objects.exists()
    # a point id from another meeting's minutes (a tampered hidden field) changes nothing anywhere
    other = factories.MeetingFactory(network=network, starts_at=timezone.now() - timedelta(days=40))
    services.minutes_save(
        meeting=other,
        by=coordinator,
        text="Andet referat",
        confidential=False,
        revision=0,
        points=[services.PointInput(topic_id=topics["Andet"].pk, title="Andet møde", text="Uændret")],
    )
    theirs = BoardPoint.objects.get()
    response = client.post(
        edit_url(held), form_data([point(topics["Andet"], id=theirs.pk, title="Kapret")]), follow=True
    )
    assert "Punktet findes ikke i dette referat" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.title == "Andet møde" and theirs.minutes.meeting == other
    assert not Minutes.objects.filter(meeting=held).exists()


def test_the_service_refuses_nul_bytes_in_a_point(held, coordinator, topics):
    with pytest.raises(ValidationError, match="ugyldige tegn"):
        services.minutes_save(
            meeting=held,
            by=coordinator,
            text="Referat",
            confidential=False,
            revision=0,
            points=[services.PointInput(topic_id=topics["Andet"].pk, title="A\x00", text="tekst")],
        )
    assert not Minutes.objects.filter(meeting=held).exists()


def test_nul_bytes_in_the_form_get_a_danish_page(client, held, coordinator, topics):
    client.force_login(coordinator)
    response = client.post(edit_url(held), form_data([point(topics["Andet"], text="a\x00b")]))
    assert response.status_code == 400 and "ugyldigt tegn (NUL)" in response.content.decode()
    assert not BoardPoint.objects.exists()


def test_a_point_the_office_has_answered_stays_as_it_is(client, held, coordinator, office, topics):
    services.minutes_save(
        meeting=held,
        by=coordinator,
        text="Referat",
        confidential=False,
        revision=0,
        points=[services.PointInput(topic_id=topics["Andet"].pk, title="Besvaret", text="Tekst")],
    )
    minutes = services.minutes_submit(meeting=held, by=coordinator)
    BoardPoint.objects.update(
        status=BoardPoint.Status.ANSWERED, reply="Tages op i marts", replied_at=timezone.now()
    )
    services.minutes_return(minutes_id=minutes.pk, by=office, comment="Ret datoen")
    answered = BoardPoint.objects.get()
    minutes.refresh_from_db()
    client.force_login(coordinator)
    page = client.get(edit_url(held)).content.decode()
    assert "Behandlet af kredskontoret" in page and "Tages op i marts" in page
    assert f'value="{answered.pk}"' not in page  # not in the editable rows
    client.post(edit_url(held), form_data([], revision=minutes.revision, text="Rettet"))
    assert BoardPoint.objects.get().title == "Besvaret"  # an empty points part deletes only NEW points
    minutes.refresh_from_db()
    with pytest.raises(ValidationError, match="har behandlet punktet"):
        services.minutes_save(
            meeting=held,
            by=coordinator,
            text="Rettet",
            confidential=False,
            revision=minutes.revision,
            points=[
                services.PointInput(id=answered.pk, topic_id=topics["Andet"].pk, title="Omskrevet", text="Ny")
            ],
        )
    assert BoardPoint.objects.get().title == "Besvaret"


def test_an_amr_network_has_no_points(client, branch, consultant, topics):
    amr = factories.NetworkFactory(
        branch=branch,
        kind=Network.Kind.AMR,
        employer=None,
        municipality_group="Viborg",
        consultant=consultant,
    )
    meeting = factories.MeetingFactory(network=amr, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(consultant)
    assert "Punkter til kredsbestyrelsen" not in client.get(edit_url(meeting)).content.decode()
    with pytest.raises(ValidationError, match="Kun TR-netværk og blandede netværk"):
        services.minutes_save(
            meeting=meeting,
            by=consultant,
            text="Referat",
            confidential=True,
            revision=0,
            points=[services.PointInput(topic_id=topics["Andet"].pk, title="T", text="t")],
        )
    assert not BoardPoint.objects.exists()


def test_access_to_writing_points(client, held, branch, coordinator, member, outsider, topics):
    other_network = factories.NetworkFactory(branch=branch, name="TR-netværk Skive")
    other_coordinator = factories.PersonFactory(branch=branch, user=factories.UserFactory(username="anden"))
    other_network.coordinator = other_coordinator
    other_network.save()
    data = form_data([point(topics["Andet"])])
    for user, status in ((other_coordinator.user, 404), (outsider, 404), (member, 403)):
        client.force_login(user)
        assert client.get(edit_url(held)).status_code == status
        assert client.post(edit_url(held), data).status_code == status
    assert not BoardPoint.objects.exists() and not Minutes.objects.filter(meeting=held).exists()
    client.force_login(coordinator)
    assert client.post(edit_url(held), data).status_code == 302
    assert BoardPoint.objects.count() == 1


def test_the_minutes_page_shows_points_with_status_and_reply(client, held, coordinator, member, topics):
    services.minutes_save(
        meeting=held,
        by=coordinator,
        text="Referat",
        confidential=False,
        revision=0,
        points=[
            services.PointInput(topic_id=topics["Uddannelse"].pk, title="Mere uddannelse", text="Tekst A"),
            services.PointInput(topic_id=topics["Andet"].pk, title="Bedre lokaler", text="Tekst B"),
        ],
    )
    client.force_login(member)
    assert client.get(reverse("circles:minutes_detail", args=[held.pk])).status_code == 403  # a draft
    services.minutes_submit(meeting=held, by=coordinator)
    BoardPoint.objects.filter(title="Mere uddannelse").update(
        status=BoardPoint.Status.ANSWERED, reply="Kredsen holder et ekstra kursus", replied_at=timezone.now()
    )
    page = client.get(reverse("circles:minutes_detail", args=[held.pk])).content.decode()
    assert "Mere uddannelse" in page and "Bedre lokaler" in page
    assert "Besvaret" in page and "Kredsen holder et ekstra kursus" in page and "Ny" in page


def test_the_minutes_page_query_count_does_not_grow_with_points(client, held, coordinator, member, topics):
    def page_queries(count):
        meeting = factories.MeetingFactory(
            network=held.network,
            starts_at=timezone.now() - timedelta(days=3 + count),
            status=Meeting.Status.HELD,
        )
        Attendance.objects.create(meeting=meeting, person=member.person)
        services.minutes_save(
            meeting=meeting,
            by=coordinator,
            text="Referat",
            confidential=False,
            revision=0,
            points=[
                services.PointInput(topic_id=topic.pk, title=f"Punkt {n}", text="Tekst")
                for n, topic in zip(range(count), list(topics.values()) * 3, strict=False)
            ],
        )
        services.minutes_submit(meeting=meeting, by=coordinator)
        url = reverse("circles:minutes_detail", args=[meeting.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.content.decode().count("list-group-item") >= count
        return len(queries)

    client.force_login(member)
    one, ten = page_queries(1), page_queries(10)
    assert one == ten and ten <= 15
    client.force_login(coordinator)
    assert page_queries(1) == page_queries(10)
