"""The welcome of a newly elected TR: the coordinator is to offer a mentor at the next meeting."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .networks import Network
from .people import Mandate, Person


class MentorPrompt(models.Model):
    """ "Tilbyd en mentor til …" on the network's next meeting, until the coordinator marks it done.

    The mentoring app turns it into an offer; until then it is the coordinator's to-do.
    """

    network = models.ForeignKey(
        Network, verbose_name=_("netværk"), on_delete=models.CASCADE, related_name="mentor_prompts"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("ny TR"), on_delete=models.CASCADE, related_name="mentor_prompts"
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("hverv"), on_delete=models.CASCADE, related_name="mentor_prompts"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    done_at = models.DateTimeField(_("klaret"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("klaret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mentortilbud at give")
        verbose_name_plural = _("mentortilbud at give")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "person"],
                condition=Q(done_at__isnull=True),
                name="mentor_prompt_open_once",
            )
        ]

    def __str__(self):
        return str(_("Tilbyd en mentor til %(person)s")) % {"person": self.person}
