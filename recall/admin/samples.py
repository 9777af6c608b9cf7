from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..audit_labels import official_name
from ..errors import DomainError
from ..models import Ground, SampleDecision, SampleItem, SampleRun
from ..services.ledger import sampling
from .base import ReadOnlyAdmin


class FindingsForm(forms.Form):
    """One choice per sampled signature: valid, or invalid with its ground; "—" leaves it as is."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when an earlier finding is changed; recorded with every finding saved."),
    )

    def __init__(self, *args: Any, items: list[SampleItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), (SampleDecision.VALID.value, SampleDecision.VALID.label)]
        choices += [(f"invalid:{g.value}", f"{SampleDecision.INVALID.label}: {g.label}") for g in Ground]
        self.items = items
        for item in items:
            self.fields[self.name_of(item)] = forms.ChoiceField(
                label=_("Finding on signature #%(id)s (position %(position)s)")
                % {"id": item.signature_id, "position": item.position},
                choices=choices,
                required=False,
            )

    @staticmethod
    def name_of(item: SampleItem) -> str:
        return f"item_{item.pk}"

    def rows(self) -> list[tuple[SampleItem, forms.BoundField]]:
        return [(item, self[self.name_of(item)]) for item in self.items]

    def findings(self) -> list[sampling.Finding]:
        found = []
        for item in self.items:
            value = self.cleaned_data.get(self.name_of(item)) or ""
            if value == SampleDecision.VALID:
                found.append(sampling.Finding(item.pk, valid=True))
            elif value.startswith("invalid:"):
                found.append(sampling.Finding(item.pk, valid=False, ground=value.removeprefix("invalid:")))
        return found


def whole(value: Any) -> str:
    """A projected count of signatures as people count them: a whole number in the page's
    format ("66", "1 204"), not the stored estimate's decimals ("66,00")."""
    return number_format(round(value), decimal_pos=0, force_grouping=True)


