"""Filters for the coordinator's lists (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Meeting, Minutes


class MeetingFilter(django_filters.FilterSet):
    """A network's meetings through the years: by year, status and where the minutes stand."""

    class MinutesState:
        APPROVED = "godkendt"
        SUBMITTED = "indsendt"
        MISSING = "mangler"
        choices = [
            (APPROVED, _("Godkendt")),
            (SUBMITTED, _("Hos kredskontoret")),
            (MISSING, _("Mangler (afholdt, ikke indsendt)")),
        ]

    aar = django_filters.ChoiceFilter(label=_("År"), empty_label=_("Alle år"), method="filter_year")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Meeting.Status.choices, empty_label=_("Alle")
    )
    referat = django_filters.ChoiceFilter(
        label=_("Referat"), choices=MinutesState.choices, empty_label=_("Alle"), method="filter_minutes"
    )

    class Meta:
        model = Meeting
        fields = []

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["aar"].extra["choices"] = [(str(year), str(year)) for year in years]

    def filter_year(self, queryset, name, value):
        return queryset.filter(starts_at__year=int(value))

    def filter_minutes(self, queryset, name, value):
        if value == self.MinutesState.APPROVED:
            return queryset.filter(minutes__status=Minutes.Status.APPROVED)
        if value == self.MinutesState.SUBMITTED:
            return queryset.filter(minutes__status=Minutes.Status.SUBMITTED)
        done = Minutes.Status.APPROVED, Minutes.Status.SUBMITTED
        return queryset.filter(status=Meeting.Status.HELD).exclude(minutes__status__in=done)
