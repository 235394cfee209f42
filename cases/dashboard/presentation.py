"""What the dashboard and snapshot templates show: labels, drill-down links, the
breakdown rows and the weekly chart, for `Figures` from the database or from a snapshot."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.dashboard import markup
from cases.dashboard.figures import Figures
from cases.dashboard.params import NULL, drilldown, monday_of, week_queries
from cases.models import DECLINE_OUTCOMES, NOT_ALLOWED_TOPIC, Outcome, State

MAX_CHART_WEEKS = 265  # gaps are filled with zero weeks for periods up to about five years
Link = Callable[..., str | None]  # drill-down query string for a narrowing; None: no link


def fill_weeks(
    weeks: list[tuple[dt.date, int]], start: dt.date | None, end: dt.date | None
) -> list[tuple[dt.date, int]]:
    """Every week from the period's first to its last, zeros included; for a period longer
    than MAX_CHART_WEEKS (or an open one), the weeks from the first to the last melding."""
    if not weeks and (start is None or end is None):
        return []
    first = monday_of(start) if start else weeks[0][0]
    last = monday_of(end) if end else weeks[-1][0]
    if weeks:
        first, last = min(first, weeks[0][0]), max(last, weeks[-1][0])
        if (last - first).days // 7 + 1 > MAX_CHART_WEEKS:
            first, last = weeks[0][0], weeks[-1][0]
    span = (last - first).days // 7 + 1
    if span > MAX_CHART_WEEKS:
        return weeks
    counts = dict(weeks)
    return [
        (day, counts.get(day, 0)) for day in (first + dt.timedelta(weeks=i) for i in range(span))
    ]


@dataclass(frozen=True)
class Cell:
    label: str
    count: int
    query: str | None = None  # drill-down query string for all_cases (None: no link)
    share: float = 0.0  # of the largest row, 0..100, for the row's bar
    key: str = ""


class Rows(list["Cell"]):
    """A breakdown's cells, with their table rows as HTML (`html`)."""

    list_url = ""

    @property
    def html(self) -> SafeString:
        return markup.rows_html(self, self.list_url)


def _rows(cells: list[tuple[str, int, str | None, str]], list_url: str = "") -> Rows:
    top = max((n for _label, n, _q, _k in cells), default=0)
    rows = Rows(
        Cell(label, n, query, round(100 * n / top, 1) if top else 0.0, key)
        for label, n, query, key in cells
    )
    rows.list_url = list_url
    return rows


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    monday: dt.date


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float
    right: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    maximum: int


CHART_W, CHART_H = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 34


def _nice_step(maximum: int) -> int:
    if maximum <= 5:
        return 1
    raw = maximum / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover


