"""The demo's people, as the office would meet them: each can be exported, and each that may be
anonymised leaves no trace of their name or address outside the flagged free text."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from circles.models import Person, User
from netvaerk.privacy.erasure import erasure_possible_from, person_anonymise
from netvaerk.privacy.export import person_export, person_export_html

from .test_erasure import flagged, hits_everywhere

pytestmark = pytest.mark.django_db


def test_every_demo_person_exports_and_the_free_ones_anonymise():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    office = User.objects.get(username="kontor")
    people = list(Person.objects.filter(branch=office.branch).select_related("user"))
    assert len(people) >= 10

    for person in people:
        data = person_export(person, by=office)
        assert data["person"]["name"] == person.name
        person_export_html(data)

    free = [p for p in people if erasure_possible_from(p) is None]
    blocked = [p for p in people if p not in free]
    assert free and blocked  # the demo has claims to keep and people without
    for person in free:
        # names shared with a row nobody erased (a manager, another person) would be a false alarm
        if Person.objects.filter(~Q(pk=person.pk), name__iexact=person.name).exists():
            continue
        name, email = person.name, person.email
        person_anonymise(person, by=office, reason="Demo")
        assert hits_everywhere([name, email]) - flagged(person.pk) == set(), name
