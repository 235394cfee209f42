"""The repetitive parts of the dashboard's HTML, written in Python: the weekly chart's SVG,
the rows of the week table and of the breakdowns, and each count with its drill-down link.

Ten years are 520 weeks, and there can be dozens of assignees: rendering each row and bar
through the template engine (an include per count) cost more than the figures themselves.
The markup is the same as the templates' (`templates/cases/dashboard/count.html` is the
original of `count_html`); every text is escaped (with `html.escape`, as Django's `escape`
does, in the loops that run per week and per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from cases.dashboard.presentation import Cell, Chart, WeekRow


def grouped(count: int | None) -> str:
    """A count with the language's thousands separator (12600 -> "12.600"), as the
    `number` template filter writes it, at a fraction of `formats.number_format`'s cost."""
    if count is None or -1000 < count < 1000:
        return str(count)
    return f"{count:,}".replace(",", formats.get_format("THOUSAND_SEPARATOR"))


def count_html(
    count: int | None, query: str | None, list_url: str, testid: str = "", hint: str = ""
) -> SafeString:
    """A figure: a link to the list of the cases it counts, or the number, or "not recorded"."""
    return mark_safe(_count(count, query, list_url, testid, hint))  # noqa: S308 - escaped


def _count(count: int | None, query: str | None, list_url: str, testid: str, hint: str) -> str:
    # f-strings with html.escape (what django.utils.html.escape does): a count is written
    # for every week and every breakdown row, and format_html costs several times more.
    test = f' data-testid="{escape(testid)}"' if testid else ""
    if query is not None:
        extra = f'<span class="visually-hidden"> – {escape(hint)}</span>' if hint else ""
        return (
            f'<a class="figure__link" href="{escape(list_url)}?{escape(query)}" '
            f'data-count="{count}"><span{test}>{grouped(count)}</span>{extra}</a>'
        )
    if count is None:
        return f'<span class="figure__missing"{test}>{escape(_("not recorded"))}</span>'
    return f"<span{test}>{grouped(count)}</span>"


def rows_html(cells: Iterable[Cell], list_url: str) -> SafeString:
    """The rows of a breakdown table: label, count (linked) and a bar of its share."""
    return mark_safe(  # noqa: S308 - every text escaped
        "\n".join(
            f'<tr data-key="{escape(cell.key)}"><th scope="row">{escape(cell.label)}</th>'
            f'<td class="num">{_count(cell.count, cell.query, list_url, "", "")}</td>'
            '<td class="bar-cell"><svg class="bar" viewBox="0 0 100 8" '
            'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            f'<rect x="0" y="0" width="{cell.share}" height="8"/></svg></td></tr>'
            for cell in cells
        )
    )


def short_months() -> dict[int, str]:
    """The months as the date format "b" writes them in the active language ("mrt")."""
    return {m: formats.date_format(dt.date(2001, m, 1), "b") for m in range(1, 13)}


def week_rows_html(weeks: Iterable[WeekRow], list_url: str) -> SafeString:
    """The rows of the table under the chart: ISO week, its dates, its count (linked)."""
    months = {number: escape(name) for number, name in short_months().items()}
    label = _("Week %(number)s of %(year)s")
    return mark_safe(  # noqa: S308 - every text escaped
        "\n".join(
            f'<tr data-key="{week.monday.isoformat()}"><th scope="row">'
            f"{escape(label % {'number': week.iso_week, 'year': week.monday.isocalendar()[0]})}"
            f"</th><td>{week.monday.day} {months[week.monday.month]} – {week.sunday.day} "
            f"{months[week.sunday.month]} {week.sunday.year}</td>"
            f'<td class="num">{_count(week.count, week.query, list_url, "", "")}</td></tr>'
            for week in weeks
        )
    )


def chart_svg(chart: Chart) -> SafeString:
    """The chart's grid lines, bars, axis and labels (inside the template's <svg>, after its
    title and description). Presentation attributes in SVG user units, never localized."""
    parts: list[Any] = []
    for tick in chart.y_ticks:
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d7de" stroke-width="1"/>\n'
                '<text x="{}" y="{}" dy="4" text-anchor="end" font-size="12" fill="#4a4a4a">'
                "{}</text>",
                chart.left,
                chart.right,
                tick.position,
                tick.position,
                chart.left - 6,
                tick.position,
                tick.text,
            )
        )
    # The bars hold numbers only: formatted directly, which is what keeps 520 of them cheap.
    parts.append(
        mark_safe(  # noqa: S308 - floats formatted by Python, nothing else
            "\n".join(
                f'<rect class="chart__bar" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}" fill="#154273"/>'
                for bar in chart.bars
            )
        )
    )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1b1b1b" stroke-width="1"/>',
            chart.left,
            chart.right,
            chart.bottom,
            chart.bottom,
        )
    )
    for tick in chart.x_ticks:
        parts.append(
            format_html(
                '<text x="{}" y="{}" dy="16" text-anchor="middle" font-size="12" '
                'fill="#4a4a4a">{}</text>',
                tick.position,
                chart.bottom,
                tick.text,
            )
        )
    return mark_safe("\n".join(str(part) for part in parts))  # noqa: S308 - built escaped
