"""The AMR sign-up services: submit → confirm → accept or decline, and the abuse rules."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from circles.models import Mandate, Membership, Person, SignUp, Workplace
from circles.services import signups as services
from circles.services.signups import ConfirmOutcome, RateLimited
from netvaerk import tokens
from netvaerk.outbox import sealing
from netvaerk.outbox.models import OutboundEmail
from tests import factories

from .signup_fixtures import *  # noqa: F403 (the fixtures)
from .signup_fixtures import pending, submit_kwargs

pytestmark = pytest.mark.django_db


def _confirm_link(signup: SignUp) -> str:
    mail = OutboundEmail.objects.get(key=f"signup-confirm:{signup.pk}")
    return sealing.unseal(mail.sealed_secrets)["confirm_url"]


def _raw(signup: SignUp) -> str:
    return _confirm_link(signup).rstrip("/").rsplit("/", 1)[-1]


# Submit -------------------------------------------------------------------------------------------


def test_submit_stores_an_unconfirmed_signup_and_mails_a_sealed_link(branch, aarhus, randers):
    signup = services.signup_submit(**submit_kwargs(branch))
    assert signup.status == SignUp.Status.UNCONFIRMED
    assert signup.network == aarhus  # found from the municipality
    mail = OutboundEmail.objects.get(key=f"signup-confirm:{signup.pk}")
    assert mail.to.endswith("<louise@example.org>")
    link = sealing.unseal(mail.sealed_secrets)["confirm_url"]
    raw = link.rstrip("/").rsplit("/", 1)[-1]
    assert signup.confirm_token_hash == tokens.digest(raw) and raw not in signup.confirm_token_hash
    assert raw not in mail.body_text and raw not in mail.body_html
    assert "[[secret:confirm_url]]" in mail.body_text
    assert "&amp;" not in mail.body_text and "&#x27;" not in mail.body_text
    assert signup.confirm_expires_at - timezone.now() > timedelta(days=services.CONFIRM_DAYS, hours=-1)
    # nobody but the applicant hears of it before the address is confirmed
    assert OutboundEmail.objects.count() == 1


def test_a_municipality_in_no_or_several_groups_asks_for_the_network(branch, aarhus, randers):
    with pytest.raises(ValidationError) as error:
        services.signup_submit(**submit_kwargs(branch, municipality="Skive"))
    assert error.value.code == "network"
    chosen = services.signup_submit(**submit_kwargs(branch, municipality="Skive", network=aarhus))
    assert chosen.network == aarhus


def test_only_the_branchs_active_amr_networks_are_offered(branch, other_branch, aarhus, network):
    foreign = factories.NetworkFactory(
        branch=other_branch, kind="amr", employer=None, municipality_group="Kommunegruppe Aarhus"
    )
    for wrong in (network, foreign):  # a TR network, another branch's AMR network
        with pytest.raises(ValidationError):
            services.signup_submit(**submit_kwargs(branch, network=wrong))
    aarhus.active = False
    aarhus.save()
    with pytest.raises(ValidationError):
        services.signup_submit(**submit_kwargs(branch, network=aarhus))
    assert not SignUp.objects.exists()


def test_a_workplace_of_another_branch_is_refused(branch, other_branch, aarhus):
    foreign = factories.WorkplaceFactory(employer__branch=other_branch)
    with pytest.raises(ValidationError):
        services.signup_submit(**submit_kwargs(branch, workplace=foreign, workplace_text=""))
    assert not SignUp.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 161),
        ("email", "a" * 250 + "@example.org"),
        ("phone", "1" * 31),
        ("phone", "ring til mig"),
        ("member_number", "1" * 31),
        ("workplace_text", "x" * 161),
        ("municipality", "x" * 81),
        ("municipality", ""),
        ("name", ""),
        ("email", "ikke-en-adresse"),
        ("role", "tr"),
        ("consent", False),
    ],
)
def test_bounded_fields_are_refused_and_nothing_is_stored(branch, aarhus, field, value):
    with pytest.raises(ValidationError):
        services.signup_submit(**submit_kwargs(branch, network=aarhus, **{field: value}))
    assert not SignUp.objects.exists() and not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    "field", ["name", "email", "phone", "member_number", "workplace_text", "municipality"]
)
def test_nul_bytes_are_refused(branch, aarhus, field):
    value = {"email": "lou\x00ise@example.org", "phone": "12\x0034"}.get(field, "Lou\x00ise")
    with pytest.raises(ValidationError, match="NUL|gyldig|Telefon"):
        services.signup_submit(**submit_kwargs(branch, network=aarhus, **{field: value}))
    assert not SignUp.objects.exists()


def test_the_rate_limit_per_address(branch, aarhus, monkeypatch):
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", (2, 3600))
    for n in range(2):
        services.signup_submit(**submit_kwargs(branch, email=f"a{n}@example.org"))
    with pytest.raises(RateLimited):
        services.signup_submit(**submit_kwargs(branch, email="a3@example.org"))
    # another address is not held back
    services.signup_submit(**submit_kwargs(branch, email="a4@example.org", ip="198.51.100.7"))
    assert SignUp.objects.count() == 3


def test_the_rate_limit_per_email(branch, aarhus, monkeypatch):
    monkeypatch.setattr(services, "LIMIT_PER_EMAIL", (2, 3600))
    for n in range(2):
        services.signup_submit(**submit_kwargs(branch, ip=f"192.0.2.{n + 10}"))
    with pytest.raises(RateLimited):
        services.signup_submit(**submit_kwargs(branch, email="LOUISE@example.org", ip="192.0.2.99"))
    assert SignUp.objects.count() == 2


def test_the_rate_limit_window_passes(branch, aarhus, monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", (1, 60))
    services.signup_submit(**submit_kwargs(branch, email="a@example.org"))
    with pytest.raises(RateLimited):
        services.signup_submit(**submit_kwargs(branch, email="b@example.org"))
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        services.signup_submit(**submit_kwargs(branch, email="c@example.org"))


def test_a_known_and_an_unknown_address_get_the_same_mail(branch, aarhus):
    factories.PersonFactory(branch=branch, name="Louise Brandt", email="kendt@example.org")
    known = services.signup_submit(**submit_kwargs(branch, email="kendt@example.org"))
    unknown = services.signup_submit(**submit_kwargs(branch, email="ukendt@example.org"))
    first, second = (OutboundEmail.objects.get(key=f"signup-confirm:{s.pk}") for s in (known, unknown))
    assert (first.subject, first.body_text, first.body_html) == (
        second.subject,
        second.body_text,
        second.body_html,
    )
    assert known.status == unknown.status == SignUp.Status.UNCONFIRMED


# Confirm ------------------------------------------------------------------------------------------


def test_confirming_puts_it_in_the_consultants_queue_once(branch, aarhus, consultant):
    signup = services.signup_submit(**submit_kwargs(branch))
    outcome, confirmed = services.signup_confirm(raw_token=_raw(signup))
    assert outcome == ConfirmOutcome.CONFIRMED and confirmed.status == SignUp.Status.PENDING
    mail = OutboundEmail.objects.get(template="circles/signup_pending")
    assert mail.to.endswith(f"<{consultant.email}>")
    assert "Louise" not in mail.body_text and "louise@example.org" not in mail.body_text  # a link, not data
    assert "/tilmeldinger/" in mail.body_text
    again, _ = services.signup_confirm(raw_token=_raw(signup))
    assert again == ConfirmOutcome.ALREADY
    assert OutboundEmail.objects.filter(template="circles/signup_pending").count() == 1


def test_without_a_consultant_the_office_is_told(branch, aarhus):
    aarhus.consultant = None
    aarhus.save()
    signup = services.signup_submit(**submit_kwargs(branch))
    services.signup_confirm(raw_token=_raw(signup))
    mail = OutboundEmail.objects.get(template="circles/signup_pending")
    assert mail.to.endswith(f"<{branch.office_email}>")
    assert "kredskontoret" in mail.body_text


def test_an_expired_link_confirms_nothing(branch, aarhus):
    signup = services.signup_submit(**submit_kwargs(branch))
    raw = _raw(signup)
    with time_machine.travel(timezone.now() + timedelta(days=services.CONFIRM_DAYS, minutes=1)):
        outcome, _ = services.signup_confirm(raw_token=raw)
    assert outcome == ConfirmOutcome.EXPIRED
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.UNCONFIRMED
    assert not OutboundEmail.objects.filter(template="circles/signup_pending").exists()


@pytest.mark.parametrize("raw", ["", "x", "A" * 43, "A" * 500, "ab/cd", "å" * 43])
def test_a_tampered_link_confirms_nothing(branch, aarhus, raw):
    signup = services.signup_submit(**submit_kwargs(branch))
    assert services.signup_confirm(raw_token=raw)[0] == ConfirmOutcome.INVALID
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.UNCONFIRMED


def test_a_newer_confirmed_signup_replaces_an_older_pending_one(branch, aarhus):
    old = pending(aarhus, email="LOUISE@example.org")
    signup = services.signup_submit(**submit_kwargs(branch))
    services.signup_confirm(raw_token=_raw(signup))
    assert not SignUp.objects.filter(pk=old.pk).exists()
    assert SignUp.objects.get().pk == signup.pk


# Accept and decline -------------------------------------------------------------------------------


def test_accepting_a_known_member_by_email_never_duplicates_them(branch, aarhus, consultant, skovlyst):
    member = factories.PersonFactory(branch=branch, name="Louise B.", email="Louise@Example.org")
    signup = pending(aarhus, workplace=skovlyst, workplace_text="")
    people = Person.objects.count()
    services.signup_accept(signup=signup, by=consultant)
    assert Person.objects.count() == people
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.ACCEPTED and signup.person == member
    assert signup.decided_by == consultant
    assert Mandate.objects.get(person=member, role="amr").workplace == skovlyst
    assert Membership.objects.active().filter(network=aarhus, person=member).exists()
    welcome = OutboundEmail.objects.get(template="circles/welcome_representative")
    assert welcome.to.endswith(f"<{member.email}>")
    assert not OutboundEmail.objects.filter(template="circles/welcome_placement").exists()


def test_accepting_matches_by_member_number(branch, aarhus, consultant, skovlyst):
    member = factories.PersonFactory(branch=branch, email="andet@example.org", member_number="20001")
    signup = pending(aarhus, member_number="20001", workplace=skovlyst)
    assert services.matches([signup])[signup.pk] == [member]
    services.signup_accept(signup=signup, by=consultant)
    signup.refresh_from_db()
    assert signup.person == member
    assert Person.objects.filter(member_number="20001").count() == 1


def test_a_member_of_another_branch_is_no_match(branch, other_branch, aarhus, consultant, skovlyst):
    factories.PersonFactory(branch=other_branch, email="louise@example.org", member_number="20001")
    signup = pending(aarhus, member_number="20001", workplace=skovlyst)
    assert services.matches([signup])[signup.pk] == []
    services.signup_accept(signup=signup, by=consultant)
    signup.refresh_from_db()
    assert signup.person.branch == branch and signup.person.member_number == "20001"


def test_a_new_member_needs_a_member_number(branch, aarhus, consultant, skovlyst):
    signup = pending(aarhus, workplace=skovlyst)
    with pytest.raises(ValidationError, match="medlemsnummeret"):
        services.signup_accept(signup=signup, by=consultant)
    signup.refresh_from_db()
    assert (
        signup.status == SignUp.Status.PENDING
        and not Person.objects.filter(email="louise@example.org").exists()
    )
    services.signup_accept(signup=signup, by=consultant, member_number="20099")
    person = Person.objects.get(email="louise@example.org")
    assert (person.name, person.member_number, person.branch) == ("Louise Brandt", "20099", branch)


def test_several_matches_ask_the_consultant_to_choose(branch, aarhus, consultant, skovlyst):
    by_email = factories.PersonFactory(branch=branch, email="louise@example.org")
    factories.PersonFactory(branch=branch, member_number="20001")
    signup = pending(aarhus, member_number="20001", workplace=skovlyst)
    with pytest.raises(ValidationError, match="flere medlemmer"):
        services.signup_accept(signup=signup, by=consultant)
    services.signup_accept(signup=signup, by=consultant, person=by_email)
    assert SignUp.objects.get().person == by_email


def test_the_workplace_is_created_only_when_the_consultant_asks(branch, aarhus, consultant):
    factories.PersonFactory(branch=branch, email="louise@example.org")
    signup = pending(aarhus)  # free text only
    with pytest.raises(ValidationError, match="arbejdsplads"):
        services.signup_accept(signup=signup, by=consultant)
    assert not Workplace.objects.exists()
    employer = factories.EmployerFactory(branch=branch, name="Aarhus Kommune")
    services.signup_accept(
        signup=signup, by=consultant, new_workplace_employer=employer, new_workplace_name="Bostedet Skovlyst"
    )
    workplace = Workplace.objects.get()
    assert (workplace.name, workplace.employer, workplace.municipality) == (
        "Bostedet Skovlyst",
        employer,
        "Aarhus",
    )


def test_an_amr_deputy_gets_a_short_mail_instead_of_the_welcome(branch, aarhus, consultant, skovlyst):
    factories.PersonFactory(branch=branch, email="louise@example.org")
    signup = pending(aarhus, role="amr_deputy", workplace=skovlyst)
    services.signup_accept(signup=signup, by=consultant)
    assert Mandate.objects.get(role="amr_deputy").workplace == skovlyst
    assert OutboundEmail.objects.filter(template="circles/signup_accepted").count() == 1
    assert not OutboundEmail.objects.filter(template="circles/welcome_representative").exists()


def test_the_consultant_of_another_network_cannot_decide(branch, aarhus, other_consultant, skovlyst, member):
    signup = pending(aarhus, workplace=skovlyst)
    for outsider in (other_consultant, member):
        with pytest.raises(ValidationError):
            services.signup_accept(signup=signup, by=outsider, member_number="1")
        with pytest.raises(ValidationError):
            services.signup_decline(signup=signup, by=outsider, message="Nej")
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.PENDING and not Person.objects.filter(email=signup.email).exists()


def test_the_branch_office_may_decide(branch, aarhus, office, skovlyst):
    signup = pending(aarhus, workplace=skovlyst)
    services.signup_accept(signup=signup, by=office, member_number="20099")
    assert SignUp.objects.get().status == SignUp.Status.ACCEPTED


def test_declining_mails_the_message(branch, aarhus, consultant):
    signup = pending(aarhus)
    with pytest.raises(ValidationError):
        services.signup_decline(signup=signup, by=consultant, message="  ")
    with pytest.raises(ValidationError):
        services.signup_decline(signup=signup, by=consultant, message="x" * (services.MESSAGE_MAX + 1))
    with pytest.raises(ValidationError):
        services.signup_decline(signup=signup, by=consultant, message="a\x00b")
    services.signup_decline(
        signup=signup, by=consultant, message="Netværket er fuldt; vi skriver til dig & andre."
    )
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.DECLINED and signup.decided_by == consultant
    mail = OutboundEmail.objects.get(template="circles/signup_declined")
    assert mail.to.endswith("<louise@example.org>")
    assert "vi skriver til dig & andre." in mail.body_text  # plain text, no HTML escapes
    with pytest.raises(ValidationError, match="ikke længere åben"):
        services.signup_accept(signup=signup, by=consultant, member_number="1")


def test_an_unconfirmed_signup_cannot_be_decided(branch, aarhus, consultant):
    signup = services.signup_submit(**submit_kwargs(branch))
    with pytest.raises(ValidationError, match="ikke længere åben"):
        services.signup_decline(signup=signup, by=consultant, message="Nej")


# Retention ----------------------------------------------------------------------------------------


def test_the_retention_rule(branch, aarhus, consultant):
    now = timezone.now()
    old = now - timedelta(days=services.KEEP_DECIDED_DAYS + 1)
    declined_old = pending(aarhus, status=SignUp.Status.DECLINED, decided_at=old)
    pending(aarhus, status=SignUp.Status.DECLINED, decided_at=now - timedelta(days=10))
    pending(aarhus, confirmed_at=old)  # pending: kept until decided
    stale = pending(
        aarhus,
        status=SignUp.Status.UNCONFIRMED,
        confirmed_at=None,
        confirm_expires_at=now - timedelta(days=services.KEEP_UNCONFIRMED_DAYS + 1),
    )
    pending(
        aarhus,
        status=SignUp.Status.UNCONFIRMED,
        confirmed_at=None,
        confirm_expires_at=now - timedelta(days=1),
    )
    assert set(services.signups_to_delete(now=now)) == {declined_old, stale}


def test_the_demo_sign_ups(db):
    from django.core.management import call_command

    from circles.signup_demo import seed

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    made = seed()
    assert len(made) == 2 and all(s.status == SignUp.Status.PENDING for s in made)
    assert len(seed()) == 2 and SignUp.objects.count() == 2  # a second run adds nothing
    found = services.matches(made)
    assert [len(found[s.pk]) for s in made] == [0, 1]  # a new AMR, and one matching an existing member


@pytest.mark.redis
def test_the_rate_limit_counts_on_redis_too(branch, aarhus, monkeypatch, settings):
    """Production may share the counters between processes in Redis; ``add`` + ``incr`` work there too."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-signups-{branch.pk}",
        }
    }
    import hashlib

    from django.core.cache import cache

    emails = [f"r{n}@example.org" for n in (0, 1, 3)]
    keys = ["signup:ip:192.0.2.1"] + [
        f"signup:email:{hashlib.sha256(e.encode()).hexdigest()}" for e in emails
    ]
    cache.delete_many(keys)  # never a FLUSHDB: the database may be shared
    monkeypatch.setattr(services, "LIMIT_PER_ADDRESS", (2, 60))
    try:
        for n in range(2):
            services.signup_submit(**submit_kwargs(branch, email=f"r{n}@example.org"))
        with pytest.raises(RateLimited):
            services.signup_submit(**submit_kwargs(branch, email="r3@example.org"))
        assert cache.get("signup:ip:192.0.2.1") == 3
    finally:
        cache.delete_many(keys)
    assert SignUp.objects.count() == 2
