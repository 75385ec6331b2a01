"""A network's year against its minimum: one set-based query for the network page, the office's
overview and the reminder job, so the three never disagree.

- *held*: meetings of the year with status held;
- *planned*: planned meetings of the year that have not begun;
- *awaiting*: planned meetings of the year that have begun (attendance not yet recorded);
- *missing*: how many meetings the plan lacks to reach the minimum; the network is *behind* when any.

Cancelled meetings and other years' meetings count for nothing.
"""

from datetime import date, datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import MEETING_YEARS, Meeting, Network


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first instant of the year and of the next, in Danish time."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), datetime.min.time(), tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), datetime.min.time(), tzinfo=zone),
    )


def plan_year(value: str | None) -> int:
    """The year asked for in ``?aar=``, if it is one meetings can lie in; otherwise this year."""
    if value and len(value) == 4 and value.isascii() and value.isdigit():
        year = int(value)
        if MEETING_YEARS[0] <= year <= MEETING_YEARS[1]:
            return year
    return timezone.localdate().year


def with_year_progress(queryset: QuerySet[Network], *, year: int, now: datetime | None = None):
    """Annotate networks with ``held_count``, ``planned_count``, ``awaiting_count``, ``missing_count``
    and ``behind`` for ``year``.

    One join to the meetings, grouped by network (measured faster at national scale than a correlated
    subquery per figure). Other counts over ``meetings`` share the join; count any other to-many
    relation in a subquery (as ``active_member_count`` does), or it would be multiplied.
    """
    now = now or timezone.now()
    start, end = year_bounds(year)
    in_year = Q(meetings__starts_at__gte=start, meetings__starts_at__lt=end)
    planned = in_year & Q(meetings__status=Meeting.Status.PLANNED)
    return queryset.annotate(
        held_count=Count("meetings", filter=in_year & Q(meetings__status=Meeting.Status.HELD)),
        planned_count=Count("meetings", filter=planned & Q(meetings__starts_at__gte=now)),
        awaiting_count=Count("meetings", filter=planned & Q(meetings__starts_at__lt=now)),
    ).annotate(
        missing_count=Greatest(
            F("minimum_meetings") - F("held_count") - F("planned_count") - F("awaiting_count"),
            Value(0),
            output_field=IntegerField(),
        ),
        behind=ExpressionWrapper(
            Q(held_count__lt=F("minimum_meetings") - F("planned_count") - F("awaiting_count")),
            output_field=BooleanField(),
        ),
    )


def year_plan(network: Network, *, year: int | None = None) -> dict:
    """One network's year for its page: the shared figures plus the widths of the progress bar."""
    year = year or timezone.localdate().year
    row = (
        with_year_progress(Network.objects.filter(pk=network.pk).order_by(), year=year)
        .values("held_count", "planned_count", "awaiting_count", "missing_count", "behind")
        .get()
    )
    minimum = network.minimum_meetings  # at least 1: a database constraint
    held, planned, awaiting = row["held_count"], row["planned_count"], row["awaiting_count"]
    held_percent = min(100, round(100 * held / minimum))
    return {
        "year": year,
        "minimum": minimum,
        "held": held,
        "planned": planned,
        "awaiting": awaiting,
        "missing": row["missing_count"],
        "behind": row["behind"],
        "held_percent": held_percent,
        "planned_percent": min(100 - held_percent, round(100 * (planned + awaiting) / minimum)),
    }
