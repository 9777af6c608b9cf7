"""The petition page's tools beside the state steps: bulk invalidation with a preview, a
random sample, and the commission's exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiClient

from ..errors import DomainError
from ..models import OFFICIAL_GROUND_CHOICES, PaperImport, Petition, SeedCommitment, SeedRound, policy_for
from ..services import ledger
from ..services.groups import deputies
from ..services.jobs import exports, petition_jobs
from ..services.ledger import sampling
from ..services.verification import review


class BulkForm(forms.Form):
    sheet_number = forms.IntegerField(label=_("Sheet number"), required=False, min_value=1)
    collector = forms.CharField(label=_("Collector"), required=False)
    paper_import = forms.ModelChoiceField(
        label=_("Paper sheet import"), queryset=PaperImport.objects.none(), required=False
    )
    client = forms.ModelChoiceField(label=_("Partner"), queryset=ApiClient.objects.all(), required=False)
    received_from = forms.DateTimeField(
        label=_("Received from"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    received_to = forms.DateTimeField(
        label=_("Received before"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    address_contains = forms.CharField(label=_("Address contains"), required=False)
    ground = forms.ChoiceField(label=_("Ground"), choices=OFFICIAL_GROUND_CHOICES)
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    expected = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, petition: Petition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paper_import"].queryset = PaperImport.objects.filter(petition=petition)

    def clean(self) -> dict:
        data = super().clean()
        for name in ("received_from", "received_to"):
            value = data.get(name)
            if value is not None and not 2000 <= value.year <= 2100:
                self.add_error(name, _("Give a date between 2000 and 2100."))
        return data

    def criteria(self, petition: Petition) -> review.Criteria:
        d = self.cleaned_data
        return review.Criteria(
            petition_id=petition.pk,
            sheet_number=d.get("sheet_number"),
            collector=d.get("collector") or "",
            paper_import_id=d["paper_import"].pk if d.get("paper_import") else None,
            client_id=d["client"].pk if d.get("client") else None,
            received_from=d.get("received_from"),
            received_to=d.get("received_to"),
            address_contains=d.get("address_contains") or "",
        )


class AnswerForm(forms.Form):
    """The deputy's answer as the commission received it (a letter): one or more languages."""

    text_kk = forms.CharField(label=_("Answer in Kazakh"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    text_ru = forms.CharField(label=_("Answer in Russian"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    text_en = forms.CharField(label=_("Answer in English"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def texts(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"text_{lang}", "") for lang in deputies.LANGUAGES}


class PetitionToolsMixin:
    """Mixed into PetitionAdmin."""

    def tool_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<id:pk>/invalidate/", wrap(self.bulk_view), name="recall_petition_invalidate"),
            path("<id:pk>/sample/", wrap(self.sample_view), name="recall_petition_sample"),
            path("<id:pk>/answer/", wrap(self.answer_view), name="recall_petition_answer"),
            path("<id:pk>/export/signatures.csv", wrap(self.export_csv), name="recall_petition_export_csv"),
            path("<id:pk>/export/signatures.pdf", wrap(self.export_pdf), name="recall_petition_export_pdf"),
            path("<id:pk>/export/summary.pdf", wrap(self.summary_pdf), name="recall_petition_summary_pdf"),
        ]

    def _petition(self, request: HttpRequest, pk: int) -> Petition | None:
        return self.get_queryset(request).filter(pk=pk).first()

    def _back(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:recall_petition_change", args=[pk]))

    def bulk_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Step 1 shows the count the criteria select; step 2 (with that count) invalidates."""
        petition = self._petition(request, pk)
        if petition is None or not request.user.can_act:
            return self._back(pk)
        form = BulkForm(request.POST or None, petition=petition)
        preview = None
        if request.method == "POST" and form.is_valid():
            criteria = form.criteria(petition)
            try:
                if request.POST.get("confirm") == "yes":
                    # A worker does it, in one transaction, with progress and a cancel button.
                    job = petition_jobs.request_bulk_invalidation(
                        criteria,
                        actor=request.user,
                        ground=form.cleaned_data["ground"],
                        note=form.cleaned_data["note"],
                        expected=form.cleaned_data["expected"] or 0,
                    )
                    messages.success(request, _("The invalidation runs in the background; its progress is below."))
                    return HttpResponseRedirect(reverse("admin:recall_petitionjob_change", args=[job.pk]))
                preview = review.bulk_preview(criteria)
                form = BulkForm({**request.POST.dict(), "expected": preview}, petition=petition)
                form.is_valid()
            except DomainError as error:
                form.add_error(None, str(error.message))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invalidate signatures by criteria"),
            "petition": petition,
            "form": form,
            "preview": preview,
            "opts": Petition._meta,
        }
        return TemplateResponse(request, "admin/recall/petition/bulk_invalidate.html", context)

    def answer_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Enter the deputy's answer on their behalf: a new public version, marked as entered
        by the commission."""
        petition = self._petition(request, pk)
        if petition is None or not request.user.can_act:
            return self._back(pk)
        latest = petition.answers.order_by("-version").first()
        initial = {f"text_{lang}": text for lang, text in (latest.texts if latest else {}).items()}
        form = AnswerForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                answer = deputies.publish_answer(petition, actor=request.user, texts=form.texts())
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Version %(n)s of the answer is published.") % {"n": answer.version})
                return self._back(pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter the deputy's answer on their behalf"),
            "petition": petition,
            "form": form,
            "answers": petition.answers.order_by("-version"),
            "opts": Petition._meta,
        }
        return TemplateResponse(request, "admin/recall/petition/answer.html", context)

    def sample_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The sample's seed, step by step: the commission's commitment, closing the commitments
        (the beacon round fixed), the commission's reveal, the draw once the round exists. The
        official chooses nothing that moves the seed (recall.services.ledger.sampling)."""
        petition = self._petition(request, pk)
        if petition is None or not request.user.can_act:
            return self._back(pk)
        error_message = ""
        if request.method == "POST":
            steps = {
                "commit": (sampling.commit_for_commission, _("The commission's commitment is in the public ledger.")),
                "fix_round": (sampling.fix_round, _("Commitments closed; the beacon round is fixed.")),
                "reveal": (sampling.reveal_for_commission, _("The commission's reveal is in the public ledger.")),
            }
            action = request.POST.get("action", "")
            try:
                if action == "draw":
                    run = sampling.draw_sample(petition, actor=request.user)
                    messages.success(
                        request,
                        _("Sample of %(n)s signatures drawn with seed %(seed)s.")
                        % {"n": run.sample_size, "seed": run.seed},
                    )
                    return HttpResponseRedirect(reverse("admin:recall_samplerun_change", args=[run.pk]))
                if action in steps:
                    step, done = steps[action]
                    step(petition, actor=request.user)
                    messages.success(request, done)
                return HttpResponseRedirect(reverse("admin:recall_petition_sample", args=[pk]))
            except DomainError as error:
                error_message = str(error.message)
        policy = policy_for(petition.district.level)
        recorded = ledger.recorded_policy(petition.pk)
        raw = petition.received_count - petition.withdrawn_count
        percent = recorded.percent if recorded else policy.sample_percent
        minimum = recorded.minimum if recorded else policy.sample_minimum
        commitments = list(SeedCommitment.objects.filter(petition=petition).order_by("name"))
        fixed = SeedRound.objects.filter(petition=petition).first()
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Draw a random sample"),
            "petition": petition,
            "error": error_message,
            "size": sampling.sample_size(raw, Decimal(percent), minimum) if raw else 0,
            "raw": raw,
            "percent": percent,
            "minimum": minimum,
            "policy": policy,
            "commitments": commitments,
            "round": fixed,
            "reveals_close": sampling.reveals_close(fixed) if fixed else None,
            "can_commit": fixed is None and not any(c.name == sampling.COMMISSION for c in commitments),
            "can_reveal": fixed is not None
            and now < sampling.reveals_close(fixed)
            and any(c.name == sampling.COMMISSION and c.held_reveal for c in commitments),
            "can_draw": fixed is not None and now >= fixed.round_time,
            "drawn": petition.sample_runs.exists(),
            "opts": Petition._meta,
        }
        return TemplateResponse(request, "admin/recall/petition/sample.html", context)

    def export_csv(self, request: HttpRequest, pk: int) -> HttpResponse:
        petition = self._petition(request, pk)
        if petition is None:
            return self._back(pk)
        response = StreamingHttpResponse(exports.signatures_csv(petition), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="petition-{pk}-signatures.csv"'
        return response

    def export_pdf(self, request: HttpRequest, pk: int) -> HttpResponse:
        petition = self._petition(request, pk)
        if petition is None:
            return self._back(pk)
        if petition_jobs.runs_in_background(petition):
            if request.method != "POST":  # a link must not start work: the page asks first
                return TemplateResponse(
                    request,
                    "admin/recall/petition/export_pdf.html",
                    {
                        **self.admin_site.each_context(request),
                        "title": _("PDF of the signatures"),
                        "petition": petition,
                        "opts": Petition._meta,
                    },
                )
            job = petition_jobs.request_signatures_pdf(petition, actor=request.user)
            messages.success(request, _("The PDF is being made in the background; it can be downloaded here."))
            return HttpResponseRedirect(reverse("admin:recall_petitionjob_change", args=[job.pk]))
        try:
            content = exports.signatures_pdf(petition)
        except ImproperlyConfigured as error:  # no font with Kazakh letters on this server
            messages.error(request, str(error))
            return self._back(pk)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="petition-{pk}-signatures.pdf"'
        return response

    def summary_pdf(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Issue the certified summary (kept, and linked from the public page) and download it."""
        petition = self._petition(request, pk)
        if petition is None:
            return self._back(pk)
        try:
            issued = exports.issue_certified_summary(petition.pk, actor=request.user)
        except ImproperlyConfigured as error:
            messages.error(request, str(error))
            return self._back(pk)
        except DomainError as error:
            messages.error(request, str(error.message))
            return self._back(pk)
        response = HttpResponse(bytes(issued.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="petition-{pk}-summary.pdf"'
        return response
