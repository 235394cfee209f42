"""The figures report: the dashboard's figures for one filter as an archival PDF for the
ministry.

Built from the same `CurrentFigures` as the dashboard page (`cases.dashboard.current`) and
presented with the same `present` (labels, definitions, breakdown rows, the weekly chart's
geometry and SVG), without links. The context is plain strings and numbers: the figures are
counts, the only names in it are the team leader who made it, the assignees of the
per-assignee table and the sectors. Rendered like the letters (`cases.letters.render_pdf`):
the URL sandbox of `static/letters/`, the bundled fonts embedded, PDF/A-2a with tags,
`/Lang nl` and the title from the document's <title>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cases.dashboard.current import CurrentFigures
from cases.dashboard.presentation import Cell, Dashboard, present
from cases.letters import ASSET_ROOT, dutch_date, files_fingerprint, render_pdf

REPORT_TEMPLATE = "cases/letters/figures_report.html"
# Bump when the report's template or stylesheet changes; recorded in the report's Event.
# tests/test_figures_report.py pins template_fingerprint(), so a change cannot slip through.
TEMPLATE_VERSION = "cijferrapportage-1.0"
TEMPLATE_FILES: tuple[Path, ...] = (
    Path(settings.BASE_DIR) / "templates" / REPORT_TEMPLATE,
    ASSET_ROOT / "report.css",
)


@dataclass(frozen=True)
class ReportFigure:
    """A headline figure with its definition."""

    key: str
    label: str
    count: str  # the number, or "not recorded"
    note: str  # e.g. "on 30 november 2026", "12 employers"
    definition: str
    primary: bool


@dataclass(frozen=True)
class ReportRow:
    label: str
    count: int
    share: str  # percentage of the table's total, "12,5 %"


@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    column: str
    rows: tuple[ReportRow, ...]
    total: int
    total_label: str
    note: str = ""


@dataclass(frozen=True)
class ReportWeek:
    week: str  # "Week 4 van 2021"
    dates: str  # "25 jan – 31 jan 2021"
    count: int


@dataclass(frozen=True)
class FiguresReport:
    """Everything the report's template can see."""

    title: str
    created: str  # ISO 8601, for the document's metadata
    produced: str  # "30 november 2026, 09:12"
    produced_by: str
    period: str
    reference_date: str
    reference_text: str  # what the reference date means for these figures
    filters: tuple[tuple[str, str], ...]  # empty: the period alone
    paragraph: str
    headline: tuple[ReportFigure, ...]
    invariant: str
    tables: tuple[ReportTable, ...]
    chart_svg: SafeString  # the dashboard's chart (grid, bars, axis, labels); "" without weeks
    chart_width: int
    chart_height: int
    chart_description: str
    chart_range: str  # "Weeks from 2 November 2020 up to and including 4 July 2021."
    weeks: tuple[ReportWeek, ...]
    weeks_total: int


def _percentage(part: int, total: int) -> str:
    if not total:
        return "–"
    return f"{formats.number_format(100 * part / total, 1)} %"


def _table(
    key: str, title: str, column: str, cells: Iterable[Cell] | None, total_label: str, note: str
) -> ReportTable | None:
    if cells is None:  # not in these figures (cannot happen for computed figures)
        return None
    cells = list(cells)
    total = sum(cell.count for cell in cells)
    return ReportTable(
        key=key,
        title=title,
        column=column,
        rows=tuple(
            ReportRow(cell.label, cell.count, _percentage(cell.count, total)) for cell in cells
        ),
        total=total,
        total_label=total_label,
        note=note,
    )


def _tables(board: Dashboard) -> tuple[ReportTable, ...]:
    tables = (
        _table(
            "by-state",
            _("Current status"),
            _("Status"),
            board.states,
            _("Total received"),
            _("The status of each case today."),
        ),
        _table(
            "declined-by-outcome",
            _("Not taken into investigation, by outcome"),
            _("Outcome"),
            board.declined,
            _("Total not taken into investigation"),
            "",
        ),
        _table(
            "by-sector",
            _("Per sector"),
            _("Sector"),
            board.sectors,
            _("Total received"),
            _("The sector (SBI section) of the employer, as recorded today."),
        ),
        _table(
            "by-inspector",
            _("Per assignee"),
            _("Assignee"),
            board.inspectors,
            _("Total received"),
            _("The inspector the case is assigned to today."),
        ),
    )
    return tuple(table for table in tables if table is not None)


def _headline(board: Dashboard) -> tuple[ReportFigure, ...]:
    return tuple(
        ReportFigure(
            key=cell.key,
            label=cell.label,
            count=_("not recorded") if cell.count is None else str(cell.count),
            note=" ".join(note for note in (cell.label_note, cell.count_note) if note),
            definition=cell.definition,
            primary=cell.primary,
        )
        for cell in board.headline
    )


