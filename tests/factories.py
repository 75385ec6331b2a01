from datetime import date, timedelta

import factory
from django.utils import timezone

from circles import models


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Branch

    name = factory.Sequence(lambda n: f"Kreds {n}")
    union = "Socialpædagogerne"
    office_email = factory.Sequence(lambda n: f"kontor{n}@kreds.example.org")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Employer

    branch = factory.SubFactory(BranchFactory)
    kind = models.Employer.Kind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Kommune {n}")


class WorkplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Workplace

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Bostedet {n}")
    work_area = models.Workplace.WorkArea.HOUSING
    municipality = "Viborg"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Medlem Nummer{n}")
    email = factory.Sequence(lambda n: f"medlem{n}@example.org")
    member_number = factory.Sequence(lambda n: f"{100000 + n}")


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Mandate

    person = factory.SubFactory(PersonFactory)
    role = models.Mandate.Role.TR
    workplace = factory.SubFactory(
        WorkplaceFactory, employer__branch=factory.SelfAttribute("...person.branch")
    )
    elected_on = factory.LazyFunction(lambda: date.today() - timedelta(days=800))


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Network

    branch = factory.SubFactory(BranchFactory)
    kind = models.Network.Kind.TR
    name = factory.Sequence(lambda n: f"TR-netværk {n}")
    employer = factory.SubFactory(EmployerFactory, branch=factory.SelfAttribute("..branch"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    network = factory.SubFactory(NetworkFactory)
    person = factory.SubFactory(PersonFactory, branch=factory.SelfAttribute("..network.branch"))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    network = factory.SubFactory(NetworkFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    place = "Kredskontoret, mødelokale 2"
    theme = "Lønforhandling"
