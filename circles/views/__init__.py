from django.contrib import messages
from django.core.exceptions import ValidationError


def show_errors(request, error: ValidationError) -> None:
    """A service refused: show its Danish message(s) on the next page."""
    for message in error.messages:
        messages.error(request, message)
