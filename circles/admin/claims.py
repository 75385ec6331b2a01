"""Admin for release time and mileage: the office's queue, the employers' bills, reconciliation and
the bookkeeper's export.

A claim is never edited by hand: its page shows it and offers the decision (approve, or reject with a
reason); bills are recorded against the approved claims they cover and marked refunded. Every change
goes through ``circles.services.claims_review``.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from netvaerk.privacy.log import record

from ..models import Branch, EmployerBill, MileageRate, ReleaseClaim
from ..services import claims_review as services
from .filters import QueueStatusFilter
from .networks import ServiceSaveAdmin
from .scoping import BranchScopedAdmin

Status = ReleaseClaim.Status


# Forms --------------------------------------------------------------------------------------------


class DanishDecimalField(forms.DecimalField):
    """Accepts "1.234,50", "1234,50" and "1234.50"; letters or a minus sign get a clear message."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        text = re.sub(r"(?i)(kr\.?|dkk)$", "", text)
        if text.startswith("-") or text.startswith("\u2212"):
            raise ValidationError(_("Skriv tallet uden minus: det kan ikke være negativt."), code="negative")
        if not re.fullmatch(r"[\d.,]+", text):
            raise ValidationError(_("Skriv kun tal, fx 1.234,50."), code="invalid")
        if "," in text:
            whole, _sep, decimals = text.rpartition(",")
            if "," in whole or "." in decimals:
                raise ValidationError(_("Skriv tallet som 1.234,50."), code="invalid")
            text = whole.replace(".", "") + "." + decimals
        elif text.count(".") > 1 or re.fullmatch(r"\d{1,3}\.\d{3}", text):
            text = text.replace(".", "")  # thousands separators: "1.234" is one thousand two hundred ...
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError(_("Skriv tallet som 1.234,50."), code="invalid") from error
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return services._danish_number(value)
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Begrundelse for afvisning"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={
            "required": gettext_lazy("Skriv en begrundelse for afvisningen."),
            "max_length": gettext_lazy(
                "Begrundelsen må højst være %(limit_value)d tegn (den er %(show_value)d)."
            ),
        },
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("Fra dato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=gettext_lazy("Til dato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Kreds"), queryset=Branch.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_superuser:
            self.fields["branch"].queryset = Branch.objects.all()
        else:
            del self.fields["branch"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("Fra-datoen skal ligge før til-datoen."))
            if (end - start).days > 3 * 366:
                raise ValidationError(_("Vælg en periode på højst tre år."))
        if "branch" in self.fields and not data.get("branch") and self.user.branch_id is None:
            raise ValidationError(_("Vælg en kreds."))
        return data

    def branch_id(self) -> int | None:
        if "branch" in self.fields and self.cleaned_data.get("branch"):
            return self.cleaned_data["branch"].pk
        return self.user.branch_id


class ExportForm(PeriodForm):
    STATUS_CHOICES = [
        ("approved", gettext_lazy("Godkendte (ikke faktureret endnu)")),
        ("billed", gettext_lazy("Faktureret og refunderet")),
        ("all", gettext_lazy("Alle godkendte, fakturerede og refunderede")),
    ]
    which = forms.ChoiceField(label=gettext_lazy("Krav"), choices=STATUS_CHOICES, initial="all")
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV (dansk Excel)")],
        initial="xlsx",
    )

    def statuses(self):
        return {
            "approved": (Status.APPROVED,),
            "billed": (Status.BILLED, Status.REFUNDED),
            "all": services.EXPORTABLE,
        }[self.cleaned_data["which"]]


def _year_period(today: date) -> dict:
    return {"start": date(today.year, 1, 1).isoformat(), "end": date(today.year, 12, 31).isoformat()}


# Claims -------------------------------------------------------------------------------------------


class ClaimStatusFilter(QueueStatusFilter):
    statuses = Status
    default = Status.SUBMITTED


class AttentionFilter(admin.SimpleListFilter):
    title = gettext_lazy("til opmærksomhed")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("ja", _("Ja")), ("nej", _("Nej"))]

    def queryset(self, request, queryset):
        if self.value() == "ja":
            return queryset.exclude(needs_attention="")
        if self.value() == "nej":
            return queryset.filter(needs_attention="")
        return queryset


