"""Bulk work on letters, for team leaders (cases/services/batches.py does the work):

- `/brieven/`: the shared filter, the unsent letters it selects, and two actions: make a
  print batch, or regenerate them all with one reason (in the background);
- `/brieven/batches/<pk>/`: a print batch (its combined PDF, recording it as sent) or a
  regeneration job (its progress, updated by static/js/app.js from the JSON of
  `letter_batch_progress`; resuming it after a worker stopped).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import batch_selectors, permissions, services
from cases.access import role_required
from cases.fields import SaneDateField
from cases.filters import filtered_cases, panel_context
from cases.models import BatchKind, LetterBatch
from cases.services import batches
from cases.types import AuthenticatedRequest

batch_worker_required = role_required(permissions.can_run_letter_batches)

FILTERS = [
    "received_after",
    "received_before",
    "state",
    "topic",
    "sector",
    "inspector",
    "q",
]
SHOWN_LETTERS = 50
DATE = {"type": "date"}


class BatchCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=BatchKind.choices)
    filter = forms.CharField(required=False, max_length=4000)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)


class BatchSentForm(forms.Form):
    sent_at = SaneDateField(
        label=gettext_lazy("Sent by post on"),
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sent_at", timezone.localdate())


def _refusal(exc: Exception) -> str:
    if isinstance(exc, services.ServiceError):
        return exc.message
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@batch_worker_required
@require_GET
def letter_batches(request: AuthenticatedRequest) -> HttpResponse:
    case_filter, cases = filtered_cases(request.user, request.GET)
    unsent = batch_selectors.unsent_letters(cases)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **panel_context(case_filter, request.GET, FILTERS),
        "letters": list(unsent[:SHOWN_LETTERS]),
        "unsent_count": unsent.count(),
        "regenerable_count": batch_selectors.regenerable_letters(cases).count(),
        "filter_query": query.urlencode(),
        "batches": batch_selectors.recent_batches(),
        "create_form": BatchCreateForm(),
        "shown_letters": SHOWN_LETTERS,
    }
    return render(request, "cases/batches/index.html", context)


@batch_worker_required
@require_POST
def letter_batch_create(request: AuthenticatedRequest) -> HttpResponse:
    form = BatchCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the letters."))
        return redirect("letter_batches")
    params = QueryDict(form.cleaned_data["filter"])
    back = f"{reverse('letter_batches')}?{params.urlencode()}"
    try:
        if form.cleaned_data["kind"] == BatchKind.PRINT:
            batch = batches.print_batch_create(actor=request.user, params=params)
            messages.success(
                request,
                _(
                    "The print batch has been made. Download it, print it and then record it "
                    "as sent."
                ),
            )
        else:
            batch = batches.regeneration_create(
                actor=request.user, params=params, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The letters are being regenerated in the background."))
    except (services.ServiceError, ValidationError) as exc:
        messages.error(request, _refusal(exc))
        return redirect(back)
    return redirect("letter_batch_detail", pk=batch.pk)


@batch_worker_required
@require_GET
def letter_batch_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(LetterBatch.objects.select_related("created_by"), pk=pk)
    context = {
        "batch": batch,
        "items": batch_selectors.batch_items(batch),
        "progress": batch_selectors.progress(batch),
        "sent_form": BatchSentForm(),
    }
    return render(request, "cases/batches/detail.html", context)


@batch_worker_required
@require_GET
def letter_batch_progress(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    batch = get_object_or_404(LetterBatch, pk=pk)
    progress = batch_selectors.progress(batch)
    return JsonResponse(
        {
            "total": progress.total,
            "done": progress.done,
            "failed": progress.failed,
            "pending": progress.pending,
            "percent": progress.percent,
            "finished": batch.finished_at is not None,
        }
    )


@batch_worker_required
@require_GET
def letter_batch_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(LetterBatch, pk=pk, kind=BatchKind.PRINT)
    try:
        joined = batches.print_batch_pdf(batch=batch, actor=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("letter_batch_detail", pk=batch.pk)
    response = HttpResponse(joined.content, content_type="application/pdf")
    filename = f"afdrukbatch-{batch.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "private, no-store"
    return response


@batch_worker_required
@require_POST
def letter_batch_mark_sent(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(LetterBatch, pk=pk, kind=BatchKind.PRINT)
    form = BatchSentForm(request.POST)
    if form.is_valid():
        try:
            batches.print_batch_mark_sent(
                batch=batch, actor=request.user, sent_at=form.cleaned_data["sent_at"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("letter_batch_detail", pk=batch.pk)
    if form.errors:
        context = {
            "batch": batch,
            "items": batch_selectors.batch_items(batch),
            "progress": batch_selectors.progress(batch),
            "sent_form": form,
        }
        return render(request, "cases/batches/detail.html", context, status=400)
    messages.success(request, _("The letters of this batch have been recorded as sent by post."))
    return redirect("letter_batch_detail", pk=batch.pk)


@batch_worker_required
@require_POST
def letter_batch_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(LetterBatch, pk=pk, kind=BatchKind.REGENERATE)
    chunks = batches.regeneration_resume(batch=batch)
    if chunks:
        messages.success(request, _("The remaining letters have been put in the queue again."))
    else:
        messages.info(request, _("Every letter of this job has been handled already."))
    return redirect("letter_batch_detail", pk=batch.pk)
