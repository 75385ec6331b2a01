"""iCalendar invitations: one stable UID per meeting, SEQUENCE raised on every change, local times.

Answers are given in the app (the mailed link or the meeting page), never by the calendar's buttons.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from netvaerk.outbox.recipients import Recipient

from .models import Meeting, Person

REQUEST = "REQUEST"
CANCEL = "CANCEL"


ZONE_NAME = "Europe/Copenhagen"


def copenhagen_vtimezone() -> Timezone:
    """Europe/Copenhagen by its rule, as RFC 5545 describes it.

    Clients that apply a VTIMEZONE themselves (vobject, and those built on it) need the rule: a
    STANDARD block from 1970 without RRULE put every summer meeting an hour off. Summer time (CEST,
    +0200) runs from the last Sunday of March at 02:00 to the last Sunday of October at 03:00.
    """
    zone = Timezone()
    zone.add("tzid", ZONE_NAME)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("dtstart", datetime(1981, 3, 29, 2, 0))
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("dtstart", datetime(1996, 10, 27, 3, 0))
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


def meeting_ics(meeting: Meeting, *, attendee: Person | Recipient, method: str = REQUEST) -> str:
    """A calendar object for one recipient (no other attendee is listed)."""
    zone = ZoneInfo(ZONE_NAME)
    network = meeting.network
    calendar = Calendar()
    calendar.add("prodid", "-//Netværk//Netværksmøder//DA")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(copenhagen_vtimezone())

    event = Event()
    event.add("uid", f"{meeting.uid}@netvaerk")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    summary = _("Netværksmøde: %(network)s") % {"network": network.name}
    event.add("summary", f"{summary} – {meeting.theme}" if meeting.theme else summary)
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.online_url:
        event.add("location", meeting.online_url)
    if meeting.online_url:
        event.add("url", meeting.online_url)
    event.add(
        "description",
        _(
            "Svar med linket i mailen eller på mødesiden i Netværk, ikke med kalenderens knapper "
            "(de svar når ikke frem). Dagsorden og svar: %(url)s"
        )
        % {"url": f"{settings.SITE_URL}{meeting.get_absolute_url()}"},
    )
    organizer = vCalAddress(f"mailto:{network.branch.office_email}")
    organizer.params["cn"] = vText(str(network.branch))
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee.email}")
    guest.params["cn"] = vText(attendee.name)
    guest.params["role"] = vText("REQ-PARTICIPANT")
    # Accept/Decline in Outlook or Google would mail the organizer (the office) and be lost: people
    # answer in the app instead, so the calendar is told not to ask (METHOD:REQUEST still files it).
    guest.params["rsvp"] = "FALSE"
    guest.params["partstat"] = "NEEDS-ACTION"
    event.add("attendee", guest)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def ics_attachment(meeting: Meeting, *, attendee: Person | Recipient, method: str = REQUEST) -> dict:
    return {
        "filename": "netvaerksmoede.ics",
        "content": meeting_ics(meeting, attendee=attendee, method=method),
        "mimetype": "text/calendar",
        "params": {"method": method},
    }