@admin.register(ReleaseClaim)
class ReleaseClaimAdmin(BranchScopedAdmin):
    """The office's queue: submitted claims first; approve, reject with a reason, or bulk approve."""

    list_display = [
        "work_date",
        "kind",
        "claimant_name",
        "network",
        "employer",
        "extent",
        "amount_shown",
        "status",
        "attention",
    ]
    list_filter = [
        ClaimStatusFilter,
        AttentionFilter,
        "kind",
        ("work_date", admin.DateFieldListFilter),
    ]
    list_select_related = ["claimant", "network", "employer", "branch"]
    search_fields = ["claimant__name", "network__name"]
    actions = ["approve"]
    date_hierarchy = None
    fields = [
        "attention_detail",
        "kind",
        "status",
        "claimant",
        "filed_by",
        "branch",
        "network",
        "meeting",
        "reference",
        "work_date",
        "employer",
        "payroll_office",
        "hours",
        "hours_cap",
        "leave_noted",
        "km",
        "route_from",
        "route_to",
        "workplace_declined",
        "amount",
        "note",
        "submitted_at",
        "decided_by",
        "decided_at",
        "reject_reason",
        "bill",
        "refunded_at",
        "refunded_by",
    ]
    readonly_fields = fields

    def get_list_filter(self, request):
        filters = list(self.list_filter)
        if request.user.is_superuser:
            filters.append("branch")
        filters.append(("employer", admin.RelatedOnlyFieldListFilter))
        filters.append(("network", admin.RelatedOnlyFieldListFilter))
        return filters

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a claim is history: rejected or withdrawn, never deleted

    @admin.display(description=gettext_lazy("medlem"), ordering="claimant__name")
    def claimant_name(self, obj):
        return obj.claimant.name

    @admin.display(description=gettext_lazy("timer / km"))
    def extent(self, obj):
        if obj.kind == ReleaseClaim.Kind.MILEAGE:
            return f"{obj.km} km"
        return f"{services._danish_number(obj.hours)} t"

    @admin.display(description=gettext_lazy("beløb (kr.)"))
    def amount_shown(self, obj):
        return services._danish_number(services.claim_amount(obj))

    @admin.display(description=gettext_lazy("opmærksomhed"))
    def attention(self, obj):
        if not obj.needs_attention:
            return ""
        return format_html('<mark title="{}">⚠ {}</mark>', obj.needs_attention, obj.needs_attention[:60])

    @admin.display(description=gettext_lazy("til kredskontorets opmærksomhed"))
    def attention_detail(self, obj):
        if not obj.needs_attention:
            return "—"
        return format_html("<mark>⚠ {}</mark>", obj.needs_attention)

    def get_urls(self):
        urls = [
            path(
                "afstemning/",
                self.admin_site.admin_view(self.reconciliation_view),
                name="circles_claims_reconciliation",
            ),
            path("eksport/", self.admin_site.admin_view(self.export_view), name="circles_claims_export"),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "reconciliation_url": reverse("admin:circles_claims_reconciliation"),
            "export_url": reverse("admin:circles_claims_export"),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        if (
            request.method == "POST"
            and claim is not None
            and ("_approve" in request.POST or "_reject" in request.POST)
        ):
            return self._decide_one(request, claim)
        extra_context = {
            **(extra_context or {}),
            "reject_form": RejectForm(),
            "show_decision": claim is not None and claim.status == Status.SUBMITTED,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if claim is not None:
            extra_context["title"] = _("%(kind)s: %(name)s, %(date)s") % {
                "kind": claim.get_kind_display(),
                "name": claim.claimant.name,
                "date": claim.work_date.strftime("%d.%m.%Y"),
            }
            extra_context["subtitle"] = None
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide_one(self, request, claim):
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        try:
            if "_approve" in request.POST:
                services.claim_approve(claim_id=claim.pk, by=request.user)
                self.message_user(
                    request, _("Kravet er godkendt, og medlemmet har fået besked."), messages.SUCCESS
                )
            else:
                form = RejectForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors["reason"].as_data())
                services.claim_reject(claim_id=claim.pk, by=request.user, reason=form.cleaned_data["reason"])
                self.message_user(
                    request, _("Kravet er afvist, og medlemmet har fået begrundelsen."), messages.SUCCESS
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse("admin:circles_releaseclaim_changelist"))

    @admin.action(description=gettext_lazy("Godkend valgte krav"), permissions=["change"])
    def approve(self, request, queryset):
        approved = 0
        for claim in queryset.select_related("claimant"):
            try:
                services.claim_approve(claim_id=claim.pk, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{claim}: {' '.join(error.messages)}", messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(count)d krav er godkendt.", "%(count)d krav er godkendt.", approved)
                % {"count": approved},
                messages.SUCCESS,
            )

    # reconciliation and export

    def _context(self, request, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "has_view_permission": True,
        }

    def reconciliation_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.GET or _year_period(timezone.localdate()), user=request.user)
        result = None
        if form.is_valid():
            branch = Branch.objects.get(pk=form.branch_id())
            result = services.reconcile(
                branch=branch, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        context = {
            **self._context(request, _("Afstemning af arbejdsgivernes regninger")),
            "form": form,
            "result": result,
            "bills_url": reverse("admin:circles_employerbill_changelist"),
        }
        return TemplateResponse(request, "admin/circles/claims/reconciliation.html", context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None, user=request.user, initial=_year_period(timezone.localdate()))
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            claims = services.export_claims(
                branch_id=form.branch_id(), start=start, end=end, statuses=form.statuses()
            )
            groups = services.export_groups(claims)
            name = f"frikoeb-{start:%Y%m%d}-{end:%Y%m%d}"
            record(
                request,
                "export",
                _("Frikøb og kørsel %(start)s–%(end)s (%(format)s)")
                % {
                    "start": f"{start:%d.%m.%Y}",
                    "end": f"{end:%d.%m.%Y}",
                    "format": form.cleaned_data["format"],
                },
            )
            if form.cleaned_data["format"] == "csv":
                response = HttpResponse(services.export_csv(groups), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            else:
                title = _("Frikøb og kørsel %(start)s–%(end)s") % {
                    "start": start.strftime("%d.%m.%Y"),
                    "end": end.strftime("%d.%m.%Y"),
                }
                response = HttpResponse(
                    services.export_xlsx(groups, title=title),
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        context = {**self._context(request, _("Eksportér frikøb og kørsel til bogholderiet")), "form": form}
        return TemplateResponse(request, "admin/circles/claims/export.html", context)


# Bills --------------------------------------------------------------------------------------------


class ClaimChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, claim):
        return _("%(date)s – %(name)s – %(hours)s timer – %(employer)s") % {
            "date": claim.work_date.strftime("%d.%m.%Y"),
            "name": claim.claimant.name,
            "hours": services._danish_number(claim.hours),
            "employer": claim.employer.name if claim.employer else "—",
        }


class BillForm(forms.ModelForm):
    amount = DanishDecimalField(label=gettext_lazy("beløb (kr.)"), max_digits=10, decimal_places=2)
    hours = DanishDecimalField(
        label=gettext_lazy("timer faktureret"), max_digits=7, decimal_places=2, required=False
    )
    claims = ClaimChoices(
        label=gettext_lazy("krav, regningen dækker"),
        queryset=ReleaseClaim.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Godkendte frikøb for arbejdsgiveren, som endnu ikke er faktureret."),
    )

    class Meta:
        model = EmployerBill
        fields = ["employer", "payroll_office", "invoice_number", "invoice_date", "hours", "amount"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = request.user
        employer_id = self.data.get("employer") or self.initial.get("employer")
        branch_id = None if user.is_superuser else user.branch_id
        queryset = services.billable_claims(branch_id).select_related("claimant", "employer")
        if employer_id and str(employer_id).isdigit() and len(str(employer_id)) < 10:
            queryset = queryset.filter(employer_id=int(employer_id))
        self.fields["claims"].queryset = queryset.order_by("work_date", "claimant__name", "pk")
        self.fields["invoice_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self):
        data = super().clean()
        employer = data.get("employer")
        for claim in data.get("claims") or []:
            if employer is not None and claim.employer_id != employer.pk:
                self.add_error(
                    "claims", _("Kravet %(claim)s gælder en anden arbejdsgiver.") % {"claim": claim}
                )
        return data


@admin.register(EmployerBill)
class EmployerBillAdmin(ServiceSaveAdmin, BranchScopedAdmin):
    """Bills are recorded once, against the approved claims they cover; then marked refunded."""

    form = BillForm
    list_display = [
        "invoice_date",
        "invoice_number",
        "employer",
        "payroll_office",
        "hours",
        "amount",
        "claim_count",
        "refund_state",
    ]
    list_filter = [
        ("employer", admin.RelatedOnlyFieldListFilter),
        ("invoice_date", admin.DateFieldListFilter),
    ]
    list_select_related = ["employer"]
    search_fields = ["invoice_number", "employer__name", "payroll_office"]
    actions = ["refund"]
    shown = [
        "branch",
        "employer",
        "payroll_office",
        "invoice_number",
        "invoice_date",
        "hours",
        "amount",
        "recorded_by",
        "recorded_at",
        "covered_claims",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                claims_total=Count("claims"),
                claims_refunded=Count("claims", filter=Q(claims__status=Status.REFUNDED)),
            )
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "employer",
                "payroll_office",
                "invoice_number",
                "invoice_date",
                "hours",
                "amount",
                "claims",
            ]
        return self.shown

    def get_readonly_fields(self, request, obj=None):
        return self.shown if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
            return super().get_form(request, obj, **kwargs)
        form = super().get_form(request, obj, **kwargs)

        class RequestBillForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestBillForm

    def has_delete_permission(self, request, obj=None):
        return False  # a recorded bill is the bookkeeper's evidence

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        with self.refusal_shown_on_form():
            bill = services.bill_record(
                data=services.BillData(
                    employer=data["employer"],
                    invoice_number=data["invoice_number"],
                    invoice_date=data["invoice_date"],
                    amount=data["amount"],
                    hours=data.get("hours"),
                    payroll_office=data.get("payroll_office") or "",
                ),
                claim_ids=[claim.pk for claim in data.get("claims") or []],
                by=request.user,
            )
        obj.pk = bill.pk
        obj.branch_id = bill.branch_id
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # the service has linked the claims

    @admin.display(description=gettext_lazy("krav"), ordering="claims_total")
    def claim_count(self, obj):
        return obj.claims_total

    @admin.display(description=gettext_lazy("refunderet"))
    def refund_state(self, obj):
        if not obj.claims_total:
            return format_html("<mark>{}</mark>", _("dækker ingen krav"))
        if obj.claims_refunded == obj.claims_total:
            return _("ja")
        return _("nej")

    @admin.display(description=gettext_lazy("dækkede krav"))
    def covered_claims(self, obj):
        claims = obj.claims.select_related("claimant").order_by("work_date", "pk")
        items = [
            format_html(
                '<li><a href="{}">{} – {} – {} timer – {}</a></li>',
                reverse("admin:circles_releaseclaim_change", args=[claim.pk]),
                claim.work_date.strftime("%d.%m.%Y"),
                claim.claimant.name,
                services._danish_number(claim.hours),
                claim.get_status_display(),
            )
            for claim in claims
        ]
        if not items:
            return format_html("<mark>{}</mark>", _("Regningen dækker ingen krav."))
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bill = self.get_object(request, object_id)
        if request.method == "POST" and bill is not None and "_refund" in request.POST:
            if not self.has_change_permission(request, bill):
                raise PermissionDenied
            try:
                count = services.claims_refund(bill_id=bill.pk, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(
                request,
                ngettext(
                    "%(count)d krav er markeret som refunderet.",
                    "%(count)d krav er markeret som refunderet.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        extra_context = {
            **(extra_context or {}),
            "show_refund": bill is not None and bill.claims_total > bill.claims_refunded,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        if bill is not None:
            extra_context["title"] = _("Regning %(number)s fra %(employer)s") % {
                "number": bill.invoice_number,
                "employer": bill.employer,
            }
            extra_context["subtitle"] = None
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "reconciliation_url": reverse("admin:circles_claims_reconciliation"),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=gettext_lazy("Markér valgte regningers krav som refunderet"), permissions=["change"]
    )
    def refund(self, request, queryset):
        total = 0
        for bill in queryset:
            try:
                total += services.claims_refund(bill_id=bill.pk, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{bill}: {' '.join(error.messages)}", messages.WARNING)
        if total:
            self.message_user(
                request,
                ngettext(
                    "%(count)d krav er markeret som refunderet.",
                    "%(count)d krav er markeret som refunderet.",
                    total,
                )
                % {"count": total},
                messages.SUCCESS,
            )


@admin.register(MileageRate)
class MileageRateAdmin(BranchScopedAdmin):
    """The branch's rate table: a rate per km up to a yearly threshold per person, a lower one above."""

    branch_from_user = True
    list_display = ["year", "rate", "threshold_km", "rate_above", "branch"]
    fields = ["branch", "year", "rate", "threshold_km", "rate_above"]
