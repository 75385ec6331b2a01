"""Invented demo data for `make run`: three branches, their networks, people, meetings and logins.

Idempotent: every row is found by its natural key, so running it twice changes nothing. All names
are invented. Never loaded anywhere but by `make run`.

For the periodic jobs and the welcome chain it also holds: a newly elected TR registered by the
office through ``mandate_register`` (their welcome, the coordinator's mail and the mentor prompt on
the Viborg network's next meeting appear in the console when `make run` starts), and a network behind
its yearly target whose one held meeting has no minutes.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from circles.models import (
    AgendaItem,
    Attendance,
    Branch,
    Employer,
    EmployerBill,
    Mandate,
    Meeting,
    Membership,
    MileageRate,
    Minutes,
    Network,
    Person,
    ReleaseClaim,
    User,
    Workplace,
)
from circles.roles import CONSULTANT, OFFICE
from circles.services.mandates import mandate_register

DEMO_PASSWORD = "demo"
Role = Mandate.Role
Area = Workplace.WorkArea

# (branch, union, office e-mail)
BRANCHES = {
    "mv": ("Kreds Midt- og Vestjylland", "Socialpædagogerne", "kreds.midtvest@example.org"),
    "oj": ("Kreds Østjylland", "Socialpædagogerne", "kreds.oestjylland@example.org"),
    "syd": ("Region Syd", "Dansk Socialrådgiverforening", "region.syd@example.org"),
}

# employer name → (branch that keeps it, kind, [(workplace, work area, municipality)])
EMPLOYERS = {
    "Region Midtjylland": (
        "mv",
        Employer.Kind.REGION,
        [
            ("Døgninstitutionen Fjordbakken", Area.RESIDENTIAL, "Skive"),
            ("Specialbostedet Lyngtoften", Area.HOUSING, "Herning"),
            ("Regionspsykiatrien Vest, Afsnit 4", Area.PSYCHIATRY, "Holstebro"),
        ],
    ),
    "Viborg Kommune": (
        "mv",
        Employer.Kind.MUNICIPALITY,
        [
            ("Bostedet Hedebo", Area.HOUSING, "Viborg"),
            ("Støttecenter Nørreport", Area.SUPPORT_CENTRE, "Viborg"),
            ("Dagtilbud Solsikken", Area.DAYCARE, "Viborg"),
        ],
    ),
    "Herning Kommune": (
        "mv",
        Employer.Kind.MUNICIPALITY,
        [
            ("Botilbuddet Engholm", Area.HOUSING, "Herning"),
            ("Aktivitetscentret Kildedal", Area.SUPPORT_CENTRE, "Herning"),
        ],
    ),
    "Holstebro Kommune": (
        "mv",
        Employer.Kind.MUNICIPALITY,
        [
            ("Ungehuset Vestergade", Area.RESIDENTIAL, "Holstebro"),
            ("Skolen ved Åen, SFO", Area.SCHOOL, "Holstebro"),
        ],
    ),
    "Aarhus Kommune": (
        "oj",
        Employer.Kind.MUNICIPALITY,
        [
            ("Bostedet Skovlyst", Area.HOUSING, "Aarhus"),
            ("Misbrugscentret Havnegade", Area.ADDICTION, "Aarhus"),
            ("Døgntilbuddet Egebo", Area.RESIDENTIAL, "Aarhus"),
        ],
    ),
    "Randers Kommune": (
        "oj",
        Employer.Kind.MUNICIPALITY,
        [
            ("Bofællesskabet Gudenåen", Area.HOUSING, "Randers"),
            ("Værestedet Tøjhushaven", Area.SUPPORT_CENTRE, "Randers"),
        ],
    ),
    "Norddjurs Kommune": (
        "oj",
        Employer.Kind.MUNICIPALITY,
        [("Bostedet Kattegatvej", Area.HOUSING, "Norddjurs")],
    ),
    "Aabenraa Kommune": (
        "syd",
        Employer.Kind.MUNICIPALITY,
        [
            ("Jobcenter Aabenraa", Area.JOB_CENTRE, "Aabenraa"),
            ("Børne- og Familieafdelingen Aabenraa", Area.FAMILY, "Aabenraa"),
        ],
    ),
    "Sønderborg Kommune": (
        "syd",
        Employer.Kind.MUNICIPALITY,
        [
            ("Jobcenter Sønderborg", Area.JOB_CENTRE, "Sønderborg"),
            ("Familiehuset Alsgade", Area.FAMILY, "Sønderborg"),
        ],
    ),
}

# member number, name, branch, [(role, workplace, days since election)], TR training done (days ago)
PEOPLE = [
    # Kreds Midt- og Vestjylland
    ("10001", "Karen Lykke Mortensen", "mv", [(Role.FTR, "Bostedet Hedebo", 2900)], 2800),
    ("10002", "Jens Peter Holm", "mv", [(Role.TR, "Støttecenter Nørreport", 1400)], 1300),
    ("10003", "Aisha Rahimi", "mv", [(Role.TR, "Dagtilbud Solsikken", 40)], None),
    ("10004", "Morten Bach Kjær", "mv", [(Role.TR_DEPUTY, "Bostedet Hedebo", 500)], None),
    ("10005", "Lene Østergaard", "mv", [(Role.TR, "Bostedet Hedebo", 900)], 850),
    ("10006", "Søren Vinther", "mv", [(Role.FTR, "Døgninstitutionen Fjordbakken", 3100)], 3000),
    ("10007", "Maria Kristensen Dahl", "mv", [(Role.TR, "Specialbostedet Lyngtoften", 700)], 650),
    ("10008", "Ole Friis", "mv", [(Role.TR, "Regionspsykiatrien Vest, Afsnit 4", 25)], None),
    ("10009", "Hanne Bjerre", "mv", [(Role.TR, "Botilbuddet Engholm", 1800)], 1700),
    ("10010", "Kasper Nygaard", "mv", [(Role.TR, "Aktivitetscentret Kildedal", 300)], 200),
    ("10011", "Tina Mølgaard", "mv", [(Role.TR, "Ungehuset Vestergade", 1100)], 1000),
    ("10012", "Ahmed Yilmaz", "mv", [(Role.TR, "Skolen ved Åen, SFO", 60)], None),
    ("10013", "Birgitte Lund", "mv", [(Role.TR, "Støttecenter Nørreport", 150)], None),
    # Kreds Østjylland
    ("20001", "Louise Brandt", "oj", [(Role.AMR, "Bostedet Skovlyst", 1200)], None),
    ("20002", "Rasmus Toft", "oj", [(Role.AMR, "Misbrugscentret Havnegade", 600)], None),
    ("20003", "Camilla Winther", "oj", [(Role.AMR_DEPUTY, "Døgntilbuddet Egebo", 300)], None),
    ("20004", "Peter Skou", "oj", [(Role.AMR, "Bofællesskabet Gudenåen", 900)], None),
    ("20005", "Nadia Haddad", "oj", [(Role.AMR, "Værestedet Tøjhushaven", 80)], None),
    ("20006", "Jonas Riis", "oj", [(Role.AMR, "Bostedet Kattegatvej", 1500)], None),
    ("20007", "Mette Grønbech", "oj", [(Role.TR, "Bofællesskabet Gudenåen", 2000)], 1900),
    ("20008", "Frederik Ravn", "oj", [(Role.TR, "Værestedet Tøjhushaven", 45)], None),
    # Dansk Socialrådgiverforening Region Syd
    ("30001", "Susanne Iversen", "syd", [(Role.FTR, "Jobcenter Aabenraa", 3300)], 3200),
    ("30002", "Thomas Lauritsen", "syd", [(Role.TR, "Børne- og Familieafdelingen Aabenraa", 1600)], 1500),
    ("30003", "Sofie Petersen", "syd", [(Role.TR, "Jobcenter Sønderborg", 30)], None),
    ("30004", "Anders Høj", "syd", [(Role.TR, "Familiehuset Alsgade", 2200)], 2100),
]

# newly elected: registered through the welcome chain (member number, name, branch, role, workplace, days
# ago). Placed in the Region Midtjylland network (its coordinator logs in as "koordinator2"), whose next
# meeting then shows "Tilbyd en mentor til Nanna Vestergaard".
NEWLY_ELECTED = [("10014", "Nanna Vestergaard", "mv", Role.TR, "Regionspsykiatrien Vest, Afsnit 4", 3)]
WELCOMING = "TR-netværk Region Midtjylland"

# behind its yearly target: one meeting held ten days ago, no minutes yet, nothing planned
BEHIND_TARGET = "TR-netværk Holstebro Kommune"

# network name, branch, kind, employer, kommunegruppe, coordinator member number, members
NETWORKS = [
    (
        "TR-netværk Viborg Kommune",
        "mv",
        Network.Kind.TR,
        "Viborg Kommune",
        "",
        "10001",
        ["10001", "10002", "10003", "10004", "10005"],
    ),
    (
        "TR-netværk Region Midtjylland",
        "mv",
        Network.Kind.TR,
        "Region Midtjylland",
        "",
        "10006",
        ["10006", "10007", "10008"],
    ),
    ("TR-netværk Herning Kommune", "mv", Network.Kind.TR, "Herning Kommune", "", None, ["10009", "10010"]),
    ("TR-netværk Holstebro Kommune", "mv", Network.Kind.TR, "Holstebro Kommune", "", "10011", ["10011"]),
    (
        "AMR-netværk Kommunegruppe Aarhus",
        "oj",
        Network.Kind.AMR,
        None,
        "Kommunegruppe Aarhus",
        None,
        ["20001", "20002", "20003"],
    ),
    (
        "TR- og AMR-netværk Kommunegruppe Randers-Norddjurs",
        "oj",
        Network.Kind.MIXED,
        None,
        "Kommunegruppe Randers-Norddjurs",
        "20007",
        ["20004", "20005", "20006", "20007", "20008"],
    ),
    (
        "TR-netværk Sønderjylland",
        "syd",
        Network.Kind.TR,
        None,
        "Aabenraa og Sønderborg",
        "30001",
        ["30001", "30002", "30003", "30004"],
    ),
]


class Command(BaseCommand):
    help = "Indlæser opdigtede demodata (kun til make run). Kan køres flere gange uden dubletter."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Gør intet, hvis databasen allerede har kredse (bruges af make run).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if options["if_empty"] and Branch.objects.exists():
            self.stdout.write("Databasen har allerede data; demodata indlæses ikke.")
            return
        today = timezone.localdate()
        branches = {
            code: Branch.objects.get_or_create(name=name, defaults={"union": union, "office_email": email})[0]
            for code, (name, union, email) in BRANCHES.items()
        }
        workplaces = {}
        employers = {}
        for employer_name, (code, kind, places) in EMPLOYERS.items():
            employer, _ = Employer.objects.get_or_create(
                branch=branches[code], name=employer_name, defaults={"kind": kind}
            )
            employers[employer_name] = employer
            for name, area, municipality in places:
                workplaces[name], _ = Workplace.objects.get_or_create(
                    employer=employer, name=name, defaults={"work_area": area, "municipality": municipality}
                )

        people = {}
        for number, name, code, mandates, trained_days_ago in PEOPLE:
            trained_on = today - timedelta(days=trained_days_ago) if trained_days_ago else None
            people[number] = self._person(branches[code], number, name, trained_on)
            for role, workplace, days_ago in mandates:
                Mandate.objects.get_or_create(
                    person=people[number],
                    role=role,
                    workplace=workplaces[workplace],
                    ended_on=None,
                    defaults={"elected_on": today - timedelta(days=days_ago)},
                )

        consultant = self._staff("konsulent", "Jakob", "Konsulent", branches["oj"], CONSULTANT)
        office = self._staff("kontor", "Kirsten", "Kontor", branches["mv"], OFFICE)

        networks = {}
        for name, code, kind, employer, group, coordinator, members in NETWORKS:
            network, _ = Network.objects.get_or_create(
                branch=branches[code],
                name=name,
                defaults={
                    "kind": kind,
                    "employer": employers[employer] if employer else None,
                    "municipality_group": group,
                    "coordinator": people[coordinator] if coordinator else None,
                    "consultant": consultant if kind != Network.Kind.TR and code == "oj" else None,
                },
            )
            networks[name] = network
            for number in members:
                if not Membership.objects.active().filter(network=network, person=people[number]).exists():
                    Membership.objects.create(
                        network=network, person=people[number], joined_on=today - timedelta(days=120)
                    )

        self._login("koordinator", people["10001"])
        self._login("medlem", people["10002"])
        self._meetings(networks["TR-netværk Viborg Kommune"], people)
        self._meetings(networks["AMR-netværk Kommunegruppe Aarhus"], people, amr=True)
        self._login("koordinator2", people["10006"])
        self._held_without_minutes(networks[BEHIND_TARGET])
        self._next_meeting(networks[WELCOMING])
        self._newly_elected(branches, workplaces, office)
        self._claims(branches["mv"], networks["TR-netværk Viborg Kommune"], people, employers, office)
        self._managers(workplaces)

        # the networks' voice and the mentor programme keep their demo data beside their code
        from circles.signup_demo import seed as seed_signups
        from mentoring.demo import seed as seed_mentoring

        seed_signups(stdout=self.stdout)
        seed_mentoring(self.stdout)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demodata: {Branch.objects.count()} kredse, {Network.objects.count()} netværk, "
                f"{Person.objects.count()} medlemmer, {Meeting.objects.count()} møder, "
                f"{ReleaseClaim.objects.count()} krav om frikøb og kørsel.\n"
                f"Logins (adgangskode '{DEMO_PASSWORD}'): kontor, koordinator, koordinator2, konsulent, medlem, "
                "mentor, mentee, kontorsyd."
            )
        )

    def _managers(self, workplaces):
        """Every demo workplace has a manager's address: the key messages and the leave letter reach them."""
        for name, workplace in workplaces.items():
            if not workplace.manager_email:
                ascii_name = name.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
                slug = "".join(ch for ch in ascii_name if ch.isascii() and ch.isalnum())[:30]
                workplace.manager_name = f"Leder, {name}"
                workplace.manager_email = f"leder.{slug}@example.org"
                workplace.save(update_fields=["manager_name", "manager_email"])

    def _staff(self, username, first, last, branch, group_name):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "is_staff": True,
                "branch": branch,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group_name))
        return user

    def _login(self, username, person):
        first, _sep, last = person.name.partition(" ")
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": person.email}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user"])

    def _person(self, branch, number, name, trained_on=None):
        slug = name.split()[0].lower().replace("ø", "oe").replace("å", "aa").replace("æ", "ae")
        person, _ = Person.objects.get_or_create(
            branch=branch,
            member_number=number,
            defaults={
                "name": name,
                "email": f"{slug}.{number}@example.org",
                "phone": f"+45 20 {number[1:3]} {number[3:]} 00",
                "tr_training_completed_on": trained_on,
            },
        )
        return person

    def _newly_elected(self, branches, workplaces, office):
        """Registered as the office would: the welcome mails go out after commit (once: the service
        returns the mandate already registered on a second run)."""
        today = timezone.localdate()
        for number, name, code, role, workplace, days_ago in NEWLY_ELECTED:
            mandate_register(
                person=self._person(branches[code], number, name),
                role=role,
                workplace=workplaces[workplace],
                elected_on=today - timedelta(days=days_ago),
                by=office,
            )

    def _next_meeting(self, network):
        """One planned meeting in three weeks: where the new TR is offered a mentor."""
        if network.meetings.exists():
            return
        day = timezone.localdate() + timedelta(days=18)
        meeting = Meeting.objects.create(
            network=network,
            starts_at=timezone.make_aware(datetime.combine(day, time(13, 0))),
            place="Regionshuset Viborg, lokale 3",
            theme="Velkomst af nye TR",
        )
        AgendaItem.objects.create(meeting=meeting, position=1, title="Tilbud om mentor til nye TR")

    def _held_without_minutes(self, network):
        """One meeting held ten days ago with attendance and no minutes; nothing planned: behind target."""
        if network.meetings.exists():
            return
        day = timezone.localdate() - timedelta(days=10)
        meeting = Meeting.objects.create(
            network=network,
            starts_at=timezone.make_aware(datetime.combine(day, time(13, 0))),
            place="Ungehuset Vestergade, Holstebro",
            theme="Arbejdstid og vagtplaner",
            status=Meeting.Status.HELD,
        )
        AgendaItem.objects.create(meeting=meeting, position=1, title="Runde: nyt fra arbejdspladserne")
        Attendance.objects.bulk_create(
            [
                Attendance(meeting=meeting, person=membership.person)
                for membership in network.memberships.active().select_related("person")
            ]
        )

    def _meetings(self, network, people, amr=False):
        """Two meetings held earlier this year (with attendance) and two planned later in the year."""
        if network.meetings.exists():
            return
        today = timezone.localdate()
        year_start = today.replace(month=1, day=1)
        past = [year_start + timedelta(days=40), year_start + timedelta(days=130)]
        future = [today + timedelta(days=21), today + timedelta(days=49)]
        themes = (
            ["Psykisk arbejdsmiljø og APV", "Vold og trusler", "Stress i vagtplanlægningen", "Nye AMR'er"]
            if amr
            else [
                "Lokal løndannelse",
                "MED-udvalgets årshjul",
                "Arbejdstid og vagtplaner",
                "Velkomst af nye TR",
            ]
        )
        members = [membership.person for membership in network.memberships.active().select_related("person")]
        for index, day in enumerate(past + future):
            held = day < today
            meeting = Meeting.objects.create(
                network=network,
                starts_at=timezone.make_aware(datetime.combine(day, time(16 if amr else 13, 0))),
                place="Kredskontoret, mødelokale 2" if index % 2 == 0 else "",
                online_url="" if index % 2 == 0 else "https://moede.example.org/netvaerk",
                theme=themes[index],
                follows_group_meeting="Kommunegruppemøde kl. 14" if amr else "",
                status=Meeting.Status.HELD if held else Meeting.Status.PLANNED,
            )
            agenda = (
                [(themes[index], 30), ("Sparring og erfaringsudveksling", 80), ("Eventuelt", 10)]
                if amr
                else [("Nyt fra kredsen", 15), (themes[index], 60), ("Runde: nyt fra arbejdspladserne", 45)]
            )
            for position, (title, minutes) in enumerate(agenda, start=1):
                AgendaItem.objects.create(
                    meeting=meeting, position=position, title=title, minutes_allotted=minutes
                )
            if held:
                Attendance.objects.bulk_create(
                    [
                        Attendance(meeting=meeting, person=person)
                        for person in members[: max(len(members) - 1, 1)]
                    ]
                )
                Minutes.objects.create(
                    meeting=meeting,
                    text="Referat under udarbejdelse.\n\n- Runde\n- Tema\n- Næste møde",
                    confidential=amr,
                )

    def _claims(self, branch, network, people, employers, office):
        """Release time and mileage in every status, this year's mileage rates, and two bills from
        Viborg Kommune: one that matches its claim (refunded) and one that does not (billed).

        History, written as rows: the two held meetings are older than the branch's claim limit, so
        the filing service would (rightly) refuse them today. The planned meetings are left free for
        the coordinator to claim."""
        year = timezone.localdate().year
        MileageRate.objects.get_or_create(
            branch=branch,
            year=year,
            defaults={"rate": Decimal("3.81"), "threshold_km": 20000, "rate_above": Decimal("2.23")},
        )
        if ReleaseClaim.objects.filter(branch=branch).exists():
            return
        karen, jens = people["10001"], people["10002"]
        viborg = employers["Viborg Kommune"]
        held = list(network.meetings.filter(status=Meeting.Status.HELD).order_by("starts_at")[:2])
        now = timezone.now()
        common = {
            "branch": branch,
            "network": network,
            "employer": viborg,
            "payroll_office": "Lønservice Viborg",
        }
        hours = {"hours_cap": branch.release_hours_cap, "leave_noted": True}
        decided = {"decided_by": office, "decided_at": now}

        def meeting_day(meeting):
            return timezone.localtime(meeting.starts_at).date()

        matching = EmployerBill.objects.create(
            branch=branch,
            employer=viborg,
            payroll_office="Lønservice Viborg",
            invoice_number="LV-2026-0113",
            invoice_date=meeting_day(held[0]) + timedelta(days=30),
            hours=Decimal("2"),
            amount=Decimal("2") * branch.release_hourly_rate,
            recorded_by=office,
        )
        off = EmployerBill.objects.create(
            branch=branch,
            employer=viborg,
            payroll_office="Lønservice Viborg",
            invoice_number="LV-2026-0342",
            invoice_date=meeting_day(held[1]) + timedelta(days=30),
            hours=Decimal("2.5"),
            amount=Decimal("2.5") * branch.release_hourly_rate,
            recorded_by=office,
        )
        rows = [
            # the coordinator's preparation of the two held meetings: refunded and billed
            {
                "kind": "preparation",
                "claimant": karen,
                "meeting": held[0],
                "hours": Decimal("2"),
                "status": "refunded",
                "bill": matching,
                "refunded_at": now,
                "refunded_by": office,
                **decided,
            },
            {
                "kind": "preparation",
                "claimant": karen,
                "meeting": held[1],
                "hours": Decimal("2"),
                "status": "billed",
                "bill": off,
                **decided,
            },
            # mentor sessions (the mentor programme's kind): approved, rejected, withdrawn, submitted
            {
                "kind": "mentor_session",
                "claimant": jens,
                "reference": "mentor-demo-1",
                "hours": Decimal("1.5"),
                "status": "approved",
                **decided,
            },
            {
                "kind": "mentor_session",
                "claimant": jens,
                "reference": "mentor-demo-2",
                "hours": Decimal("1"),
                "status": "rejected",
                "reject_reason": "Sessionen lå i arbejdstiden og er dækket af TR-tiden.",
                **decided,
            },
            {
                "kind": "mentor_session",
                "claimant": jens,
                "reference": "mentor-demo-3",
                "hours": Decimal("1"),
                "status": "withdrawn",
            },
            {
                "kind": "mentor_session",
                "claimant": jens,
                "reference": "mentor-demo-4",
                "hours": Decimal("1.25"),
                "status": "submitted",
                "needs_attention": "Mentorforløbet blev afsluttet, efter kravet blev indsendt.",
            },
        ]
        for index, row in enumerate(rows):
            meeting = row.get("meeting")
            work_date = (
                meeting_day(meeting) if meeting else timezone.localdate() - timedelta(days=5 + 7 * index)
            )
            user = row["claimant"].user
            amount = row["hours"] * branch.release_hourly_rate  # priced as the filing service prices it
            ReleaseClaim.objects.create(
                filed_by=user, work_date=work_date, amount=amount, **common, **hours, **row
            )
        # mileage the workplace would not pay, waiting for the office
        ReleaseClaim.objects.create(
            kind="mileage",
            claimant=karen,
            filed_by=karen.user,
            work_date=timezone.localdate() - timedelta(days=12),
            route_from="Bostedet Hedebo, Viborg",
            route_to="Kredskontoret, Holstebro",
            km=96,
            workplace_declined=True,
            amount=(Decimal(96) * Decimal("3.81")).quantize(Decimal("0.01")),
            status="submitted",
            **common,
        )
