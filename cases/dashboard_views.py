"""Supervisor dashboard and the recorded figures for the ministry (thin views)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import employers, permissions, services
from cases.access import role_required
from cases.dashboard.current import current_figures
from cases.dashboard.figures import Figures
from cases.dashboard.params import (
    KNOWN_ON,
    canonical_params,
    known_on_form,
    period_of,
    presets,
    with_known_on,
    with_period,
)
from cases.dashboard.presentation import present
from cases.filters import panel_context
from cases.models import FigureSnapshot
from cases.types import AuthenticatedRequest
from cases.views import export_links

SNAPSHOTS_PER_PAGE = 50


dashboard_required = role_required(permissions.can_view_dashboard)
report_required = role_required(permissions.can_make_figures_report)


@dashboard_required
@require_GET
def dashboard_page(request: AuthenticatedRequest) -> HttpResponse:
    case_filter, current = current_figures(request.user, request.GET)
    known_form = known_on_form(request.GET)
    today = timezone.localdate()
    context: dict[str, Any] = {
        # The period is shown (and chosen with the presets) on its own.
        **panel_context(
            case_filter, request.GET, not_counted=("received_after", "received_before")
        ),
        "presets": [],
        "can_make_report": permissions.can_make_figures_report(request.user),
        "known_form": known_form,
        # What the reference date's form sends along: the filter as it stands.
        "filter_hidden": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (KNOWN_ON, "page")
            for value in values
        ],
    }
    known_on = known_form.cleaned_data[KNOWN_ON] if known_form.is_valid() else None
    if known_form.is_valid():
        # The filter panel keeps the reference date when the filter changes.
        context["panel_hidden"] = [(KNOWN_ON, known_on.isoformat())] if known_on else []
    if case_filter.is_valid():
        params = with_known_on(canonical_params(case_filter), known_on)
        chosen = period_of(canonical_params(case_filter), today)  # as chosen, for the presets
        context["presets"] = [
            (
                preset,
                with_period(params, preset.start, preset.end),
                chosen == (preset.start, preset.end),
            )
            for preset in presets(today)
        ]
    if current is not None:
        query = current.query.urlencode()
        # Employers with a repeat signal today among those of the selected cases, and the
        # list of their cases (the same filter and repeat_employer=yes). Not recorded with
        # the figures: a signal is about today.
        repeat_query = current.params.copy()
        repeat_query["repeat_employer"] = "yes"
        context.update(
            repeat_threshold=settings.REPEAT_MELDINGEN,
            repeat_days=settings.REPEAT_MELDINGEN_DAYS,
            repeat_months=settings.REPEAT_BROKEN_AGREEMENT_MONTHS,
            repeat_employers=employers.flagged_employer_count(current.cases, today),
            repeat_query=repeat_query.urlencode(),
            params=query,
            exports=export_links(
                request.user,
                "dashboard_export",
                query,
                note=_(
                    "Every figure and breakdown on this page, each table on a sheet of its "
                    "own, with the filter and the reference date. Your export is recorded."
                ),
            ),
            # As known on a past day, the figures do not link to the lists: those show the
            # cases as they are now.
            board=present(
                current.figures,
                None if current.known_on else current.params,
                start=current.start,
                end=current.end,
                known_on=current.known_on,
            ),
            description=current.description,
            only_period=current.only_period,
            start=current.start,
            end=current.end,
            known_on=current.known_on,
            paragraph=current.paragraph,
        )
    return render(request, "cases/dashboard/dashboard.html", context)


@report_required
@require_GET
@never_cache
def figures_report(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard's figures for the filter in the query string as a PDF, made now (an
    Event). A filter that is not valid, or a failure, goes back to the dashboard with why."""
    try:
        report = services.figures_report_make(actor=request.user, params=request.GET)
    except (services.ServiceError, ValidationError) as exc:
        text = exc.message if isinstance(exc, services.ServiceError) else " ".join(exc.messages)
        messages.error(request, text)
        return redirect(f"{reverse('dashboard')}?{request.GET.urlencode()}")
    response = HttpResponse(report.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response


class SnapshotForm(forms.Form):
    """What "record the figures" posts: the dashboard's filter as a query string, a label,
    and the paragraph as the page showed it (to tell whether the figures moved meanwhile).
    The service says what is wrong with a label or a filter."""

    filter = forms.CharField(required=False, max_length=4000)
    label = forms.CharField(required=False, max_length=1000)
    seen = forms.CharField(required=False, max_length=20_000)


@dashboard_required
@require_POST
def snapshot_create(request: AuthenticatedRequest) -> HttpResponse:
    form = SnapshotForm(request.POST)
    form.is_valid()
    params = QueryDict(form.cleaned_data.get("filter", ""))
    back = f"{reverse('dashboard')}?{params.urlencode()}"
    if form.errors:
        for errors in form.errors.as_data().values():
            for error in errors:
                messages.error(request, " ".join(error.messages))
        return redirect(back)
    try:
        snapshot = services.snapshot_create(
            actor=request.user, params=params, label=form.cleaned_data["label"]
        )
    except (services.ServiceError, ValidationError) as exc:
        text = exc.message if isinstance(exc, services.ServiceError) else " ".join(exc.messages)
        messages.error(request, text)
        return redirect(back)
    seen = form.cleaned_data["seen"]
    if seen and seen != snapshot.paragraph:
        messages.warning(
            request,
            _(
                "The figures changed after you opened the dashboard. The current figures "
                "have been recorded; check them below."
            ),
        )
    messages.success(request, _("The figures have been recorded."))
    return redirect("snapshot_detail", pk=snapshot.pk)


@dashboard_required
@require_GET
def snapshot_list(request: AuthenticatedRequest) -> HttpResponse:
    snapshots = FigureSnapshot.objects.select_related("created_by").order_by("-created_at", "-pk")
    page = Paginator(snapshots, SNAPSHOTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/dashboard/snapshot_list.html", {"page": page})


@dashboard_required
@require_GET
def snapshot_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    snapshot = get_object_or_404(FigureSnapshot.objects.select_related("created_by"), pk=pk)
    figures = Figures.from_json(snapshot.figures)
    known_form = known_on_form(QueryDict(snapshot.filter_query))
    known_on = known_form.cleaned_data[KNOWN_ON] if known_form.is_valid() else None
    context = {
        "snapshot": snapshot,
        "board": present(
            figures,
            None,
            start=snapshot.period_start,
            end=snapshot.period_end,
            known_on=known_on,
        ),
        "current_url": f"{reverse('dashboard')}?{snapshot.filter_query}",
    }
    return render(request, "cases/dashboard/snapshot_detail.html", context)
