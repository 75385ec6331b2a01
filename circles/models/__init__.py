"""Branches, people, mandates, networks, meetings and minutes, one module per domain.

The database guards the invariants; import from ``circles.models``.
"""

from .claims import EmployerBill, MileageRate, ReleaseClaim
from .meetings import MEETING_YEARS, AgendaItem, Attendance, Invitation, Meeting
from .minutes import (
    KEY_MESSAGES_MAX,
    MINUTES_TEXT_MAX,
    Minutes,
    MinutesAttachment,
    MinutesVersion,
    minutes_upload_path,
)
from .networks import (
    AMR_GROUND_RULES,
    Membership,
    MembershipQuerySet,
    Network,
    NetworkOverview,
    active_member_count,
)
from .org import Branch, Employer, User, Workplace
from .people import NEW_REPRESENTATIVE_DAYS, Mandate, MandateQuerySet, Person, prefetch_active_mandates
from .reminders import Reminder
from .voice import (
    BoardPoint,
    BoardTopic,
    KeyMessageDelivery,
    LeaveLetter,
    SignUp,
    SupervisionRequest,
)
from .welcome import MentorPrompt

__all__ = [
    "KEY_MESSAGES_MAX",
    "BoardPoint",
    "BoardTopic",
    "KeyMessageDelivery",
    "LeaveLetter",
    "SignUp",
    "SupervisionRequest",
    "AMR_GROUND_RULES",
    "MEETING_YEARS",
    "MINUTES_TEXT_MAX",
    "NEW_REPRESENTATIVE_DAYS",
    "AgendaItem",
    "Attendance",
    "Branch",
    "Employer",
    "EmployerBill",
    "Invitation",
    "Mandate",
    "MandateQuerySet",
    "Meeting",
    "Membership",
    "MileageRate",
    "MentorPrompt",
    "MembershipQuerySet",
    "Minutes",
    "MinutesAttachment",
    "MinutesVersion",
    "Network",
    "NetworkOverview",
    "Person",
    "ReleaseClaim",
    "Reminder",
    "User",
    "Workplace",
    "active_member_count",
    "minutes_upload_path",
    "prefetch_active_mandates",
]
