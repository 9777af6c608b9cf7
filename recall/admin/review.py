"""The officials' decisions on single signatures: the review queue, later invalidation of a
valid signature, and findings on sampled signatures — one decision page for all three."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .. import iin as iin_module
from ..errors import DomainError
from ..models import (
    OFFICIAL_GROUND_CHOICES,
    Ground,
    ReviewQueue,
    ReviewReason,
    SampleItem,
    Signature,
    SignatureState,
    Voter,
)
from ..services.ledger import sampling
from ..services.verification import review
from .base import ReadOnlyAdmin, scope_queryset


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("valid", _("valid")), ("invalid", _("invalid"))],
        widget=forms.RadioSelect,
    )
    ground = forms.ChoiceField(label=_("Ground"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when an earlier decision is changed."),
    )

    def __init__(self, *args: Any, sample: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Officials decide with the commission's nine grounds; a sample finding may also confirm
        # one the machine found.
        choices = Ground.choices if sample else OFFICIAL_GROUND_CHOICES
        self.fields["ground"].choices = [("", "—"), *choices]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "invalid" and not data.get("ground"):
            self.add_error("ground", _("Choose the ground for an invalid signature."))
        return data


def register_record(signature: Signature) -> Voter | None:
    return Voter.objects.filter(iin_digest=signature.voter_id).select_related("district").first()


def comparison(signature: Signature, voter: Voter | None) -> list[tuple[str, str, str, bool]]:
    """(field, as entered, in the register, differs) for the decision page."""
    entered = signature.personal or {}
    record = voter.personal if voter else {}
    rows = [
        (_("IIN"), iin_module.mask(entered.get("iin", "")), iin_module.mask(record.get("iin", "")) if voter else "—"),
        (_("Full name"), entered.get("full_name", ""), record.get("full_name", "—")),
        (_("Date of birth"), entered.get("birth_date", ""), record.get("birth_date", "—")),
        (_("Address"), entered.get("address", ""), record.get("address", "—")),
        (_("District"), str(signature.petition.district), str(voter.district) if voter else "—"),
        (_("Register status"), "", voter.get_status_display() if voter else _("not in the register")),
    ]
    return [(str(label), a, b, bool(voter) and a != b and a != "") for label, a, b in rows]


def decide_view(model_admin: admin.ModelAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the signature beside its register record; POST: the decision."""
    signatures = scope_queryset(
        Signature.objects.select_related("petition__district", "petition__deputy"), request, "petition__district"
    )
    signature = signatures.filter(pk=pk).first()
    if signature is None:
        messages.error(request, _("No such signature in your jurisdiction."))
        return HttpResponseRedirect(reverse("admin:recall_reviewqueue_changelist"))
    item = None
    if request.GET.get("sample_item", "").isdigit():
        item = (
            SampleItem.objects.filter(pk=request.GET["sample_item"], signature=signature).select_related("run").first()
        )
    next_url = request.GET.get("next") or reverse("admin:recall_reviewqueue_changelist")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:recall_reviewqueue_changelist")
    form = DecisionForm(request.POST or None, initial={"ground": signature.ground}, sample=item is not None)
    if request.method == "POST" and request.user.can_act and form.is_valid():
        valid = form.cleaned_data["decision"] == "valid"
        try:
            if item is not None:
                sampling.decide_item(
                    item.pk,
                    actor=request.user,
                    valid=valid,
                    ground=form.cleaned_data["ground"],
                    note=form.cleaned_data["note"],
                )
            else:
                review.decide(
                    signature.pk,
                    actor=request.user,
                    valid=valid,
                    ground=form.cleaned_data["ground"],
                    note=form.cleaned_data["note"],
                )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Decision recorded for signature #%(id)s.") % {"id": signature.pk})
            return HttpResponseRedirect(next_url)
    voter = register_record(signature)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Decide on signature #%(id)s") % {"id": signature.pk},
        "signature": signature,
        "rows": comparison(signature, voter),
        "name": review.name_comparison(signature, voter),
        "reasons": [ReviewReason(r).label for r in signature.review_reasons or []],
        "form": form,
        "item": item,
        "next": next_url,
        "can_act": request.user.can_act,
        "opts": ReviewQueue._meta,
    }
    return TemplateResponse(request, "admin/recall/decide.html", context)


@admin.register(ReviewQueue)
class ReviewQueueAdmin(ReadOnlyAdmin):
    """Signatures whose data differs from the register; each waits for an official."""

    district_path = "petition__district"
    list_display = ["id", "petition_ref", "masked_iin", "entered_name", "register_name", "reasons", "decide"]
    list_filter = ["channel", ("petition", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["petition__deputy", "petition__district"]
    show_full_result_count = False
    ordering = ["petition", "id"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        # Served by the partial index signature_awaiting_review.
        return super().get_queryset(request).filter(state=SignatureState.REVIEW)

    def get_urls(self) -> list:
        return [
            path(
                "<id:pk>/decide/",
                self.admin_site.admin_view(lambda r, pk: decide_view(self, r, pk)),
                name="recall_signature_decide",
            ),
            *super().get_urls(),
        ]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        digests = [s.voter_id for s in changelist.result_list]
        names = {v.iin_digest: v.full_name for v in Voter.objects.filter(iin_digest__in=digests)}
        for signature in changelist.result_list:
            signature.register_full_name = names.get(signature.voter_id, "—")
        return changelist

    @admin.display(description=_("petition"), ordering="petition")
    def petition_ref(self, obj: Signature) -> str:
        return f"#{obj.petition_id} {obj.petition.district.code}"

    @admin.display(description=_("IIN"))
    def masked_iin(self, obj: Signature) -> str:
        return obj.masked_iin

    @admin.display(description=_("name as entered"))
    def entered_name(self, obj: Signature) -> str:
        return (obj.personal or {}).get("full_name", "")

    @admin.display(description=_("name in the register"))
    def register_name(self, obj: Signature) -> str:
        return getattr(obj, "register_full_name", "—")

    @admin.display(description=_("why"))
    def reasons(self, obj: Signature) -> str:
        return ", ".join(str(ReviewReason(r).label) for r in obj.review_reasons or [])

    @admin.display(description="")
    def decide(self, obj: Signature) -> str:
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse("admin:recall_signature_decide", args=[obj.pk]), _("Decide")
        )