@admin.register(SampleRun)
class SampleRunAdmin(ReadOnlyAdmin):
    """Random samples: the seed, the findings so far, and the projection once closed."""

    district_path = "petition__district"
    list_display = [
        "id",
        "petition",
        "seed",
        "population_size",
        "sample_size",
        "decided",
        "projected",
        "outcome",
        "closed_at",
    ]
    list_select_related = ["petition__deputy", "petition__district"]
    readonly_fields = [
        "petition",
        "seed",
        "procedure",
        "population_tree_size",
        "population_size",
        "sample_size",
        "sample_percent",
        "sample_minimum",
        "sufficient_percent",
        "insufficient_percent",
        "started_by_name",
        "started_at",
        "valid_in_sample",
        "duplicates_in_sample",
        "projected",
        "outcome",
        "closed_at",
        "reproduce",
        "findings",
    ]
    fields = readonly_fields
    change_form_template = "admin/recall/samplerun/change_form.html"

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).annotate(found=Count("items", filter=~Q(items__decision="")))

    @admin.display(description=_("projected valid signatures"), ordering="projected_valid")
    def projected(self, run: SampleRun) -> str:
        return whole(run.projected_valid) if run.projected_valid is not None else "—"

    @admin.display(description=_("drawn by"))
    def started_by_name(self, obj: SampleRun) -> str:
        """A name, not a link: an official may not open another official's account page."""
        return official_name(obj.started_by)

    @admin.display(description=_("findings"))
    def decided(self, obj: SampleRun) -> str:
        return f"{obj.found} / {obj.sample_size}"

    @admin.display(description=_("how to reproduce the draw"))
    def reproduce(self, obj: SampleRun) -> str:
        return format_html(
            "<code>python3 tools/verify_ledger.py BASE_URL {}</code> — {}",
            obj.petition_id,
            _(
                "recomputes the seed from its procedure, the population from the public ledger at "
                "checkpoint size %(size)s and the members with recall-draw/v1"
            )
            % {"size": obj.population_tree_size},
        )

    @admin.display(description=_("sampled signatures"))
    def findings(self, obj: SampleRun) -> str:
        change = reverse("admin:recall_samplerun_change", args=[obj.pk])
        rows = [
            (
                item.position,
                item.signature_id,
                item.signature.get_state_display(),
                item.get_decision_display() or "—",
                item.ground,
                reverse("admin:recall_signature_decide", args=[item.signature_id])
                + f"?sample_item={item.pk}&next={change}",
                _("finding"),
            )
            for item in obj.items.select_related("signature").order_by("position")
        ]
        body = format_html_join(
            "",
            '<tr><td>{}</td><td>#{}</td><td>{}</td><td><strong>{}</strong> {}</td><td><a href="{}">{}</a></td></tr>',
            rows,
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("position"),
            _("signature"),
            _("machine"),
            _("finding"),
            body,
        )

    def get_urls(self) -> list:
        return [
            path("<id:pk>/close/", self.admin_site.admin_view(self.close_view), name="recall_samplerun_close"),
            path("<id:pk>/findings/", self.admin_site.admin_view(self.findings_view), name="recall_samplerun_findings"),
            *super().get_urls(),
        ]

    def close_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.get_queryset(request).filter(pk=pk).first()
        if run is not None and request.method == "POST" and request.user.can_act:
            try:
                run = sampling.close_sample(run.pk, actor=request.user)
                messages.success(
                    request,
                    _("Sample closed: projected valid %(p)s, %(outcome)s.")
                    % {"p": whole(run.projected_valid), "outcome": run.get_outcome_display()},
                )
            except DomainError as error:
                messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("admin:recall_samplerun_change", args=[pk]))

    def findings_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Findings for many sampled signatures at once, by keyboard: one choice per row in
        tab order, one save (saved in one transaction: all or none)."""
        run = self.get_queryset(request).select_related("petition").filter(pk=pk).first()
        if run is None or not request.user.can_act or run.closed_at is not None:
            return HttpResponseRedirect(reverse("admin:recall_samplerun_change", args=[pk]))
        items = list(run.items.select_related("signature").order_by("position"))
        initial = {
            FindingsForm.name_of(i): (i.decision if i.decision != SampleDecision.INVALID else f"invalid:{i.ground}")
            for i in items
            if i.decision
        }
        data = request.POST or None
        if data is not None and "rest_valid" in data:
            # "Save, the rest as valid": the official marks the exceptions and every row still
            # without a finding is recorded valid (a 67-signature sample: a few clicks, not 67).
            data = data.copy()
            for item in items:
                name = FindingsForm.name_of(item)
                if not data.get(name) and not item.decision:
                    data[name] = SampleDecision.VALID
        form = FindingsForm(data, items=items, initial=initial)
        if request.method == "POST" and form.is_valid():
            changed = [f for f in form.findings() if _changes(f, {i.pk: i for i in items}[f.item_id])]
            try:
                saved = sampling.decide_items(run.pk, changed, actor=request.user, note=form.cleaned_data["note"])
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    ngettext("%(n)s finding recorded.", "%(n)s findings recorded.", saved) % {"n": saved},
                )
                return HttpResponseRedirect(reverse("admin:recall_samplerun_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Findings on the sampled signatures"),
            "run": run,
            "form": form,
            "decided": sum(1 for i in items if i.decision),
            "opts": SampleRun._meta,
        }
        return TemplateResponse(request, "admin/recall/samplerun/findings.html", context)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> Any:
        context["can_close"] = request.user.can_act and context.get("original") and not context["original"].closed_at
        return super().render_change_form(request, context, *args, **kwargs)


def _changes(finding: sampling.Finding, item: SampleItem) -> bool:
    """A row left as it was recorded is not recorded again (nor audited twice)."""
    decision = SampleDecision.VALID if finding.valid else SampleDecision.INVALID
    return item.decision != decision or (not finding.valid and item.ground != finding.ground)
