"""iCalendar invitations: one stable UID per meeting, SEQUENCE raised on every change, local times."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from netvaerk.outbox.recipients import Recipient

from .models import Meeting, Person

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def meeting_ics(meeting: Meeting, *, attendee: Person | Recipient, method: str = REQUEST) -> str:
    """A calendar object for one recipient (no other attendee is listed)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    network = meeting.network
    calendar = Calendar()
    calendar.add("prodid", "-//Netværk//Netværksmøder//DA")
    calendar.add("version", "2.0")
    calendar.add("method", method)

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
        _("Se dagsorden og svar på invitationen i Netværk: %(url)s")
        % {"url": f"{settings.SITE_URL}{meeting.get_absolute_url()}"},
    )
    organizer = vCalAddress(f"mailto:{network.branch.office_email}")
    organizer.params["cn"] = vText(str(network.branch))
    event.add("organizer", organizer)
    guest = vCalAddress(f"mailto:{attendee.email}")
    guest.params["cn"] = vText(attendee.name)
    guest.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", guest)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def ics_attachment(meeting: Meeting, *, attendee: Person | Recipient, method: str = REQUEST) -> dict:
    return {
        "filename": "netvaerksmoede.ics",
        "content": meeting_ics(meeting, attendee=attendee, method=method),
        "mimetype": "text/calendar",
        "params": {"method": method},
    }
