"""Page times at national scale: `make bench` (needs DATABASE_URL pointing at an empty PostgreSQL).

Loads 50 branches with 100 networks and 1,000 people each (5,000 networks, 50,000 people, mandates
and memberships, 20,000 meetings, 10,000 minutes, a year of release-time claims: 25,000 claims and
250 employers' bills), runs ANALYZE, then times the coordinator pages
and the office's admin lists against a trivial Django view on the same server (the DESIGN target:
within 3x). Requests go through Django's full stack in-process, with production settings (DEBUG
off, cached templates), so the figures are the server's time without the network.

Not a test: it is run by hand, and it prints what it measured.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netvaerk.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from circles.models import (  # noqa: E402
    Branch,
    Employer,
    EmployerBill,
    Mandate,
    Meeting,
    Membership,
    Minutes,
    Network,
    Person,
    ReleaseClaim,
    User,
    Workplace,
)
from circles.roles import CONSULTANT, OFFICE  # noqa: E402

BRANCHES, NETWORKS_PER_BRANCH, PEOPLE_PER_BRANCH = 50, 100, 1000
RUNS = 15


def load():
    if Branch.objects.exists():
        sys.exit("The database is not empty: point DATABASE_URL at an empty database for the benchmark.")
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        office_group, consultant_group = Group.objects.get(name=OFFICE), Group.objects.get(name=CONSULTANT)
        for b in range(BRANCHES):
            branch = Branch.objects.create(
                name=f"Kreds {b:02d}", union="Socialpædagogerne", office_email=f"kreds{b}@example.org"
            )
            office = User.objects.create_user(f"kontor{b}", password="bench", is_staff=True, branch=branch)
            office.groups.add(office_group)
            consultant = User.objects.create_user(
                f"konsulent{b}", password="bench", is_staff=True, branch=branch
            )
            consultant.groups.add(consultant_group)
            # each branch keeps its own two employers and a hundred workplaces
            employers = Employer.objects.bulk_create(
                Employer(branch=branch, kind=Employer.Kind.MUNICIPALITY, name=f"Kommune {b * 2 + i:03d}")
                for i in range(2)
            )
            workplaces = Workplace.objects.bulk_create(
                Workplace(
                    employer=employers[i % 2],
                    name=f"Bosted {b * 100 + i:05d}",
                    work_area=Workplace.WorkArea.HOUSING,
                    municipality=employers[i % 2].name,
                )
                for i in range(100)
            )
            people = Person.objects.bulk_create(
                Person(
                    branch=branch,
                    name=f"Medlem {b:02d}-{p:04d}",
                    email=f"m{b}-{p}@example.org",
                    member_number=f"{p:06d}",
                )
                for p in range(PEOPLE_PER_BRANCH)
            )
            Mandate.objects.bulk_create(
                Mandate(
                    person=person,
                    role=Mandate.Role.FTR if p % 10 == 0 else Mandate.Role.TR,
                    workplace=workplaces[(p // 10) % len(workplaces)],
                    elected_on=today - timedelta(days=30 + p),
                )
                for p, person in enumerate(people)
            )
            networks = []
            for n in range(NETWORKS_PER_BRANCH):
                kind = Network.Kind.TR if n % 4 else Network.Kind.AMR
                networks.append(
                    Network(
                        branch=branch,
                        kind=kind,
                        name=f"Netværk {b:02d}-{n:03d}",
                        employer=employers[n % 2],
                        coordinator=people[n * 10],
                        consultant=consultant if kind == Network.Kind.AMR else None,
                        minimum_meetings=Network.DEFAULT_MINIMUM[kind],
                    )
                )
            networks = Network.objects.bulk_create(networks)
            # 990 of the 1,000 in a network; the last ten TRs are the ones without one
            Membership.objects.bulk_create(
                Membership(
                    network=networks[p // 10],
                    person=person,
                    joined_on=today - timedelta(days=400),
                    tr_slot=networks[p // 10].is_tr_network,
                )
                for p, person in enumerate(people[: PEOPLE_PER_BRANCH - 10])
            )
            meetings = Meeting.objects.bulk_create(
                Meeting(
                    network=network,
                    starts_at=now + timedelta(days=90 * k - 200, hours=n % 8),
                    place="Fagforeningshuset",
                    theme=f"Tema {k}",
                    status=Meeting.Status.HELD if k < 2 else Meeting.Status.PLANNED,
                )
                for n, network in enumerate(networks)
                for k in range(4)
            )
            statuses = [Minutes.Status.SUBMITTED, Minutes.Status.APPROVED]
            Minutes.objects.bulk_create(
                Minutes(
                    meeting=meeting,
                    text="Referat",
                    status=statuses[i % 2],
                    revision=1,
                    submitted_at=meeting.starts_at + timedelta(days=2),
                    decided_at=meeting.starts_at + timedelta(days=5) if i % 2 else None,
                )
                for i, meeting in enumerate(m for m in meetings if m.status == Meeting.Status.HELD)
            )
            load_claims(branch, office, employers, networks, meetings)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


CLAIM_STATUSES = [
    ReleaseClaim.Status.REFUNDED,
    ReleaseClaim.Status.BILLED,
    ReleaseClaim.Status.APPROVED,
    ReleaseClaim.Status.SUBMITTED,
]


def load_claims(branch, office, employers, networks, meetings):
    """A year of claims in one branch: the coordinator's preparation of each of the four meetings
    (refunded, billed, approved, submitted) and one mileage claim per network; per employer a bill
    for the refunded claims, one for the billed, and one bill that covers no claim."""
    filer = User.objects.create_user(f"indsender{branch.pk}", password="bench")
    now = timezone.now()
    bills = {}
    for employer in employers:
        for status, number in ((CLAIM_STATUSES[0], "R"), (CLAIM_STATUSES[1], "B"), (None, "X")):
            bills[(employer.pk, status)] = EmployerBill.objects.create(
                branch=branch,
                employer=employer,
                invoice_number=f"{number}-{employer.pk}",
                invoice_date=timezone.localdate() - timedelta(days=30),
                hours=Decimal("100"),
                amount=Decimal("35000"),
                recorded_by=office,
            )
    by_network = {network.pk: network for network in networks}
    claims = []
    for index, meeting in enumerate(meetings):
        network = by_network[meeting.network_id]
        status = CLAIM_STATUSES[index % 4]
        decided = status != ReleaseClaim.Status.SUBMITTED
        claims.append(
            ReleaseClaim(
                branch=branch,
                kind=ReleaseClaim.Kind.PREPARATION,
                claimant_id=network.coordinator_id,
                filed_by=filer,
                network=network,
                meeting=meeting,
                work_date=timezone.localtime(meeting.starts_at).date(),
                employer_id=network.employer_id,
                hours=Decimal("2"),
                hours_cap=Decimal("2"),
                amount=Decimal("2") * branch.release_hourly_rate,
                leave_noted=True,
                status=status,
                decided_by=office if decided else None,
                decided_at=now if decided else None,
                bill=bills.get((network.employer_id, status)),
                refunded_at=now if status == ReleaseClaim.Status.REFUNDED else None,
                refunded_by=office if status == ReleaseClaim.Status.REFUNDED else None,
                needs_attention="Mødet er aflyst" if index % 97 == 0 else "",
            )
        )
    for n, network in enumerate(networks):
        claims.append(
            ReleaseClaim(
                branch=branch,
                kind=ReleaseClaim.Kind.MILEAGE,
                claimant_id=network.coordinator_id,
                filed_by=filer,
                network=network,
                work_date=timezone.localdate() - timedelta(days=n % 300),
                employer_id=network.employer_id,
                km=40 + n % 60,
                workplace_declined=True,
                amount=Decimal("3.81") * (40 + n % 60),
            )
        )
    ReleaseClaim.objects.bulk_create(claims)


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial", trivial)]


def measure():
    from django.core.management import call_command

    from netvaerk import urls as project_urls

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest production serves from

    urlpatterns.extend(project_urls.urlpatterns)
    settings.ROOT_URLCONF = __name__

    branch = Branch.objects.get(name="Kreds 25")
    network = Network.objects.filter(branch=branch, kind=Network.Kind.TR).order_by("pk")[5]
    meeting = network.meetings.order_by("starts_at").first()
    coordinator = network.coordinator
    coordinator.user = coordinator.user or User.objects.create_user(
        f"koord{coordinator.pk}", password="bench"
    )
    coordinator.save(update_fields=["user"])
    office = User.objects.get(username="kontor25")

    pages = [
        (None, "trivial view (baseline)", "/bench/trivial"),
        (office, "trivial logged-in page", "/accounts/password/change/"),
        (office, "admin index", "/admin/"),
        (coordinator.user, "coordinator: home", "/"),
        (coordinator.user, "coordinator: network page", network.get_absolute_url()),
        (coordinator.user, "coordinator: meeting page", meeting.get_absolute_url()),
    ]
    for model in [
        "branch",
        "person",
        "mandate",
        "network",
        "membership",
        "meeting",
        "minutes",
        "networkoverview",
        "releaseclaim",
        "employerbill",
    ]:
        pages.append((office, f"admin list: {model}", f"/admin/circles/{model}/"))
    pages.append((office, "admin list: TR uden netværk", "/admin/circles/person/?netvaerk=tr_uden"))
    pages.append((office, "admin list: minutes, all", "/admin/circles/minutes/?status=alle"))
    pages.append((office, "admin list: overview, behind", "/admin/circles/networkoverview/?bagud=ja"))
    pages.append((office, "admin list: outbox", "/admin/outbox/outboundemail/"))
    pages.append((office, "admin list: claims, all", "/admin/circles/releaseclaim/?status=alle"))
    pages.append((office, "admin: claims reconciliation", "/admin/circles/releaseclaim/afstemning/"))

    clients = []
    for user, _label, url in pages:
        client = Client()
        if user:
            client.force_login(user)
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        clients.append(client)
    # round robin, so that a noisy moment on the machine hits every page alike
    times = [[] for _ in pages]
    sql_times = [[] for _ in pages]
    counts = [0] * len(pages)
    for _ in range(RUNS):
        for i, (client, (_user, _label, url)) in enumerate(zip(clients, pages)):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                client.get(url)
                times[i].append((time.perf_counter() - start) * 1000)
            sql_times[i].append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            counts[i] = len(queries)
    results = [
        (label, statistics.median(times[i]), statistics.median(sql_times[i]), counts[i])
        for i, (_user, label, _url) in enumerate(pages)
    ]

    page, admin = results[1][1], results[2][1]
    print(
        f"{'page':34} {'median ms':>10} {'of it SQL':>10} {'queries':>8}"
        f" {'x logged-in page':>17} {'x admin index':>14}"
    )
    for label, ms, sql_ms, count in results:
        print(f"{label:34} {ms:10.1f} {sql_ms:10.1f} {count:8d} {ms / page:17.1f} {ms / admin:14.1f}")


if __name__ == "__main__":
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL at scale.")
    if "--measure-only" not in sys.argv:
        load()
    measure()
