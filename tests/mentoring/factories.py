"""Factories for the mentor programme. ``MentorFactory`` makes an eligible mentor: a person with an
active TR mandate, a completed TR training and a willing ``Mentor`` row with room for one mentee."""

from datetime import date, timedelta

import factory

from circles.models import Mandate
from mentoring import models
from tests import factories


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Programme

    branch = factory.SubFactory(factories.BranchFactory)
    name = factory.Sequence(lambda n: f"Mentorordning {n}")
    contact_name = "Konsulent Kirsten"
    contact_email = factory.Sequence(lambda n: f"mentor{n}@kreds.example.org")


class MentorPersonFactory(factories.PersonFactory):
    """A TR of five years' standing who has completed the TR training."""

    class Meta:
        skip_postgeneration_save = True

    tr_training_completed_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3 * 365))
    mandate = factory.RelatedFactory(
        factories.MandateFactory,
        factory_related_name="person",
        role=Mandate.Role.TR,
        elected_on=factory.LazyFunction(lambda: date.today() - timedelta(days=5 * 365)),
    )


class MentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Mentor

    person = factory.SubFactory(MentorPersonFactory)
    willing = True
    capacity = 1


class NewTRFactory(factories.PersonFactory):
    """A newly elected TR (a month ago), no TR training yet."""

    class Meta:
        skip_postgeneration_save = True

    mandate = factory.RelatedFactory(
        factories.MandateFactory,
        factory_related_name="person",
        role=Mandate.Role.TR,
        elected_on=factory.LazyFunction(lambda: date.today() - timedelta(days=30)),
    )


class MentorRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MentorRequest

    programme = factory.SubFactory(ProgrammeFactory)
    mentee = factory.SubFactory(NewTRFactory, branch=factory.SelfAttribute("..programme.branch"))
    source = models.MentorRequest.Source.OFFICE
