"""The dashboard's figures as tables: the headline figures and every breakdown, each a sheet
of its own (a section in CSV), under the filter and the reference date.

Built from the same `Figures` the dashboard page shows (`cases.dashboard.day_counts.figures_for`)
and labelled by the same presentation (`cases.dashboard.presentation.present`), so the
export and the page cannot differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import formats
from django.utils.translation import gettext as _

from cases.dashboard.presentation import Cell, Dashboard
from cases.exports.cells import Value
from cases.exports.writers import Sheet


def top_lines(
    description: Sequence[tuple[str, str]],
    moment: dt.datetime,
    paragraph: str,
    known_on: dt.date | None = None,
) -> list[list[Value]]:
    """What every sheet starts with: what it is, the filter, the reference date (the moment
    of the export, or the end of the `known_on` day with what that means) and the paragraph
    for the ministry."""
    filter_text = "; ".join(f"{label}: {value}" for label, value in description)
    if known_on is None:
        reference = _("as known on %(moment)s") % {
            "moment": formats.date_format(moment, "j F Y, H:i")
        }
    else:  # the note the dashboard shows under figures as known on a past day
        reference = _(
            "As known at the end of %(date)s (Dutch time): only the cases registered by then, "
            "with their status, outcome and ‘taken into investigation’ as they were then. "
            "Topics, sector and assignee have no history: they are shown as they are today. "
            "The deadlines passed are not counted for a reference date."
        ) % {"date": formats.date_format(known_on, "j F Y")}
    return [
        [_("Figures on cases about working from home")],
        [_("Filter"), filter_text or _("none")],
        [_("Reference date"), reference],
        [_("Paragraph for the ministry"), paragraph],
    ]


def _cells(name: str, first: str, cells: Sequence[Cell] | None) -> Sheet:
    rows: list[list[Value]] = [[cell.label, cell.count] for cell in cells or []]
    return Sheet(name, [first, _("Number")], rows, widths=[48, 12])


def dashboard_sheets(board: Dashboard) -> list[Sheet]:
    """The headline figures, then each breakdown, in the order of the dashboard page."""
    headline = Sheet(
        _("Figures"),
        [_("Figure"), _("Number"), _("Definition")],
        [[cell.label, cell.count, cell.definition] for cell in board.headline]
        + [
            [
                _("Employers that did not recognise themselves"),
                board.figures.not_recognised_employers,
                _("The number of different employers of those cases."),
            ]
        ],
        widths=[40, 12, 90],
    )
    weeks = Sheet(
        _("Per week"),
        [_("Week"), _("From"), _("Up to and including"), _("Number")],
        [
            [
                f"{row.monday.isocalendar()[0]}-W{row.iso_week:02d}",
                row.monday,
                row.sunday,
                row.count,
            ]
            for row in board.weeks or []
        ],
        widths=[12, 12, 12, 12],
    )
    return [
        headline,
        _cells(_("Not investigated, by outcome"), _("Outcome"), board.declined),
        _cells(_("Per status"), _("Status"), board.states),
        _cells(_("Per sector"), _("Sector"), board.sectors),
        _cells(_("Per assignee"), _("Assignee"), board.inspectors),
        weeks,
    ]


def row_count(sheets: Sequence[Sheet]) -> int:
    """The data rows of materialised sheets (the dashboard's), for the export's Event."""
    return sum(len(sheet.rows) for sheet in sheets if isinstance(sheet.rows, list))
