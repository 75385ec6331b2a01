"""Logins for members: the office invites a member to choose a password.

Only a member without a password can be invited: a link that sets the password of an account in
use would let whoever gets it take the account over. Someone who has forgotten their password asks
for a reset link themselves, which goes to their own address.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from netvaerk.accounts import password_mail

from ..models import Person


@transaction.atomic
def person_invite(*, person: Person, by=None):
    """Give a member a login (if they have none) and mail them a link to choose their first password."""
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
    if user.has_usable_password():
        raise ValidationError(
            _(
                "Har allerede en adgangskode og kan ikke inviteres igen. Har personen glemt den, "
                "kan de selv bede om et nyt link under »Glemt din adgangskode?« på login-siden."
            )
        )
    password_mail(
        "circles/account_invitation",
        user=user,
        key="account-invitation",
        context={"person": person},
        to_name=person.name,
        branch=person.branch,
    )
    return user
