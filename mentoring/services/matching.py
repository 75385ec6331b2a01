"""Mentor requests and the ranked suggestions for them (issue 10, seeds 000, 003, 004).

A ``MentorRequest`` comes from the welcome chain's prompt on the next meeting (the coordinator), from
the new TR's own form (the link in the welcome mail) or from the consultant or office. It stays open
until an offer is accepted (a pairing starts) or it is withdrawn.

Suggestions
-----------
``suggestions(request)`` ranks the branch's eligible mentors (``eligibility.eligible_mentors``; never
the new TR, nor a mentor who already declined this request) by a score of whole points:

=======================================  ======  ===================================================
what the mentor shares with the new TR   points  why
=======================================  ======  ===================================================
the same network (active membership)         40  seed 000: a mentor "fra netværket"
the same municipality (workplace)            30  seed 003: "først i samme kommune, så en anden"
the same work area (workplace)               20  seed 000: "helst med et sammenligneligt arbejdsområde"
a related work area (same group, below)      10  (døgn/bo/støtte; dagtilbud/skole; psykiatri/misbrug;
                                                 familie/jobcenter/forvaltning)
the same employer                            10  the same agreements and the same management
each free place beyond the first              2  spreads the mentees over the mentors
each full year as TR or FTR, at most 10       1  experience (from the earliest TR/FTR mandate)
=======================================  ======  ===================================================

Ties are broken by years as TR (more first), then name, then id: the same data always gives the same
order. Every point comes with its reason in words, in the order of the table.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circles.models import Mandate, Membership, MentorPrompt, Network, Person, User, Workplace
from circles.roles import is_consultant, is_office
from circles.services.mandates import mentor_prompt_done
from netvaerk.outbox.recipients import Recipient
from netvaerk.outbox.services import enqueue

from ..models import CAPACITY_MAX, TEXT_MAX, Mentor, MentorRequest, Offer, Pairing, Programme
from .eligibility import eligible_mentors

SAME_NETWORK = 40
SAME_MUNICIPALITY = 30
SAME_WORK_AREA = 20
RELATED_WORK_AREA = 10
SAME_EMPLOYER = 10
PER_EXTRA_PLACE = 2
PER_YEAR_AS_TR = 1
YEARS_COUNTED_MAX = 10
MENTOR_NOTE_MAX = Mentor._meta.get_field("note").max_length

WorkArea = Workplace.WorkArea
WORK_AREA_GROUPS = (
    {WorkArea.RESIDENTIAL, WorkArea.HOUSING, WorkArea.SUPPORT_CENTRE},
    {WorkArea.DAYCARE, WorkArea.SCHOOL},
    {WorkArea.PSYCHIATRY, WorkArea.ADDICTION},
    {WorkArea.FAMILY, WorkArea.JOB_CENTRE, WorkArea.ADMINISTRATION},
)


@dataclass
class Suggestion:
    """One eligible mentor for a request, with the score and its reasons in words."""

    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)
    capacity_left: int = 0
    years_as_tr: int = 0
    workplaces: list[Workplace] = field(default_factory=list)

    @property
    def reasons_text(self) -> str:
        return "; ".join(self.reasons)


# Requests -----------------------------------------------------------------------------------------


def clean_note(note: str) -> str:
    """The new TR's wishes or the sender's remarks: no NUL bytes, at most ``TEXT_MAX`` characters."""
    note = (note or "").strip()
    if "\x00" in note:
        raise ValidationError(_("Teksten indeholder et ugyldigt tegn (NUL). Skriv den igen."))
    if len(note) > TEXT_MAX:
        raise ValidationError(
            _("Teksten må højst være %(max)d tegn (den er %(length)d).")
            % {"max": TEXT_MAX, "length": len(note)}
        )
    return note


def _check_by(by: User | None, programme: Programme) -> None:
    """Staff of another branch never write here (the views check the finer rules)."""
    if by is None or by.is_superuser:
        return
    if (is_office(by) or is_consultant(by)) and by.branch_id != programme.branch_id:
        raise ValidationError(_("Mentorordningen hører til en anden kreds end din."))


@transaction.atomic
def request_create(
    *,
    programme: Programme,
    mentee: Person,
    source: str,
    by: User | None,
    note: str = "",
    prompt: MentorPrompt | None = None,
    network: Network | None = None,
) -> MentorRequest:
    """Ask for a mentor for ``mentee`` in ``programme``. ``by`` is None when the new TR asks through
    the link in the welcome mail. Made from a prompt, the prompt is marked done in the same transaction.

    Refused (ValidationError, nothing written): a programme that is not active or of another branch,
    a mentee without an active TR/FTR mandate or with an active mentor, an open request already, a bad
    note, a prompt that is done or about someone else.
    """
    note = clean_note(note)
    if source not in MentorRequest.Source.values:
        raise ValidationError(_("Ukendt kilde."))
    mentee = Person.objects.select_for_update().get(pk=mentee.pk)  # one request per new TR at a time
    programme = Programme.objects.select_related("branch").get(pk=programme.pk)
    _check_by(by, programme)
    if not programme.active:
        raise ValidationError(_("Mentorordningen er ikke aktiv."))
    if mentee.branch_id != programme.branch_id:
        raise ValidationError(
            _("%(person)s hører til en anden kreds end mentorordningen.") % {"person": mentee}
        )
    if not Mandate.objects.active().filter(person=mentee, role__in=Mandate.TR_ROLES).exists():
        raise ValidationError(_("%(person)s har ikke et aktivt TR-hverv.") % {"person": mentee})
    if Pairing.objects.filter(mentee=mentee, status=Pairing.Status.ACTIVE).exists():
        raise ValidationError(_("%(person)s har allerede en aktiv mentor.") % {"person": mentee})
    if MentorRequest.objects.filter(
        programme__branch_id=programme.branch_id, mentee=mentee, status__in=MentorRequest.OPEN_STATUSES
    ).exists():
        raise ValidationError(_("%(person)s har allerede et åbent ønske om mentor.") % {"person": mentee})
    if prompt is not None:
        prompt = MentorPrompt.objects.select_related("network").get(pk=prompt.pk)
        if prompt.person_id != mentee.pk or prompt.network.branch_id != programme.branch_id:
            raise ValidationError(_("Påmindelsen om en mentor gælder en anden ny TR."))
        source = MentorRequest.Source.PROMPT
        network = prompt.network
    if network is not None and network.branch_id != programme.branch_id:
        raise ValidationError(_("Netværket hører til en anden kreds end mentorordningen."))
    if network is None:
        membership = (
            Membership.objects.active()
            .filter(person=mentee, tr_slot=True, network__branch_id=programme.branch_id)
            .select_related("network")
            .first()
        )
        network = membership.network if membership is not None else None
    try:
        with transaction.atomic():
            request = MentorRequest.objects.create(
                programme=programme,
                mentee=mentee,
                source=source,
                prompt=prompt,
                network=network,
                note=note,
                created_by=by if by is not None and by.is_authenticated else None,
            )
    except IntegrityError as error:  # the database's "one open request" guard
        raise ValidationError(
            _("%(person)s har allerede et åbent ønske om mentor.") % {"person": mentee}
        ) from error
    if prompt is not None:
        mentor_prompt_done(prompt=prompt, by=by)  # refuses a prompt already done: all is rolled back
    if source == MentorRequest.Source.SELF:
        _tell_office(request)
    return request


def _tell_office(request: MentorRequest) -> None:
    """The new TR asked through their link: the branch office hears of it (a link, not the wishes)."""
    branch = request.programme.branch
    office = Recipient.of_office(branch)
    enqueue(
        "mentoring/request_self",
        to=office.email,
        to_name=office.name,
        key=f"mentor-request:{request.pk}:{office.key}",
        context={
            "person": request.mentee,
            "programme": request.programme,
            "url": reverse("mentoring:request_detail", args=[request.pk]),
        },
        branch=branch,
    )


@transaction.atomic
def request_withdraw(*, request: MentorRequest, by: User) -> MentorRequest:
    """Withdraw an open request; an offer still awaiting an answer is withdrawn with it (its link then
    says so)."""
    request = MentorRequest.objects.select_for_update().select_related("programme").get(pk=request.pk)
    _check_by(by, request.programme)
    if request.status not in MentorRequest.OPEN_STATUSES:
        raise ValidationError(_("Ønsket om mentor er ikke længere åbent."))
    now = timezone.now()
    request.offers.filter(status__in=Offer.OPEN_STATUSES).update(status=Offer.Status.WITHDRAWN)
    request.status, request.closed_at = MentorRequest.Status.WITHDRAWN, now
    request.save(update_fields=["status", "closed_at"])
    return request


# Suggestions --------------------------------------------------------------------------------------


def _group(area: str):
    return next((group for group in WORK_AREA_GROUPS if area in group), None)


def _full_years(since: date | None, today: date) -> int:
    if since is None:
        return 0
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)


def _workplaces(person_ids) -> dict[int, list[Workplace]]:
    """Each person's workplaces of their active TR/FTR mandates (one query)."""
    found: dict[int, list[Workplace]] = {}
    mandates = (
        Mandate.objects.active()
        .filter(person_id__in=person_ids, role__in=Mandate.TR_ROLES)
        .select_related("workplace__employer")
        .order_by("person_id", "-elected_on", "pk")
    )
    for mandate in mandates:
        found.setdefault(mandate.person_id, []).append(mandate.workplace)
    return found


