"""The periodic jobs at national scale: `make bench` (needs DATABASE_URL pointing at an empty PostgreSQL).

Loads 500 networks with ``seed_scale``, measures each job's decision step, adds 4,500 more (5,000
networks, 50,000 representatives, 20,000 meetings a year) and measures again. Per job and size it
prints the decision's query count (must be the same at both sizes), its wall time (target < 2 s at
5,000), its peak Python memory (tracemalloc, a separate run so it does not slow the timing), how many
reminders it decided, and a whole run (decide, render, bulk insert ``SEND_BATCH`` at a time; rolled
back) for comparison: its queries grow by a handful per batch of 500 reminders, not per network.

Not a test: it is run by hand, and it prints what it measured.
"""

import os
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netvaerk.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from circles.models import Branch  # noqa: E402
from circles.services import reminders  # noqa: E402

RUNS = 3


class Rollback(Exception):
    pass


def days() -> dict[str, date]:
    today = timezone.localdate()
    _number, quarter_start, _next = reminders.quarter_of(today)
    return {
        "cadence": quarter_start,
        "digest": today.replace(day=1),
        "meeting_reminders": today,
        "minutes_overdue": today,
    }


def decide(job: str, day: date) -> int:
    """The decision step: every reminder due, streamed and counted, nothing kept."""
    with transaction.atomic():  # the server-side cursor lives in a transaction, as in run()
        return sum(1 for _decision in reminders.JOBS[job](day))


def measure(job: str, day: date) -> dict:
    decide(job, day)  # warm the caches and the plan
    with CaptureQueriesContext(connection) as queries:
        decided = decide(job, day)
    times = []
    for _run in range(RUNS):
        started = time.perf_counter()
        decide(job, day)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    decide(job, day)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    send_queries, started = 0, time.perf_counter()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as sent:
            reminders.run(job, today=day)
            send_queries = len(sent)
            raise Rollback
    except Rollback:
        pass
    send_time = time.perf_counter() - started
    return {
        "queries": len(queries),
        "time": statistics.median(times),
        "peak_mb": peak / 2**20,
        "decided": decided,
        "send_queries": send_queries,
        "send_time": send_time,
    }


def report(size: int, results: dict[str, dict]) -> None:
    print(f"\n{size} networks")
    print(f"{'job':<20}{'queries':>8}{'time (s)':>10}{'peak MB':>9}{'decided':>9}{'run q':>8}{'run s':>8}")
    for job, row in results.items():
        print(
            f"{job:<20}{row['queries']:>8}{row['time']:>10.3f}{row['peak_mb']:>9.1f}{row['decided']:>9}"
            f"{row['send_queries']:>8}{row['send_time']:>8.2f}"
        )


def main():
    if Branch.objects.exists():
        sys.exit("The database is not empty: point DATABASE_URL at an empty database for the benchmark.")
    results = {}
    for size, add in ((500, 500), (5000, 4500)):
        started = time.perf_counter()
        call_command("seed_scale", networks=add, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seed_scale --networks {add}: {time.perf_counter() - started:.1f} s")
        results[size] = {job: measure(job, day) for job, day in days().items()}
        report(size, results[size])
    for job in days():  # the four reminder jobs; the mentoring jobs have their own tests
        small, large = results[500][job]["queries"], results[5000][job]["queries"]
        verdict = "same" if small == large else "DIFFERENT"
        print(f"{job}: {small} queries at 500, {large} at 5,000 networks: {verdict}")


if __name__ == "__main__":
    main()
