"""Figures for the ministry: recording the dashboard's figures as they were reported, and
the figures report (PDF) of the dashboard."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import figures_report, permissions
from cases.dashboard import day_counts
from cases.dashboard import figures as dashboard_figures
from cases.dashboard import params as dashboard_params
from cases.dashboard.current import current_figures
from cases.errors import NotPermittedError, ServiceError
from cases.events import record_event
from cases.filters import filtered_cases
from cases.models import EventKind, FigureSnapshot
from cases.services import base
from cases.services.base import clean_text
from cases.types import Actor

LABEL_MAX = 200

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ReportFile:
    pdf: bytes
    filename: str


def figures_report_make(*, actor: Actor, params: Any) -> ReportFile:
    """The dashboard's figures for the shared filter `params` as a PDF report, made now, and
    an Event (who, the filter, the report's sha256 and template version; counts only).

    The figures are read in one transaction with one snapshot of the data (as when they are
    recorded), the PDF rendered after it; a filter that is not valid or a failed rendering
    is a Dutch refusal and writes nothing."""
    if not permissions.can_make_figures_report(actor):
        raise NotPermittedError(_("Only team leaders may make the figures report."))
    with transaction.atomic():
        _read_one_snapshot()
        _filter, current = current_figures(actor, params)
    if current is None:
        raise ValidationError({"filter": _("The filter is invalid; correct it first.")})
    at = base.now()
    name = actor.get_full_name() or actor.get_username()
    report = figures_report.build_figures_report(current, produced_by=name, at=at)
    try:
        pdf = figures_report.render_figures_report(report)
    except Exception as exc:
        # Nothing in the report is melder data: it holds counts and labels.
        logger.exception("Rendering the figures report failed")
        raise ServiceError(
            _(
                "The figures report could not be made. Nothing has been recorded; try again "
                "later or contact the functional administrator."
            ),
            code="render_failed",
        ) from exc
    record_event(
        kind=EventKind.FIGURES_REPORT,
        actor=actor,
        at=at,
        data={
            "filter": current.params.urlencode()[:1000],
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "template_version": figures_report.TEMPLATE_VERSION,
        },
    )
    return ReportFile(pdf=pdf, filename=figures_report.download_filename(current, at))
