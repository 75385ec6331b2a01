"""Who one mail goes to: a member, a staff user, or a branch office. One type for every sender."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    """One mail's addressee.

    ``key`` tells addressees apart in outbox keys: a member's is their id (as it always was), a staff
    user's ``user-<id>``, a branch office's ``office-<id>``. The outbox knows no app's models, so the
    constructors read only the attributes they need.
    """

    name: str
    email: str
    key: str

    @classmethod
    def of_person(cls, person) -> "Recipient":
        return cls(name=person.name, email=person.email, key=str(person.pk))

    @classmethod
    def of_user(cls, user) -> "Recipient":
        return cls(name=user.get_full_name() or user.username, email=user.email, key=f"user-{user.pk}")

    @classmethod
    def of_office(cls, branch) -> "Recipient":
        return cls(name=str(branch), email=branch.office_email, key=f"office-{branch.pk}")
