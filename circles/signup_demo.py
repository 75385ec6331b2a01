"""Demo data for the AMR sign-up (called from ``seed_demo``): two confirmed sign-ups waiting in the
queue of Kreds Østjylland's consultant ("konsulent"), one from a new AMR and one that matches an
existing member. Running it again adds nothing."""

from django.utils import timezone

from .models import Branch, Network, Person, SignUp, Workplace

BRANCH = "Kreds Østjylland"


def seed(stdout=None) -> list[SignUp]:
    branch = Branch.objects.filter(name=BRANCH).first()
    if branch is None:
        return []
    aarhus = Network.objects.filter(branch=branch, name="AMR-netværk Kommunegruppe Aarhus").first()
    randers = Network.objects.filter(
        branch=branch, name="TR- og AMR-netværk Kommunegruppe Randers-Norddjurs"
    ).first()
    known = Person.objects.filter(
        branch=branch, member_number="20008"
    ).first()  # Frederik Ravn, TR in Randers
    now = timezone.now()
    wanted = []
    if aarhus is not None:
        wanted.append(
            (
                aarhus,
                {
                    "name": "Signe Dam",
                    "email": "signe.dam@example.org",
                    "phone": "+45 20 55 12 34",
                    "workplace": Workplace.objects.filter(
                        employer__branch=branch, name="Døgntilbuddet Egebo"
                    ).first(),
                    "municipality": "Aarhus",
                    "role": SignUp.ROLES[0][0],
                },
            )
        )
    if randers is not None and known is not None:
        wanted.append(
            (
                randers,
                {
                    "name": known.name,
                    "email": known.email,
                    "member_number": known.member_number,
                    "workplace": Workplace.objects.filter(
                        employer__branch=branch, name="Værestedet Tøjhushaven"
                    ).first(),
                    "municipality": "Randers",
                    "role": SignUp.ROLES[1][0],
                },
            )
        )
    made = []
    for network, fields in wanted:
        signup, _created = SignUp.objects.get_or_create(
            network=network,
            email=fields["email"],
            defaults={
                **fields,
                "branch": branch,
                "consent_at": now,
                "confirmed_at": now,
                "status": SignUp.Status.PENDING,
            },
        )
        made.append(signup)
    if stdout is not None:
        stdout.write(f"Tilmeldinger til AMR-netværk: {len(made)} venter hos konsulenten (/tilmeldinger/).")
    return made
