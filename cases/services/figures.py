"""Figures for the ministry: recording the dashboard's figures as they were reported."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.dashboard import day_counts
from cases.dashboard import figures as dashboard_figures
from cases.dashboard import params as dashboard_params
from cases.errors import NotPermittedError
from cases.events import record_event
from cases.filters import filtered_cases
from cases.models import EventKind, FigureSnapshot
from cases.services import base
from cases.services.base import clean_text
from cases.types import Actor

LABEL_MAX = 200


def _read_one_snapshot() -> None:
    """Make the transaction just opened see one snapshot of the data in all its statements,
    so the recorded headline and breakdowns (two queries) always agree.

    PostgreSQL's default READ COMMITTED gives each statement its own snapshot; REPEATABLE
    READ gives the whole transaction one. It must be the transaction's first statement, so
    this applies to an outermost transaction only (a request; not inside a test's
    transaction). SQLite transactions already read one snapshot.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def snapshot_create(*, actor: Actor, params: Any, label: str = "") -> FigureSnapshot:
    """Freeze the dashboard figures for the shared filter `params` as a FigureSnapshot:
    the figures (breakdowns included), the canonical filter (with the reference date
    `known_on`, when given: the figures as known at the end of that day), the generated
    paragraph, who and when. Supervisors only; written with an Event (no melder data:
    counts only)."""
    if not permissions.can_view_dashboard(actor):
        raise NotPermittedError(_("Only team leaders may record figures."))
    label = clean_text(label, "label", required=False, max_length=LABEL_MAX)
    with transaction.atomic():
        _read_one_snapshot()
        case_filter, cases = filtered_cases(actor, params)
        if not case_filter.is_valid():
            raise ValidationError({"filter": _("The filter is invalid; correct it first.")})
        known_form = dashboard_params.known_on_form(params)
        if not known_form.is_valid():
            raise ValidationError({"known_on": known_form.errors["known_on"]})
        known_on = known_form.cleaned_data["known_on"]
        filter_params = dashboard_params.canonical_params(case_filter)
        canonical = dashboard_params.with_known_on(filter_params, known_on)
        now = base.now()
        today = timezone.localdate(now)
        figures = day_counts.figures_for(actor, case_filter, cases, today, known_on)
        start, end = dashboard_params.period_of(filter_params, today, known_on)
        snapshot = FigureSnapshot.objects.create(
            created_at=now,
            created_by=actor,
            label=label,
            filter_query=canonical.urlencode(),
            filter_description=[
                list(pair)
                for pair in dashboard_params.describe_filter(case_filter)
                + dashboard_params.describe_known_on(known_on)
            ],
            period_start=start,
            period_end=end,
            received=figures.counts.received,
            investigated=figures.counts.investigated,
            only_not_allowed=figures.counts.only_not_allowed,
            paragraph=dashboard_params.ministry_paragraph(figures.counts, start, end, known_on),
            figures=figures.to_json(),
            schema_version=dashboard_figures.SCHEMA_VERSION,
        )
        record_event(
            kind=EventKind.FIGURES_FROZEN,
            actor=actor,
            at=now,
            data={"snapshot_id": snapshot.pk, "filter": snapshot.filter_query[:1000]},
        )
    return snapshot