def week_chart(weeks: list[tuple[dt.date, int]]) -> Chart | None:
    """Geometry of the weekly intake bar chart (SVG presentation attributes, no styles)."""
    if not weeks:
        return None
    top = max(n for _day, n in weeks)
    step = _nice_step(top)
    maximum = max(step, math.ceil(top / step) * step)
    plot_w = CHART_W - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_H - PAD_TOP - PAD_BOTTOM
    slot = plot_w / len(weeks)
    gap = min(slot * 0.2, 6)
    bottom = PAD_TOP + plot_h
    bars = []
    for i, (monday, n) in enumerate(weeks):
        height = plot_h * n / maximum
        bars.append(
            Bar(
                x=round(PAD_LEFT + i * slot + gap / 2, 2),
                y=round(bottom - height, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(height, 2),
                count=n,
                monday=monday,
            )
        )
    y_ticks = [
        Tick(round(bottom - plot_h * value / maximum, 2), str(value))
        for value in range(0, maximum + 1, step)
    ]
    every = max(1, math.ceil(len(weeks) / 10))
    months = markup.short_months()
    x_ticks = [
        Tick(round(PAD_LEFT + (i + 0.5) * slot, 2), f"{monday.day} {months[monday.month]}")
        for i, (monday, _n) in enumerate(weeks)
        if i % every == 0
    ]
    return Chart(
        width=CHART_W,
        height=CHART_H,
        left=PAD_LEFT,
        bottom=bottom,
        right=CHART_W - PAD_RIGHT,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        maximum=maximum,
    )


@dataclass(frozen=True)
class Headline:
    """A headline figure: its cell in the figures list and its entry in the definitions."""

    key: str
    label: str
    count: int | None  # None: not in the recorded figures (shown as "not recorded")
    query: str | None  # drill-down query string for all_cases (None: no link)
    primary: bool  # the three figures of the Kamerbrief; the others are listed smaller
    definition: str
    label_note: str = ""  # after the label, e.g. the day a snapshot counted overdue cases
    count_note: str = ""  # below the count, e.g. the number of employers
    count_note_testid: str = ""
    missing: str = ""  # instead of "not recorded" when the count is None

    @property
    def testid(self) -> str:
        return "count-" + self.key.replace("_", "-")


def _headline(
    figures: Figures, link: Link, *, linked: bool, known_on: dt.date | None = None
) -> list[Headline]:
    c = figures.counts
    then = known_on is not None
    overdue_on = ""
    if not linked and figures.overdue is not None and figures.overdue_on is not None:
        overdue_on = _("on %(date)s") % {"date": formats.date_format(figures.overdue_on, "j F Y")}
    employers = figures.not_recognised_employers
    if figures.not_recognised is None:
        employers_note = ""
    elif employers is None:
        employers_note = _("number of employers not recorded")
    else:
        employers_note = ngettext("%(counter)s employer", "%(counter)s employers", employers) % {
            "counter": employers
        }
    return [
        Headline(
            "received",
            _("Received"),
            c.received,
            link(),
            primary=True,
            definition=_(
                "Cases received in the period (calendar days in Dutch time) and registered by "
                "the end of the reference date, whatever their status then."
            )
            if then
            else _(
                "Cases received in the period (calendar days in Dutch time), whatever their "
                "status now."
            ),
        ),
        Headline(
            "investigated",
            _("Taken into investigation"),
            c.investigated,
            link(investigated="yes"),
            primary=True,
            definition=_(
                "Of these, the cases taken into investigation by the end of the reference "
                "date, whatever their status then. A reopened case counts once."
            )
            if then
            else _(
                "Of these, the cases ever taken into investigation, whatever their status now. "
                "A reopened case counts once."
            ),
        ),
        Headline(
            "only_not_allowed",
            _("Only ‘not allowed to work from home’"),
            c.only_not_allowed,
            link(only_topic=NOT_ALLOWED_TOPIC),
            primary=True,
            definition=_(
                "Of these, the cases whose only topic is ‘not allowed to work from home’."
            ),
        ),
        Headline(
            "declined",
            _("Not taken into investigation"),
            c.declined,
            link(investigated="no", state=State.CLOSED),
            primary=False,
            definition=_(
                "Closed without ever being taken into investigation, with the reason "
                "(outcome) given."
            ),
        ),
        Headline(
            "not_triaged",
            _("Not yet triaged"),
            c.not_triaged,
            link(investigated="no", state=State.RECEIVED),
            primary=False,
            definition=_("Not taken into investigation and not closed yet."),
        ),
        Headline(
            "overdue",
            _("Deadline passed"),
            figures.overdue,
            None if figures.overdue is None else link(overdue="yes"),
            primary=False,
            definition=_(
                "Past the deadline for triage or for calling the employer, or with an open "
                "agreement past its due date."
            ),
            label_note=overdue_on,
            missing=_("not counted for a reference date") if then else "",
        ),
        Headline(
            "not_recognised",
            _("Employer did not recognise itself"),
            figures.not_recognised,
            None if figures.not_recognised is None else link(not_recognised="yes"),
            primary=False,
            definition=_(
                "Cases with at least one call in which the employer was reached and said it "
                "did not recognise itself in the case; below it, the number of different "
                "employers of those cases."
            ),
            count_note=employers_note,
            count_note_testid="count-not-recognised-employers",
        ),
    ]


@dataclass(frozen=True)
class WeekRow:
    monday: dt.date
    sunday: dt.date
    iso_week: int
    count: int
    query: str | None


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard and snapshot templates show; links only when `params` is given.
    A breakdown is None when the recorded figures do not have it (not recorded)."""

    figures: Figures
    headline: list[Headline]
    declined: list[Cell] | None
    states: list[Cell] | None
    sectors: list[Cell] | None
    inspectors: list[Cell] | None
    weeks: list[WeekRow] | None
    chart: Chart | None
    linked: bool
    list_url: str = ""  # the all_cases list, which every drill-down link opens
    known_on: dt.date | None = None  # figures as known at the end of this day

    @property
    def chart_svg(self) -> SafeString:
        return markup.chart_svg(self.chart) if self.chart else SafeString("")

    @property
    def week_rows_html(self) -> SafeString:
        return markup.week_rows_html(self.weeks or [], self.list_url)

    @property
    def headline_groups(self) -> list[tuple[bool, list[Headline]]]:
        """The headline as the page lists it: (primary?, cells), the primary ones first."""
        return [
            (primary, [cell for cell in self.headline if cell.primary == primary])
            for primary in (True, False)
        ]


def present(
    figures: Figures,
    params: QueryDict | None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    known_on: dt.date | None = None,
) -> Dashboard:
    """Labels and drill-down links for `figures`; `params` None (a snapshot, or figures as
    known on a reference date `known_on`): no links."""

    def link(**narrow: str) -> str | None:
        return None if params is None else drilldown(params, **narrow)

    list_url = reverse("all_cases")
    filled = None if figures.by_week is None else fill_weeks(figures.by_week, start, end)
    return Dashboard(
        figures=figures,
        headline=_headline(figures, link, linked=params is not None, known_on=known_on),
        declined=_declined(figures.declined_by_outcome, link, list_url),
        states=_states(figures.by_state, link, list_url),
        sectors=_sectors(figures.by_sector, link, list_url),
        inspectors=_inspectors(figures.by_inspector, link, list_url),
        weeks=None if filled is None else _weeks(filled, params),
        chart=None if filled is None else week_chart(filled),
        linked=params is not None,
        list_url=list_url,
        known_on=known_on,
    )


def _declined(by_outcome: dict[str, int] | None, link: Link, list_url: str) -> Rows | None:
    if by_outcome is None:
        return None
    outcomes = list(DECLINE_OUTCOMES) + sorted(set(by_outcome) - set(DECLINE_OUTCOMES))
    return _rows(
        [
            (
                _label(Outcome, code),
                by_outcome.get(code, 0),
                link(investigated="no", state=State.CLOSED, outcome=code),
                code,
            )
            for code in outcomes
        ],
        list_url,
    )


def _states(by_state: dict[str, int] | None, link: Link, list_url: str) -> Rows | None:
    if by_state is None:
        return None
    return _rows(
        [
            (str(label), by_state.get(code, 0), link(state=code), code)
            for code, label in State.choices
        ],
        list_url,
    )


def _sectors(
    by_sector: list[tuple[str | None, str, int]] | None, link: Link, list_url: str
) -> Rows | None:
    if by_sector is None:
        return None
    return _rows(
        [
            (name if code else _("No sector known"), n, link(sector=code or NULL), code or NULL)
            for code, name, n in by_sector
        ],
        list_url,
    )


def _inspectors(
    by_inspector: list[tuple[int | None, str, int]] | None, link: Link, list_url: str
) -> Rows | None:
    if by_inspector is None:
        return None
    return _rows(
        [
            (
                name if pk else _("Nobody (intake queue)"),
                n,
                link(inspector=str(pk) if pk else NULL),
                str(pk or NULL),
            )
            for pk, name, n in by_inspector
        ],
        list_url,
    )


def _weeks(filled: list[tuple[dt.date, int]], params: QueryDict | None) -> list[WeekRow]:
    mondays = [monday for monday, _n in filled]
    queries = week_queries(params, mondays) if params is not None else [None] * len(mondays)
    return [
        WeekRow(
            monday=monday,
            sunday=monday + dt.timedelta(days=6),
            iso_week=monday.isocalendar()[1],
            count=n,
            query=query,
        )
        for (monday, n), query in zip(filled, queries, strict=True)
    ]


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code
