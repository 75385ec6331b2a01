"""Who can mentor (issue 10, seeds 003/004): a person of the branch with an active TR or FTR mandate,
a completed TR training (``Person.tr_training_completed_on``), a ``Mentor`` row saying they are willing,
and free capacity: their active pairings plus their open offers (awaiting the mentor or the new TR)
are fewer than their capacity.

A programme has room while its active pairings plus its open offers are fewer than its
``max_active_pairs`` (empty: no limit). An open offer holds a place, so two offers sent at once cannot
overfill a mentor or a pilot; the offer and acceptance services re-check these under row locks.
"""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from circles.models import Branch, Mandate, Person

from ..models import Offer, Pairing, Programme


def _count(queryset, field: str, outer: str) -> Coalesce:
    """A correlated count of ``queryset`` rows whose ``field`` is the outer row's ``outer``."""
    counted = queryset.filter(**{field: OuterRef(outer)}).order_by().values(field).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def mentor_load(outer: str = "pk"):
    """The expression: active pairings plus open offers of the person whose id is ``outer``."""
    active = Pairing.objects.filter(status=Pairing.Status.ACTIVE)
    open_offers = Offer.objects.filter(status__in=Offer.OPEN_STATUSES)
    return _count(active, "mentor", outer) + _count(open_offers, "mentor", outer)


def with_load(people: QuerySet) -> QuerySet:
    """``people`` annotated with ``mentor_load`` (active pairings + open offers as mentor) and
    ``capacity_left`` (the Mentor row's capacity minus the load; people without a Mentor row: 0 - load)."""
    return people.annotate(
        mentor_load=mentor_load(),
        mentor_capacity=Coalesce("mentor_profile__capacity", Value(0)),
    ).annotate(capacity_left=F("mentor_capacity") - F("mentor_load"))


def eligible_mentors(branch: Branch | int) -> QuerySet:
    """The branch's people who can take a mentee now, annotated with ``capacity_left`` (≥ 1).
    One query; ordered by name."""
    branch_id = branch.pk if isinstance(branch, Branch) else branch
    active_tr = Mandate.objects.active().filter(person=OuterRef("pk"), role__in=Mandate.TR_ROLES)
    people = Person.objects.filter(
        Exists(active_tr),
        branch_id=branch_id,
        tr_training_completed_on__isnull=False,
        anonymised_at__isnull=True,
        mentor_profile__willing=True,
    )
    return with_load(people).filter(capacity_left__gt=0).order_by("name", "pk")


def capacity_left(person: Person) -> int:
    """How many more mentees the person can take now (0 without a Mentor row, or when unwilling)."""
    row = (
        with_load(Person.objects.filter(pk=person.pk, mentor_profile__willing=True))
        .values_list("capacity_left", flat=True)
        .first()
    )
    return max(row or 0, 0)


def programme_load_expression(outer: str = "pk"):
    """The expression: a programme's active pairings plus its open offers (for lists)."""
    active = Pairing.objects.filter(status=Pairing.Status.ACTIVE)
    open_offers = Offer.objects.filter(status__in=Offer.OPEN_STATUSES)
    return _count(active, "programme", outer) + _count(open_offers, "request__programme", outer)


def programme_load(programme: Programme) -> int:
    """The programme's active pairings plus its open offers."""
    return Pairing.objects.filter(programme=programme, status=Pairing.Status.ACTIVE).count() + (
        Offer.objects.filter(request__programme=programme, status__in=Offer.OPEN_STATUSES).count()
    )


def programme_has_room(programme: Programme) -> bool:
    """Whether another offer may go out: active pairings + open offers < ``max_active_pairs`` (None: always)."""
    if programme.max_active_pairs is None:
        return True
    return programme_load(programme) < programme.max_active_pairs