def _networks(person_ids) -> dict[int, dict[int, Network]]:
    """Each person's active networks (one query)."""
    found: dict[int, dict[int, Network]] = {}
    for membership in Membership.objects.active().filter(person_id__in=person_ids).select_related("network"):
        found.setdefault(membership.person_id, {})[membership.network_id] = membership.network
    return found


def score(
    *,
    mentee_workplaces: list[Workplace],
    mentee_networks: dict[int, Network],
    workplaces: list[Workplace],
    networks: dict[int, Network],
    places: int,
    years: int,
) -> tuple[int, list[str]]:
    """The score of one mentor for one new TR and its reasons (the table in the module docstring)."""
    points, reasons = 0, []
    shared = [networks[pk] for pk in sorted(set(networks) & set(mentee_networks))]
    if shared:
        points += SAME_NETWORK
        reasons.append(_("Samme netværk: %(network)s") % {"network": shared[0].name})
    municipalities = {w.municipality.strip().casefold(): w.municipality for w in workplaces}
    same = [
        m
        for key, m in municipalities.items()
        if key in {w.municipality.strip().casefold() for w in mentee_workplaces}
    ]
    if same:
        points += SAME_MUNICIPALITY
        reasons.append(_("Samme kommune: %(municipality)s") % {"municipality": same[0]})
    areas = {w.work_area for w in workplaces}
    mentee_areas = {w.work_area for w in mentee_workplaces}
    if areas & mentee_areas:
        points += SAME_WORK_AREA
        area = sorted(areas & mentee_areas)[0]
        reasons.append(_("Samme arbejdsområde: %(area)s") % {"area": WorkArea(area).label})
    else:
        related = sorted(
            a for a in areas if any(_group(a) is not None and _group(a) == _group(m) for m in mentee_areas)
        )
        if related:
            points += RELATED_WORK_AREA
            reasons.append(_("Beslægtet arbejdsområde: %(area)s") % {"area": WorkArea(related[0]).label})
    employers = {w.employer_id: w.employer for w in workplaces}
    common = [employers[pk] for pk in sorted(set(employers) & {w.employer_id for w in mentee_workplaces})]
    if common:
        points += SAME_EMPLOYER
        reasons.append(_("Samme arbejdsgiver: %(employer)s") % {"employer": common[0].name})
    points += PER_EXTRA_PLACE * max(places - 1, 0)
    reasons.append(
        ngettext("Plads til %(count)d mentee mere", "Plads til %(count)d mentees mere", places)
        % {"count": places}
    )
    points += PER_YEAR_AS_TR * min(years, YEARS_COUNTED_MAX)
    if years < 1:
        reasons.append(_("TR i under et år"))
    else:
        reasons.append(ngettext("TR i %(count)d år", "TR i %(count)d år", years) % {"count": years})
    return points, reasons


