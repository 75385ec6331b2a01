"""National-scale data for the periodic jobs' benchmark: ``manage.py seed_scale --networks 5000``.

Separate from the demo data (its branches are called "Skala-kreds ..."; run it on its own database).
Per 100 networks one branch with an office and a consultant; per network ten representatives (TR or,
in an AMR network, AMR; the first is FTR and coordinator) and four meetings in the current year, one
a quarter, past ones held, future ones planned with every member invited. So 5,000 networks hold
50,000 representatives and 20,000 meetings a year. To give every job work: every seventh network has
cancelled its last two (behind), every fifth held meeting has no minutes, every eleventh network no
coordinator. Run again, it adds that many networks more in new branches (500, then 4,500 more = 5,000).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from circles.models import (
    Branch,
    Employer,
    Invitation,
    Mandate,
    Meeting,
    Membership,
    Minutes,
    Network,
    Person,
    User,
    Workplace,
)
from circles.roles import CONSULTANT, OFFICE
from netvaerk import tokens

NETWORKS_PER_BRANCH = 100
PEOPLE_PER_NETWORK = 10
PREFIX = "Skala-kreds"


class Command(BaseCommand):
    help = "Indlæs data i landsskala til benchmark af de faste job (ikke demodata)."

    def add_arguments(self, parser):
        parser.add_argument("--networks", type=int, default=5000, help="Antal netværk (hele hundreder).")

    def handle(self, *args, networks, **options):
        if networks < NETWORKS_PER_BRANCH or networks % NETWORKS_PER_BRANCH or networks > 20_000:
            raise CommandError("--networks skal være et antal hele hundreder mellem 100 og 20.000.")
        first = Branch.objects.filter(name__startswith=PREFIX).count()
        branches = networks // NETWORKS_PER_BRANCH
        with transaction.atomic():
            for number in range(first, first + branches):
                self._branch(number)
        self.stdout.write(
            f"{branches} kredse med {networks} netværk, {networks * PEOPLE_PER_NETWORK} repræsentanter og "
            f"{networks * 4} møder i år indlæst."
        )

    def _branch(self, b: int) -> None:
        today = timezone.localdate()
        zone = timezone.get_current_timezone()
        now = timezone.now()
        branch = Branch.objects.create(
            name=f"{PREFIX} {b:03d}", union="Socialpædagogerne", office_email=f"skala{b}@kreds.example.org"
        )
        office = User.objects.create_user(
            f"skala-kontor{b}", email=f"skala-kontor{b}@example.org", is_staff=True
        )
        office.branch = branch
        office.save(update_fields=["branch"])
        office.groups.add(Group.objects.get(name=OFFICE))
        consultant = User.objects.create_user(
            f"skala-konsulent{b}", email=f"skala-konsulent{b}@example.org", is_staff=True, branch=branch
        )
        consultant.groups.add(Group.objects.get(name=CONSULTANT))
        employers = Employer.objects.bulk_create(
            Employer(branch=branch, kind=Employer.Kind.MUNICIPALITY, name=f"Skala-kommune {b:03d}-{i}")
            for i in range(2)
        )
        workplaces = Workplace.objects.bulk_create(
            Workplace(
                employer=employers[i % 2],
                name=f"Skala-bosted {b:03d}-{i:03d}",
                work_area=Workplace.WorkArea.HOUSING,
                municipality=f"Kommune {b}",
            )
            for i in range(100)
        )
        people = Person.objects.bulk_create(
            Person(
                branch=branch,
                name=f"Skala {b:03d}-{p:04d}",
                email=f"skala{b}-{p}@example.org",
                member_number=f"S{b:03d}{p:05d}",
            )
            for p in range(NETWORKS_PER_BRANCH * PEOPLE_PER_NETWORK)
        )
        kinds = [Network.Kind.AMR if n % 4 == 0 else Network.Kind.TR for n in range(NETWORKS_PER_BRANCH)]
        Mandate.objects.bulk_create(
            Mandate(
                person=person,
                role=(
                    Mandate.Role.FTR
                    if p % PEOPLE_PER_NETWORK == 0
                    else (
                        Mandate.Role.AMR
                        if kinds[p // PEOPLE_PER_NETWORK] == Network.Kind.AMR
                        else Mandate.Role.TR
                    )
                ),
                workplace=workplaces[(p // PEOPLE_PER_NETWORK) % len(workplaces)],
                elected_on=today - timedelta(days=30 + p % 700),
            )
            for p, person in enumerate(people)
        )
        networks = Network.objects.bulk_create(
            Network(
                branch=branch,
                kind=kind,
                name=f"Skala-netværk {b:03d}-{n:03d}",
                employer=employers[n % 2],
                coordinator=None if n % 11 == 0 else people[n * PEOPLE_PER_NETWORK],
                consultant=consultant if kind == Network.Kind.AMR else None,
                minimum_meetings=Network.DEFAULT_MINIMUM[kind],
            )
            for n, kind in enumerate(kinds)
        )
        Membership.objects.bulk_create(
            Membership(
                network=networks[p // PEOPLE_PER_NETWORK],
                person=person,
                joined_on=today - timedelta(days=400),
                tr_slot=networks[p // PEOPLE_PER_NETWORK].is_tr_network,
            )
            for p, person in enumerate(people)
        )
        year_start = date(today.year, 1, 1)
        meetings = []
        for n, network in enumerate(networks):
            for k in range(4):
                day = year_start + timedelta(days=91 * k + (n * 13 + b) % 88)
                starts_at = datetime.combine(day, time(16 + n % 3), tzinfo=zone)
                status = Meeting.Status.HELD if starts_at < now else Meeting.Status.PLANNED
                if n % 7 == 0 and k >= 2:
                    status = Meeting.Status.CANCELLED
                meetings.append(
                    Meeting(network=network, starts_at=starts_at, place="Fagforeningshuset", status=status)
                )
        meetings = Meeting.objects.bulk_create(meetings)
        held = [meeting for meeting in meetings if meeting.status == Meeting.Status.HELD]
        Minutes.objects.bulk_create(
            Minutes(
                meeting=meeting,
                text="Referat",
                status=Minutes.Status.SUBMITTED,
                revision=1,
                submitted_at=meeting.starts_at + timedelta(days=2),
            )
            for i, meeting in enumerate(held)
            if i % 5
        )
        members = {
            network.pk: people[n * PEOPLE_PER_NETWORK : (n + 1) * PEOPLE_PER_NETWORK]
            for n, network in enumerate(networks)
        }
        Invitation.objects.bulk_create(
            (
                Invitation(
                    meeting=meeting,
                    person=person,
                    token_hash=tokens.digest(f"skala-{meeting.pk}-{person.pk}"),
                    response=Invitation.Response.NO if person.pk % 9 == 0 else Invitation.Response.NONE,
                )
                for meeting in meetings
                if meeting.status == Meeting.Status.PLANNED
                for person in members[meeting.network_id]
            ),
            batch_size=5000,
        )
