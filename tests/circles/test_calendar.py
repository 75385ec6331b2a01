"""The .ics files parse back: one UID per meeting, SEQUENCE rising, CANCEL, right local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from icalendar import Calendar

from circles.calendar import CANCEL, meeting_ics
from circles.services.meetings import MeetingDraft, meeting_cancel, meeting_invite, meeting_update
from netvaerk.outbox.models import OutboundEmail
from tests import factories

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


def event_of(ics: str):
    calendar = Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def sent_events(person):
    return [
        event_of(row.attachments[0]["content"])
        for row in OutboundEmail.objects.filter(to__contains=person.email).order_by("pk")
    ]


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2026, 3, 29, 10, 0), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),  # first day of summer time
        (datetime(2026, 3, 28, 10, 0), datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),  # the day before
        (datetime(2026, 10, 25, 10, 0), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),  # first day of winter time
        (datetime(2026, 10, 24, 10, 0), datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
    ],
)
def test_local_times_are_right_across_the_dst_change(network, member, local, utc):
    meeting = factories.MeetingFactory(network=network, starts_at=local.replace(tzinfo=CPH))
    calendar, event = event_of(meeting_ics(meeting, attendee=member.person))
    start = event.decoded("dtstart")
    assert start.astimezone(UTC) == utc
    assert str(event["dtstart"].params["TZID"]) == "Europe/Copenhagen"
    assert (event.decoded("dtend") - start).total_seconds() == 2 * 3600
    assert any(component.name == "VTIMEZONE" for component in calendar.walk())


# winter, summer, and the hours around both changes (last Sunday of March at 02:00, of October at 03:00)
AROUND_THE_YEAR = [
    datetime(2026, 1, 15, 10, 0),
    datetime(2026, 7, 1, 13, 0),
    datetime(2026, 3, 29, 1, 30),  # half an hour before summer time
    datetime(2026, 3, 29, 3, 0),  # the first hour of summer time
    datetime(2026, 10, 25, 1, 0),  # summer time, two hours before the change
    datetime(2026, 10, 25, 3, 30),  # the first hour of winter time
    datetime(2027, 3, 28, 12, 0),
    datetime(2027, 10, 30, 12, 0),
    datetime(2030, 6, 20, 9, 0),
]


@pytest.mark.parametrize("local", AROUND_THE_YEAR, ids=lambda local: local.strftime("%Y-%m-%dT%H:%M"))
def test_icalendar_and_vobject_both_read_the_meetings_instant(network, member, local):
    """vobject applies the VTIMEZONE's rules itself: a STANDARD block without RRULE put summer an hour off."""
    starts_at = local.replace(tzinfo=CPH)
    meeting = factories.MeetingFactory(network=network, starts_at=starts_at)
    ics = meeting_ics(meeting, attendee=member.person)

    _calendar, event = event_of(ics)
    assert event.decoded("dtstart").astimezone(UTC) == starts_at.astimezone(UTC)

    parsed = vobject.readOne(ics)
    assert parsed.vevent.dtstart.value.astimezone(UTC) == starts_at.astimezone(UTC)
    assert parsed.vevent.dtend.value.astimezone(UTC) == meeting.ends_at.astimezone(UTC)


def test_the_timezone_is_copenhagen_by_rule(network, member):
    meeting = factories.MeetingFactory(network=network, starts_at=datetime(2026, 7, 1, 13, 0, tzinfo=CPH))
    calendar, _event = event_of(meeting_ics(meeting, attendee=member.person))
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Copenhagen"
    daylight, standard = zone.walk("DAYLIGHT")[0], zone.walk("STANDARD")[0]
    assert daylight["rrule"]["BYMONTH"] == [3] and daylight["rrule"]["BYDAY"] == ["-1SU"]
    assert standard["rrule"]["BYMONTH"] == [10] and standard["rrule"]["BYDAY"] == ["-1SU"]
    assert daylight.decoded("tzoffsetto").total_seconds() == 2 * 3600
    assert standard.decoded("tzoffsetto").total_seconds() == 3600


@time_machine.travel(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
def test_uid_stays_sequence_rises_and_cancel_cancels(network, coordinator, member):
    meeting = factories.MeetingFactory(network=network, starts_at=datetime(2026, 10, 20, 13, 0, tzinfo=CPH))
    meeting_invite(meeting=meeting, by=coordinator)
    draft = MeetingDraft(starts_at=datetime(2026, 10, 27, 13, 0, tzinfo=CPH), place=meeting.place)
    meeting_update(meeting=meeting, by=coordinator, draft=draft)
    meeting_cancel(meeting=meeting, by=coordinator)

    rounds = sent_events(member.person)
    assert [str(calendar["method"]) for calendar, _event in rounds] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({str(event["uid"]) for _calendar, event in rounds}) == 1
    sequences = [int(event["sequence"]) for _calendar, event in rounds]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert str(rounds[-1][1]["status"]) == "CANCELLED"
    assert rounds[1][1].decoded("dtstart").astimezone(UTC) == datetime(2026, 10, 27, 12, 0, tzinfo=UTC)


def test_only_the_recipient_is_an_attendee(network, member, coordinator):
    meeting = factories.MeetingFactory(network=network)
    _calendar, event = event_of(meeting_ics(meeting, attendee=member.person, method=CANCEL))
    attendees = event.get("attendee")
    assert str(attendees) == f"mailto:{member.person.email}"
    assert coordinator.person.email not in meeting_ics(meeting, attendee=member.person)
