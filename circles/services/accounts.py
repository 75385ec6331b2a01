"""Logins for members: the office invites a member to choose a password."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from netvaerk.accounts import password_link
from netvaerk.outbox.services import enqueue

from ..models import Person


@transaction.atomic
def person_invite(*, person: Person, by=None):
    """Give a member a login (if they have none) and mail them a link to choose a password."""
    User = get_user_model()
    person = Person.objects.select_for_update(of=("self",)).select_related("branch", "user").get(pk=person.pk)
    user = person.user
    if user is None:
        if User.objects.filter(username__iexact=person.email).exists():
            raise ValidationError(
                _("Der findes allerede en bruger med e-mailen %(email)s.") % {"email": person.email}
            )
        first, _sep, last = person.name.partition(" ")
        user = User(username=person.email.lower(), email=person.email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user"])
    if not user.is_active:
        raise ValidationError(_("Brugeren er deaktiveret og kan ikke inviteres."))
    link = password_link(user)
    enqueue(
        "circles/account_invitation",
        to=user.email,
        to_name=person.name,
        key=f"account-invitation:{user.pk}:{link}",
        context={"person": person, "user": user, "link": link},
        branch=person.branch,
    )
    return user