def _weeks(board: Dashboard) -> tuple[ReportWeek, ...]:
    label = _("Week %(number)s of %(year)s")
    return tuple(
        ReportWeek(
            week=label % {"number": week.iso_week, "year": week.monday.isocalendar()[0]},
            dates=(
                f"{formats.date_format(week.monday, 'j b')} – "
                f"{formats.date_format(week.sunday, 'j b Y')}"
            ),
            count=week.count,
        )
        for week in board.weeks or []
    )


def _period(current: CurrentFigures) -> str:
    end = dutch_date(current.end)
    if current.start is None:
        return _("all cases received up to and including %(end)s") % {"end": end}
    return _("received from %(start)s up to and including %(end)s") % {
        "start": dutch_date(current.start),
        "end": end,
    }


def _reference_text(current: CurrentFigures) -> str:
    date = dutch_date(current.reference_date)
    if current.known_on is not None:  # what the dashboard says under such figures
        return _(
            "As known at the end of %(date)s (Dutch time): only the cases registered by then, "
            "with their status, outcome and ‘taken into investigation’ as they were then. "
            "Topics, sector and assignee have no history: they are shown as they are today. "
            "The deadlines passed are not counted for a reference date."
        ) % {"date": date}
    return _("%(date)s: the figures as they stood when this report was made") % {"date": date}


def build_figures_report(
    current: CurrentFigures, *, produced_by: str, at: dt.datetime | None = None
) -> FiguresReport:
    """The report's context, in Dutch, from the dashboard's figures for one filter."""
    at = timezone.localtime(at or timezone.now())
    with translation.override("nl"):
        board = present(
            current.figures, None, start=current.start, end=current.end, known_on=current.known_on
        )
        counts = current.figures.counts
        weeks = _weeks(board)
        period = _period(current)
        chart_description = chart_range = ""
        if board.weeks:
            first, last = board.weeks[0], board.weeks[-1]
            chart_range = _("Weeks from %(start)s up to and including %(end)s.") % {
                "start": dutch_date(first.monday),
                "end": dutch_date(last.sunday),
            }
            chart_description = _(
                "Bar chart of the number of cases received per week (Monday to Sunday), "
                "from %(start)s to %(end)s. The table in the appendix gives the same numbers."
            ) % {"start": dutch_date(first.monday), "end": dutch_date(last.sunday)}
        return FiguresReport(
            title=_("Figures on working from home – %(period)s") % {"period": period},
            created=at.isoformat(timespec="seconds"),
            produced=f"{dutch_date(at.date())}, {at:%H:%M}",
            produced_by=produced_by,
            period=period,
            reference_date=dutch_date(current.reference_date),
            reference_text=_reference_text(current),
            filters=() if current.only_period else tuple(current.description),
            paragraph=current.paragraph,
            headline=_headline(board),
            invariant=_(
                "Received = taken into investigation + not taken into investigation + not yet "
                "triaged: %(received)s = %(investigated)s + %(declined)s + %(not_triaged)s."
            )
            % {
                "received": counts.received,
                "investigated": counts.investigated,
                "declined": counts.declined,
                "not_triaged": counts.not_triaged,
            },
            tables=_tables(board),
            chart_svg=board.chart_svg,
            chart_width=board.chart.width if board.chart else 0,
            chart_height=board.chart.height if board.chart else 0,
            chart_description=chart_description,
            chart_range=chart_range,
            weeks=weeks,
            weeks_total=sum(week.count for week in weeks),
        )


def report_html(report: FiguresReport) -> str:
    with translation.override("nl"):
        return render_to_string(REPORT_TEMPLATE, {"report": report})


def render_figures_report(report: FiguresReport) -> bytes:
    """The report as archival, tagged PDF bytes (the letters' sandbox and fonts)."""
    return render_pdf(report_html(report))


def template_fingerprint() -> str:
    """Changes whenever the report's look or text changes."""
    return files_fingerprint(TEMPLATE_FILES)


def download_filename(current: CurrentFigures, at: dt.datetime) -> str:
    """cijfers-thuiswerken_2021-01-25_2021-04-09[_gefilterd]_20261130-0912.pdf"""
    start = current.start.isoformat() if current.start else "begin"
    filtered = "" if current.only_period else "_gefilterd"
    stamp = timezone.localtime(at).strftime("%Y%m%d-%H%M")
    return f"cijfers-thuiswerken_{start}_{current.end.isoformat()}{filtered}_{stamp}.pdf"
