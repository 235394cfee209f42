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
from django.views.decorators.http import require_GET, require_POST

from cases import employers, permissions, services
from cases.access import role_required
from cases.dashboard.day_counts import figures_for
from cases.dashboard.figures import Figures
from cases.dashboard.params import (
    KNOWN_ON,
    canonical_params,
    describe_filter,
    known_on_form,
    ministry_paragraph,
    only_period,
    period_of,
    presets,
    with_known_on,
    with_period,
)
from cases.dashboard.presentation import present
from cases.filters import filtered_cases, panel_context
from cases.models import FigureSnapshot
from cases.types import AuthenticatedRequest
from cases.views import export_links

SNAPSHOTS_PER_PAGE = 50


dashboard_required = role_required(permissions.can_view_dashboard)


@dashboard_required
@require_GET
def dashboard_page(request: AuthenticatedRequest) -> HttpResponse:
    case_filter, cases = filtered_cases(request.user, request.GET)
    known_form = known_on_form(request.GET)
    today = timezone.localdate()
    context: dict[str, Any] = {
        # The period is shown (and chosen with the presets) on its own.
        **panel_context(
            case_filter, request.GET, not_counted=("received_after", "received_before")
        ),
        "presets": [],
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
        filter_params = canonical_params(case_filter)
        params = with_known_on(filter_params, known_on)
        start, end = period_of(filter_params, today, known_on)
        chosen = period_of(filter_params, today)  # the period as chosen, for the presets
        context["presets"] = [
            (
                preset,
                with_period(params, preset.start, preset.end),
                chosen == (preset.start, preset.end),
            )
            for preset in presets(today)
        ]
    if case_filter.is_valid() and known_form.is_valid():
        figures = figures_for(request.user, case_filter, cases, today, known_on)
        # Employers with a repeat signal today among those of the selected cases, and the
        # list of their cases (the same filter and repeat_employer=yes). Not recorded with
        # the figures: a signal is about today.
        repeat_query = filter_params.copy()
        repeat_query["repeat_employer"] = "yes"
        context.update(
            repeat_threshold=settings.REPEAT_MELDINGEN,
            repeat_days=settings.REPEAT_MELDINGEN_DAYS,
            repeat_months=settings.REPEAT_BROKEN_AGREEMENT_MONTHS,
            repeat_employers=employers.flagged_employer_count(cases, today),
            repeat_query=repeat_query.urlencode(),
        )
        context.update(
            params=params.urlencode(),
            exports=export_links(
                request.user,
                "dashboard_export",
                params.urlencode(),
                note=_(
                    "Every figure and breakdown on this page, each table on a sheet of its "
                    "own, with the filter and the reference date. Your export is recorded."
                ),
            ),
            # As known on a past day, the figures do not link to the lists: those show the
            # cases as they are now.
            board=present(
                figures,
                None if known_on else filter_params,
                start=start,
                end=end,
                known_on=known_on,
            ),
            description=describe_filter(case_filter),
            only_period=only_period(params),
            start=start,
            end=end,
            known_on=known_on,
            paragraph=ministry_paragraph(figures.counts, start, end, known_on),
        )
    return render(request, "cases/dashboard/dashboard.html", context)


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
