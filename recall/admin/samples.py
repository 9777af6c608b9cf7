from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..errors import DomainError
from ..models import SampleRun
from ..services import sampling
from .base import ReadOnlyAdmin


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
        "projected_valid",
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
        "started_by",
        "started_at",
        "valid_in_sample",
        "duplicates_in_sample",
        "projected_valid",
        "outcome",
        "closed_at",
        "reproduce",
        "findings",
    ]
    fields = readonly_fields
    change_form_template = "admin/recall/samplerun/change_form.html"

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).annotate(found=Count("items", filter=~Q(items__decision="")))

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
                    % {"p": run.projected_valid, "outcome": run.get_outcome_display()},
                )
            except DomainError as error:
                messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("admin:recall_samplerun_change", args=[pk]))

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> Any:
        context["can_close"] = request.user.can_act and context.get("original") and not context["original"].closed_at
        return super().render_change_form(request, context, *args, **kwargs)
