"""Demo data for the mentor programme (seeds 003/004): DS Region Syd's pilot.

Called by ``seed_demo`` after the branches and people exist. Idempotent: everything is found by its
natural key (the branch by name, people by member number, the programme by name, a pair by its
mentee), so a second run changes nothing. All names are invented.

- "Mentorordning – pilot": 12 months, at most 6 active pairs, the region's contact address;
- three experienced TRs willing to mentor (with their TR training dates);
- an active pair (started four months ago, three sessions, one claim for release time), an ended
  pair (ended early by the new TR, feedback from both), and an open offer to a new TR sent through
  ``offer_send`` (the new TR's link is in the outbox).

Logins (password "demo"): ``mentor`` (Thomas Lauritsen, mentor in the active pair), ``mentee`` (Emil
Frandsen, its new TR) and ``kontorsyd`` (Region Syd's office, sees the pairs and the evaluation).
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from circles.models import Branch, Mandate, Person, ReleaseClaim, User, Workplace
from circles.roles import OFFICE

from .models import Feedback, Mentor, MentorRequest, Offer, Pairing, PairingLink, Programme, Session
from .services import pairings as services

BRANCH = "Region Syd"  # circles/management/commands/seed_demo.py, BRANCHES["syd"]
PROGRAMME = "Mentorordning – pilot"
PASSWORD = "demo"

# member number → TR training days ago (the seed's experienced TRs of Region Syd)
MENTORS = {"30001": 3200, "30002": 1500, "30004": 2100}
# new TRs for the pilot: member number, name, workplace, days since election
NEW_TRS = [
    ("30005", "Emil Frandsen", "Jobcenter Sønderborg", 150),
    ("30006", "Rikke Skovgaard", "Børne- og Familieafdelingen Aabenraa", 330),
]
ACTIVE = ("30002", "30005", 120)  # mentor, new TR, days since the start
ENDED = ("30004", "30006", 300, 60)  # mentor, new TR, days since the start, days since the end
OFFERED = ("30001", "30003")  # mentor, new TR (Sofie Petersen, elected a month ago)
SESSIONS = [  # days ago, minutes, mode, themes, notes
    (110, 90, Session.Mode.ONLINE, ["tr_training"], "Første samtale: forventninger og aftaler."),
    (75, 120, Session.Mode.PHONE, ["pay_negotiation"], "Forberedelse til den lokale lønforhandling."),
    (
        40,
        90,
        Session.Mode.IN_PERSON,
        ["annual_plan", "dilemmas"],
        "Årshjulet og et dilemma om tavshedspligt.",
    ),
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def _login(username, person=None, *, branch=None, group=None):
    defaults = {"email": person.email if person else f"{username}@example.org"}
    if person is not None:
        first, _sep, last = person.name.partition(" ")
        defaults.update(first_name=first, last_name=last)
    if branch is not None:
        defaults.update(is_staff=True, branch=branch, first_name="Kontoret", last_name=str(branch))
    user, created = User.objects.get_or_create(username=username, defaults=defaults)
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    if group is not None:
        user.groups.add(Group.objects.get(name=group))
    if person is not None and person.user_id is None:
        person.user = user
        person.save(update_fields=["user"])
    return user


def _new_tr(branch, today, number, name, workplace, days_ago):
    person, _ = Person.objects.get_or_create(
        branch=branch,
        member_number=number,
        defaults={"name": name, "email": f"{number}@example.org", "phone": f"30 00 {number[-2:]} 00"},
    )
    Mandate.objects.get_or_create(
        person=person,
        role=Mandate.Role.TR,
        workplace=Workplace.objects.get(employer__branch=branch, name=workplace),
        ended_on=None,
        defaults={"elected_on": today - timedelta(days=days_ago)},
    )
    return person


def _pair(programme, mentor, mentee, started_on, office):
    """The pair of ``mentee`` in the programme, started through ``pairing_start`` on ``started_on``."""
    pairing = Pairing.objects.filter(programme=programme, mentee=mentee).first()
    if pairing is not None:
        return pairing, False
    request = MentorRequest.objects.create(
        programme=programme,
        mentee=mentee,
        source=MentorRequest.Source.SELF,
        status=MentorRequest.Status.MATCHED,
        created_by=office,
        closed_at=timezone.now(),
    )
    now = timezone.now()
    offer = Offer.objects.create(
        request=request,
        mentor=mentor,
        status=Offer.Status.ACCEPTED,
        reasons="Samme arbejdsområde",
        expires_at=now + timedelta(days=programme.offer_valid_days),
        decided_at=now,
        sent_by=office,
    )
    return services.pairing_start(offer=offer, today=started_on), True


@transaction.atomic
def seed(stdout=None) -> Programme | None:
    branch = Branch.objects.filter(name=BRANCH).first()
    if branch is None:
        _say(stdout, f"Mentorordning: kredsen {BRANCH!r} findes ikke; ingen demodata.")
        return None
    today = timezone.localdate()
    programme, _ = Programme.objects.get_or_create(
        branch=branch,
        name=PROGRAMME,
        defaults={
            "term_months": 12,
            "max_active_pairs": 6,
            "contact_name": "Lise Konsulent, Region Syd",
            "contact_email": "mentor.syd@example.org",
        },
    )
    people = {person.member_number: person for person in Person.objects.filter(branch=branch)}
    for number, trained_days_ago in MENTORS.items():
        person = people[number]
        if person.tr_training_completed_on is None:
            person.tr_training_completed_on = today - timedelta(days=trained_days_ago)
            person.save(update_fields=["tr_training_completed_on"])
        Mentor.objects.get_or_create(person=person, defaults={"willing": True, "capacity": 1})
    for number, name, workplace, days_ago in NEW_TRS:
        people[number] = _new_tr(branch, today, number, name, workplace, days_ago)
    office = _login("kontorsyd", branch=branch, group=OFFICE)
    mentor_user = _login("mentor", people[ACTIVE[0]])
    mentee_user = _login("mentee", people[ACTIVE[1]])

    mentor, mentee, days = ACTIVE
    active, created = _pair(programme, people[mentor], people[mentee], today - timedelta(days=days), office)
    if created:
        for days_ago, minutes, mode, themes, notes in SESSIONS:
            services.session_log(
                pairing=active,
                by=mentee_user,
                held_on=today - timedelta(days=days_ago),
                duration_minutes=minutes,
                mode=mode,
                themes=themes,
                topics=notes,
            )
        latest = active.sessions.order_by("-held_on").first()
        if not ReleaseClaim.objects.filter(reference=services.session_reference(latest)).exists():
            services.session_claim_file(session=latest, by=mentor_user, hours="1.5", leave_noted=True)

    mentor, mentee, days, ended_days_ago = ENDED
    ended, created = _pair(programme, people[mentor], people[mentee], today - timedelta(days=days), office)
    if created:
        services.pairing_end(pairing=ended, party=Pairing.Party.MENTEE, reason="Nyt job uden for regionen.")
        Pairing.objects.filter(pk=ended.pk).update(ended_on=today - timedelta(days=ended_days_ago))
        Session.objects.create(
            pairing=ended,
            held_on=today - timedelta(days=days - 20),
            duration_minutes=105,
            mode=Session.Mode.ONLINE,
            themes=["lunch", "ethics"],
            logged_by=None,
        )
        PairingLink.objects.filter(pairing=ended, purpose=PairingLink.Purpose.FEEDBACK).update(
            used_at=timezone.now()
        )
    for party, rating, useful, improve, recommend in (
        (Pairing.Party.MENTOR, 4, "Gode samtaler om TR-rollen.", "Vi skulle have aftalt faste datoer.", True),
        (Pairing.Party.MENTEE, 5, "Tryghed i den første tid som TR.", "", True),
    ):
        Feedback.objects.get_or_create(
            pairing=ended,
            party=party,
            defaults={"rating": rating, "useful": useful, "improve": improve, "recommend": recommend},
        )

    mentor, mentee = OFFERED
    if not MentorRequest.objects.filter(programme=programme, mentee=people[mentee]).exists():
        from .services.offers import offer_send

        request = MentorRequest.objects.create(
            programme=programme, mentee=people[mentee], source=MentorRequest.Source.OFFICE, created_by=office
        )
        offer_send(request=request, mentor=people[mentor], by=office, reasons="Samme kommune; erfaren FTR")

    _say(
        stdout,
        f"Mentorordning: {programme.name} med {programme.pairings.count()} par og "
        f"{Offer.objects.filter(request__programme=programme, status__in=Offer.OPEN_STATUSES).count()} åbent "
        "tilbud. Logins: mentor, mentee, kontorsyd.",
    )
    return programme
