import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from circles.models import Mandate, Membership, Network, Person

pytestmark = pytest.mark.django_db


def counts():
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("circles").get_models()}


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first["circles.Network"] >= 6 and first["circles.Person"] >= 20


def test_demo_has_what_the_pages_need():
    call_command("seed_demo")
    for username in ("kontor", "koordinator", "konsulent", "medlem"):
        login = RequestFactory().post("/accounts/login/")  # the login throttle wants the request
        assert authenticate(login, username=username, password="demo") is not None, username
    coordinator = Person.objects.get(user__username="koordinator")
    assert coordinator.coordinated_networks.exists()
    assert Network.objects.filter(coordinator__isnull=True).exists()
    assert Network.objects.filter(kind=Network.Kind.AMR, consultant__username="konsulent").exists()
    assert Network.objects.filter(kind=Network.Kind.MIXED).exists()
    lonely_trs = Person.objects.filter(mandates__role=Mandate.Role.TR).exclude(
        pk__in=Membership.objects.active().values("person")
    )
    assert lonely_trs.exists()
    assert any(m.is_new for m in Mandate.objects.all())


def test_if_empty_leaves_an_existing_database_alone(branch):
    call_command("seed_demo", "--if-empty")
    assert list(Person.objects.all()) == [] and Network.objects.count() == 0


def test_demo_has_a_newly_elected_tr_welcomed_through_the_service():
    from circles.models import MentorPrompt, Reminder
    from netvaerk.outbox.models import OutboundEmail

    call_command("seed_demo")
    nanna = Person.objects.get(member_number="10014")
    welcoming = Network.objects.get(name="TR-netværk Region Midtjylland")
    assert welcoming.coordinator.user.username == "koordinator2"
    assert Membership.objects.active().filter(person=nanna, network=welcoming).exists()
    assert MentorPrompt.objects.filter(person=nanna, network=welcoming, done_at__isnull=True).count() == 1
    assert welcoming.meetings.filter(status="planned").exists()  # where the prompt shows
    mails = OutboundEmail.objects.filter(template__startswith="circles/welcome")
    assert sorted(mail.to.split("<")[-1].rstrip(">") for mail in mails) == sorted(
        [nanna.email, welcoming.coordinator.email]
    )
    assert Reminder.objects.filter(kind=Reminder.Kind.WELCOME).count() == 2
    call_command("seed_demo")
    assert OutboundEmail.objects.filter(template__startswith="circles/welcome").count() == 2


def test_demo_has_a_network_behind_target_with_a_held_meeting_without_minutes():
    from datetime import timedelta

    from django.utils import timezone

    from circles.models import Meeting
    from circles.services.progress import with_year_progress

    call_command("seed_demo")
    held = Meeting.objects.filter(
        status=Meeting.Status.HELD,
        minutes__isnull=True,
        starts_at__lt=timezone.now() - timedelta(days=7),
    )
    assert held.exists()
    network = held.first().network
    assert not network.meetings.filter(status=Meeting.Status.PLANNED).exists()
    year = timezone.localtime(held.first().starts_at).year
    progress = with_year_progress(Network.objects.filter(pk=network.pk), year=year).get()
    assert progress.held_count == 1 and progress.planned_count == 0
    assert progress.missing_count == progress.minimum_meetings - 1 > 0


def test_demo_has_claims_in_every_status_and_a_bill_that_does_not_match():
    from datetime import date

    from django.utils import timezone

    from circles.models import Branch, MileageRate, ReleaseClaim
    from circles.services.claims_review import reconcile

    call_command("seed_demo")
    assert set(ReleaseClaim.objects.values_list("status", flat=True)) == set(ReleaseClaim.Status.values)
    assert set(ReleaseClaim.objects.values_list("kind", flat=True)) == set(ReleaseClaim.Kind.values)
    assert ReleaseClaim.objects.exclude(needs_attention="").exists()
    branch = Branch.objects.get(name="Kreds Midt- og Vestjylland")
    assert MileageRate.objects.filter(branch=branch, year=timezone.localdate().year).exists()
    year = timezone.localdate().year
    result = reconcile(branch=branch, start=date(year, 1, 1), end=date(year, 12, 31))
    (viborg,) = result.rows
    assert viborg.bills == 2 and not viborg.matches
    bills = {bill.invoice_number: bill for bill in branch.bills.all()}
    matching = reconcile(
        branch=branch,
        start=bills["LV-2026-0113"].claims.get().work_date,
        end=bills["LV-2026-0113"].claims.get().work_date,
    )
    assert matching.rows[0].matches
    count = ReleaseClaim.objects.count()
    call_command("seed_demo")
    assert ReleaseClaim.objects.count() == count
