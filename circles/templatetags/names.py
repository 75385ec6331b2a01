"""How a user is named on pages: the member's name, else the full name, else the username."""

from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)  # a missing member record raises an AttributeError
    return (person.name if person is not None else "") or user.get_full_name() or user.get_username()