def suggestions(request: MentorRequest, *, limit: int | None = None) -> list[Suggestion]:
    """The eligible mentors for ``request``, best first, each with its reasons (see the module).
    A fixed number of queries, whatever the number of mentors."""
    mentee_id = request.mentee_id
    declined = Offer.objects.filter(request=request, status=Offer.Status.DECLINED).values("mentor_id")
    mentors = list(
        eligible_mentors(request.programme.branch_id)
        .exclude(pk=mentee_id)
        .exclude(pk__in=declined)
        .annotate(
            tr_since=Min(
                "mandates__elected_on",
                filter=Q(mandates__role__in=Mandate.TR_ROLES, mandates__elected_on__lte=timezone.localdate()),
            )
        )
    )
    ids = [mentor.pk for mentor in mentors] + [mentee_id]
    workplaces, networks = _workplaces(ids), _networks(ids)
    mentee_networks = dict(networks.get(mentee_id, {}))
    if request.network_id is not None and request.network_id not in mentee_networks:
        mentee_networks[request.network_id] = request.network
    today = timezone.localdate()
    ranked = []
    for mentor in mentors:
        years = _full_years(mentor.tr_since, today)
        points, reasons = score(
            mentee_workplaces=workplaces.get(mentee_id, []),
            mentee_networks=mentee_networks,
            workplaces=workplaces.get(mentor.pk, []),
            networks=networks.get(mentor.pk, {}),
            places=mentor.capacity_left,
            years=years,
        )
        ranked.append(
            Suggestion(
                person=mentor,
                score=points,
                reasons=reasons,
                capacity_left=mentor.capacity_left,
                years_as_tr=years,
                workplaces=workplaces.get(mentor.pk, []),
            )
        )
    ranked.sort(key=lambda s: (-s.score, -s.years_as_tr, s.person.name.casefold(), s.person.pk))
    return ranked[:limit] if limit is not None else ranked


# Willingness --------------------------------------------------------------------------------------


@transaction.atomic
def mentor_set(*, person: Person, willing: bool, capacity: int, by: User, note: str = "") -> Mentor:
    """Set whether ``person`` will mentor and how many new TRs at a time: the person themselves (their
    own page) or the branch's office (the admin). Lowering the capacity below the current load is
    allowed: no new offers go out until there is room again."""
    if not by.is_superuser and not (is_office(by) and by.branch_id == person.branch_id):
        own = getattr(by, "person", None) if by.is_authenticated else None
        if own is None or own.pk != person.pk:
            raise ValidationError(_("Du kan kun ændre din egen lyst til at være mentor."))
    if not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX:
        raise ValidationError(
            _("En mentor kan have mellem 1 og %(max)d mentees ad gangen.") % {"max": CAPACITY_MAX}
        )
    note = (note or "").strip()
    if "\x00" in note:
        raise ValidationError(_("Teksten indeholder et ugyldigt tegn (NUL). Skriv den igen."))
    if len(note) > MENTOR_NOTE_MAX:
        raise ValidationError(_("Noten må højst være %(max)d tegn.") % {"max": MENTOR_NOTE_MAX})
    Person.objects.select_for_update().get(pk=person.pk)
    mentor, _created = Mentor.objects.update_or_create(
        person=person, defaults={"willing": bool(willing), "capacity": capacity, "note": note}
    )
    return mentor


# Programmes ---------------------------------------------------------------------------------------


@transaction.atomic
def programme_save(*, programme: Programme, by: User) -> Programme:
    """Create or change a branch's programme (the office, in the admin). Staff never write another
    branch's programme; the model's checks (term, offer days, maximum) answer in Danish."""
    if not by.is_superuser:
        if not is_office(by) or by.branch_id != programme.branch_id:
            raise ValidationError(_("Mentorordningen hører til en anden kreds end din."))
        if programme.pk is not None:
            stored = Programme.objects.select_for_update().get(pk=programme.pk)
            if stored.branch_id != by.branch_id:
                raise ValidationError(_("Mentorordningen hører til en anden kreds end din."))
    for name in ("name", "frequency", "format", "contact_name"):
        value = getattr(programme, name) or ""
        if "\x00" in value:
            raise ValidationError(_("Teksten indeholder et ugyldigt tegn (NUL). Skriv den igen."))
    programme.full_clean()
    programme.save()
    return programme
