"""Supervisor dashboard: every figure for a filter, computed in the database.

Definitions ("Dashboard definitions" in PRODUCT.md, see also cases.selectors): for the
meldingen selected by the shared CaseFilter,
- received / investigated / only_not_allowed / declined / not_triaged as in
  `cases.selectors.case_counts` (received = investigated + declined + not_triaged);
- overdue: past their triage or call deadline today (`cases.filters.overdue_q`);
- not_recognised: meldingen with at least one reached call in which the employer said it
  did not recognise itself in the melding (employer_response "nee"), and the number of
  distinct employers of those meldingen;
- breakdowns: declined by outcome, per current state, per sector, per assignee and per
  week of receipt (ISO weeks, Monday-Sunday in Europe/Amsterdam).

All of it takes two queries whatever the number of meldingen: one aggregate and one
UNION ALL of four GROUP BY breakdowns (`dashboard_figures`; declined-by-outcome rides along
with the per-state breakdown).

Every figure has a drill-down: the shared filter parameters of the dashboard, narrowed to
the figure (`drilldown`), so the `all_cases` list with those parameters shows exactly the
figure's meldingen.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import Case as Case_
from django.db.models import CharField, Count, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, TruncWeek
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.filters import CaseFilter, not_recognised_q, overdue_q
from cases.models import DECLINE_OUTCOMES, NOT_ALLOWED_TOPIC, Case, Outcome, State
from cases.selectors import (
    DECLINED_Q,
    KAMERBRIEF_PERIOD,
    CaseCounts,
    countable,
    headline_aggregates,
)

NULL = "null"  # the shared filter's value for "no sector" / "nobody" (django-filter null_value)
MAX_CHART_WEEKS = 265  # gaps are filled with zero weeks for periods up to about five years


# ---------------------------------------------------------------------------
# Figures (data only; frozen into FigureSnapshot.figures as JSON)


@dataclass(frozen=True)
class Figures:
    counts: CaseCounts
    overdue: int
    not_recognised: int
    not_recognised_employers: int
    overdue_on: dt.date
    by_state: dict[str, int] = field(default_factory=dict)
    # (sector code or None, sector name, count)
    by_sector: list[tuple[str | None, str, int]] = field(default_factory=list)
    # (user id or None, name, count)
    by_inspector: list[tuple[int | None, str, int]] = field(default_factory=list)
    # (Monday of the ISO week, count) for weeks with meldingen; present() fills the gaps
    by_week: list[tuple[dt.date, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "counts": {
                "received": c.received,
                "investigated": c.investigated,
                "only_not_allowed": c.only_not_allowed,
                "declined": c.declined,
                "not_triaged": c.not_triaged,
                "overdue": self.overdue,
                "not_recognised": self.not_recognised,
                "not_recognised_employers": self.not_recognised_employers,
            },
            "overdue_on": self.overdue_on.isoformat(),
            "declined_by_outcome": sorted(c.declined_by_outcome.items()),
            "by_state": sorted(self.by_state.items()),
            "by_sector": [list(row) for row in self.by_sector],
            "by_inspector": [list(row) for row in self.by_inspector],
            "by_week": [[monday.isoformat(), n] for monday, n in self.by_week],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        c = data["counts"]
        return cls(
            counts=CaseCounts(
                received=c["received"],
                investigated=c["investigated"],
                only_not_allowed=c["only_not_allowed"],
                declined=c["declined"],
                not_triaged=c["not_triaged"],
                declined_by_outcome=dict(data["declined_by_outcome"]),
            ),
            overdue=c["overdue"],
            not_recognised=c["not_recognised"],
            not_recognised_employers=c["not_recognised_employers"],
            overdue_on=dt.date.fromisoformat(data["overdue_on"]),
            by_state=dict(data["by_state"]),
            by_sector=[(code, name, n) for code, name, n in data["by_sector"]],
            by_inspector=[(pk, name, n) for pk, name, n in data["by_inspector"]],
            by_week=[(dt.date.fromisoformat(day), n) for day, n in data["by_week"]],
        )


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _text(expression: Any) -> Cast:
    return Cast(expression, CharField())


def _breakdown(cases: QuerySet[Case], dim: str, key: Any, label: Any, extra: Any) -> QuerySet:
    """One GROUP BY branch of the breakdown UNION: (dim, key, label, extra, n)."""
    return (
        cases.annotate(
            dim=Value(dim, output_field=CharField()),
            key=key,
            label=label,
            extra=extra,
        )
        .values("dim", "key", "label", "extra")
        .annotate(n=Count("pk"))
        .order_by()
    )


def dashboard_figures(cases: QuerySet[Case], today: dt.date | None = None) -> Figures:
    """All dashboard figures for `cases` (already narrowed by permissions and the shared
    FilterSet) in two queries, whatever the number of meldingen."""
    today = today or timezone.localdate()
    base = countable(cases)
    not_recognised = not_recognised_q()
    totals = base.aggregate(
        **headline_aggregates(),
        overdue=Count("pk", filter=overdue_q(today)),
        not_recognised=Count("pk", filter=not_recognised),
        not_recognised_employers=Count("employer", filter=not_recognised, distinct=True),
    )
    rows = _breakdown_rows(base) if totals["received"] else []
    return _assemble(totals, rows, today)


def _breakdown_rows(base: QuerySet[Case]) -> list[dict[str, Any]]:
    """The four breakdowns as rows (dim, key, label, extra, n), in one query.

    PostgreSQL: one scan with GROUPING SETS over the filtered meldingen; other databases
    (SQLite): a UNION ALL of four GROUP BY queries. Both give the same rows.
    """
    blank = Value("", output_field=CharField())
    week = TruncWeek("received_at", tzinfo=_local_zone())
    # Per state, and for the declined ones (never investigated, closed) their outcome.
    declined_outcome = Case_(When(DECLINED_Q, then="outcome"), default=blank)
    assignee_name = Concat("assignee__first_name", Value(" "), "assignee__last_name")
    if connections[base.db].vendor == "postgresql":
        return _grouping_sets(base, week, declined_outcome, assignee_name)
    branches = [
        _breakdown(base, "state", F("state"), declined_outcome, blank),
        _breakdown(base, "sector", F("employer__sector_id"), F("employer__sector__name"), blank),
        _breakdown(base, "inspector", _text("assignee_id"), assignee_name, F("assignee__username")),
        _breakdown(base, "week", _text(week), blank, blank),
    ]
    return list(branches[0].union(*branches[1:], all=True))


# Grouping sets: (dim, the inner query's columns that make the group: key, label, extra).
_SETS = (
    ("state", "g_state", "g_outcome", None),
    ("sector", "g_sector", "g_sector_name", None),
    ("inspector", "g_assignee", "g_assignee_name", "g_username"),
    ("week", "g_week", None, None),
)


def _grouping_sets(
    base: QuerySet[Case], week: Any, declined_outcome: Any, assignee_name: Any
) -> list[dict[str, Any]]:
    inner = base.annotate(
        g_state=F("state"),
        g_outcome=declined_outcome,
        g_sector=F("employer__sector_id"),
        g_sector_name=F("employer__sector__name"),
        g_assignee=F("assignee_id"),
        g_assignee_name=assignee_name,
        g_username=F("assignee__username"),
        g_week=week,
    ).values(*(c for _dim, *cols in _SETS for c in cols if c))
    inner_sql, params = inner.query.get_compiler(using=base.db).as_sql()
    sets = [[c for c in cols if c] for _dim, *cols in _SETS]
    grouping = ", ".join(f"GROUPING({', '.join(cols)})" for cols in sets)
    columns = ", ".join(c for cols in sets for c in cols)
    group_by = ", ".join(f"({', '.join(cols)})" for cols in sets)
    # Only fixed column names are formatted in; the filter's values stay parameters.
    sql = (
        f"SELECT {grouping}, {columns}, COUNT(*) FROM ({inner_sql}) AS dashboard_cases "  # noqa: S608
        f"GROUP BY GROUPING SETS ({group_by})"
    )
    with connections[base.db].cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()
    names = [c for cols in sets for c in cols]
    rows = []
    for record in result:
        flags, n = record[: len(sets)], record[-1]
        values = dict(zip(names, record[len(sets) : -1], strict=True))
        # GROUPING(...) is 0 for the set this row belongs to.
        dim, key, label, extra = next(s for s, flag in zip(_SETS, flags, strict=True) if not flag)
        rows.append(
            {
                "dim": dim,
                "key": values[key],
                "label": values[label] if label else "",
                "extra": values[extra] if extra else "",
                "n": n,
            }
        )
    return rows


def _assemble(totals: dict[str, int], rows: list[dict[str, Any]], today: dt.date) -> Figures:
    by_outcome: dict[str, int] = {}
    by_state: dict[str, int] = {}
    by_sector: list[tuple[str | None, str, int]] = []
    by_inspector: list[tuple[int | None, str, int]] = []
    weeks: dict[dt.date, int] = {}
    for row in rows:
        dim, key, n = row["dim"], row["key"], row["n"]
        if dim == "state":
            by_state[key] = by_state.get(key, 0) + n
            if row["label"]:
                by_outcome[row["label"]] = n
        elif dim == "sector":
            by_sector.append((key, f"{key} – {row['label']}" if key else "", n))
        elif dim == "inspector":
            name = (row["label"] or "").strip() or row["extra"] or ""
            by_inspector.append((int(key) if key else None, name, n))
        elif dim == "week":
            # The local Monday: a datetime, or text 'YYYY-MM-DD 00:00:00' from the UNION.
            monday = dt.date.fromisoformat(str(key)[:10])
            weeks[monday] = weeks.get(monday, 0) + n
    by_sector.sort(key=lambda r: (r[0] is None, r[0] or ""))
    by_inspector.sort(key=lambda r: (r[0] is None, r[1].casefold(), r[0] or 0))
    counts = CaseCounts(
        received=totals["received"],
        investigated=totals["investigated"],
        only_not_allowed=totals["only_not_allowed"],
        declined=totals["declined"],
        not_triaged=totals["not_triaged"],
        declined_by_outcome=by_outcome,
    )
    return Figures(
        counts=counts,
        overdue=totals["overdue"],
        not_recognised=totals["not_recognised"],
        not_recognised_employers=totals["not_recognised_employers"],
        overdue_on=today,
        by_state=by_state,
        by_sector=by_sector,
        by_inspector=by_inspector,
        by_week=sorted(weeks.items()),
    )


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


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


# ---------------------------------------------------------------------------
# Filter parameters: canonical form and drill-downs


def canonical_params(case_filter: CaseFilter) -> QueryDict:
    """The valid filter's parameters in a fixed order, deduplicated and normalised
    (ISO dates, codes, ids), without empty values: the drill-downs and snapshots use it."""
    query = QueryDict(mutable=True)
    data = case_filter.form.cleaned_data
    for name in case_filter.filters:
        texts = [_param_text(item) for item in _items(data.get(name))]
        texts = [t for t in texts if t]
        if texts:
            query.setlist(name, sorted(set(texts)) if len(texts) > 1 else texts)
    return query


def _items(value: Any) -> list[Any]:
    """A cleaned filter value as a list (multiple-choice values are lists)."""
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _param_text(item: Any) -> str:
    return item.isoformat() if isinstance(item, dt.date) else str(item).strip()


MULTI_VALUED = frozenset({"state", "sector", "channel", "outcome"})  # OR within, so intersect


def drilldown(params: QueryDict, **narrow: str) -> str | None:
    """Query string for `all_cases` that selects the dashboard's meldingen (`params`) narrowed
    to one figure, e.g. ``drilldown(params, investigated="yes")``.

    None when the narrowing contradicts the dashboard's own filter (the figure is then 0 and
    there is nothing to list).
    """
    query = params.copy()
    for key, value in narrow.items():
        if key == "received_after":
            current = query.get(key)
            query[key] = max(current, value) if current else value
        elif key == "received_before":
            current = query.get(key)
            query[key] = min(current, value) if current else value
        elif key in MULTI_VALUED:
            current_values = query.getlist(key)
            if current_values and value not in current_values:
                return None
            query.setlist(key, [value])
        else:
            current = query.get(key)
            if current and current != value:
                return None
            query[key] = value
    after, before = query.get("received_after"), query.get("received_before")
    if after and before and after > before:
        return None
    return query.urlencode()


def describe_filter(case_filter: CaseFilter) -> list[tuple[str, str]]:
    """The active filter as (label, value) pairs for people, in the form's language."""
    described: list[tuple[str, str]] = []
    data = case_filter.form.cleaned_data
    for name in case_filter.filters:
        items = _items(data.get(name))
        if not items:
            continue
        form_field = case_filter.form.fields[name]
        labels = dict(form_field.choices) if hasattr(form_field, "choices") else {}
        texts = [text for text in (_describe(item, labels) for item in items) if text]
        if texts:
            described.append((str(form_field.label), ", ".join(texts)))
    return described


def _describe(item: Any, labels: dict[Any, Any]) -> str:
    if isinstance(item, dt.date):
        return formats.date_format(item, "j F Y")
    return str(labels.get(item, item)).strip()


# ---------------------------------------------------------------------------
# Presets


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    start: dt.date
    end: dt.date


def presets(today: dt.date | None = None) -> list[Preset]:
    """Periods in Europe/Amsterdam: the Kamerbrief period; this week and this year up to and
    including today; the whole previous calendar month."""
    today = today or timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    return [
        Preset("kamerbrief", _("Kamerbrief 25 295 no. 1172"), *KAMERBRIEF_PERIOD),
        Preset("this_week", _("This week"), monday_of(today), today),
        Preset(
            "last_month",
            _("Last month"),
            last_month_end.replace(day=1),
            last_month_end,
        ),
        Preset("this_year", _("This year"), today.replace(month=1, day=1), today),
    ]


def with_period(params: QueryDict, start: dt.date, end: dt.date) -> str:
    query = params.copy()
    query["received_after"] = start.isoformat()
    query["received_before"] = end.isoformat()
    return query.urlencode()


# ---------------------------------------------------------------------------
# The paragraph for the ministry


def _day(day: dt.date, *, with_year: bool) -> str:
    return formats.date_format(day, "j F Y" if with_year else "j F")


def ministry_paragraph(counts: CaseCounts, start: dt.date | None, end: dt.date) -> str:
    """A ready paragraph in the style of the Kamerbrief (25 295, nr. 1172)."""
    end_text = _day(end, with_year=True)
    if start is not None:
        start_text = _day(start, with_year=start.year != end.year)
        first = ngettext(
            "Since {start} up to and including {end} the Inspectie SZW has received "
            "{count} case about working from home.",
            "Since {start} up to and including {end} the Inspectie SZW has received "
            "{count} cases about working from home.",
            counts.received,
        ).format(start=start_text, end=end_text, count=counts.received)
    else:
        first = ngettext(
            "Up to and including {end} the Inspectie SZW has received {count} case about "
            "working from home.",
            "Up to and including {end} the Inspectie SZW has received {count} cases about "
            "working from home.",
            counts.received,
        ).format(end=end_text, count=counts.received)
    second = ngettext(
        "Of these, {count} has been taken into investigation.",
        "Of these, {count} have been taken into investigation.",
        counts.investigated,
    ).format(count=counts.investigated)
    third = ngettext(
        "In total {count} case concerns only not being allowed to work from home.",
        "In total {count} cases concern only not being allowed to work from home.",
        counts.only_not_allowed,
    ).format(count=counts.only_not_allowed)
    return f"{first} {second} {third}"


def period_of(params: QueryDict, today: dt.date | None = None) -> tuple[dt.date | None, dt.date]:
    """The period the paragraph speaks of: the filter's dates; without an end, today."""
    after, before = params.get("received_after"), params.get("received_before")
    end = dt.date.fromisoformat(before) if before else (today or timezone.localdate())
    return (dt.date.fromisoformat(after) if after else None), end


def only_period(params: QueryDict) -> bool:
    return set(params) <= {"received_after", "received_before"}


# ---------------------------------------------------------------------------
# Presentation: labels, drill-down links and the weekly chart


@dataclass(frozen=True)
class Cell:
    label: str
    count: int
    query: str | None = None  # drill-down query string for all_cases (None: no link)
    share: float = 0.0  # of the largest row, 0..100, for the row's bar
    key: str = ""


def _rows(cells: list[tuple[str, int, str | None, str]]) -> list[Cell]:
    top = max((n for _label, n, _q, _k in cells), default=0)
    return [
        Cell(label, n, query, round(100 * n / top, 1) if top else 0.0, key)
        for label, n, query, key in cells
    ]


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
    x_ticks = [
        Tick(round(PAD_LEFT + (i + 0.5) * slot, 2), formats.date_format(monday, "j b"))
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
class WeekRow:
    monday: dt.date
    sunday: dt.date
    iso_week: int
    count: int
    query: str | None


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard and snapshot templates show; links only when `params` is given."""

    figures: Figures
    headline: dict[str, Cell]
    declined: list[Cell]
    states: list[Cell]
    sectors: list[Cell]
    inspectors: list[Cell]
    weeks: list[WeekRow]
    chart: Chart | None
    linked: bool


def present(
    figures: Figures,
    params: QueryDict | None,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Dashboard:
    """Labels and drill-down links for `figures`; `params` None (a snapshot): no links."""

    def link(**narrow: str) -> str | None:
        return None if params is None else drilldown(params, **narrow)

    c = figures.counts
    headline = {
        "received": Cell(_("Received"), c.received, link()),
        "investigated": Cell(
            _("Taken into investigation"), c.investigated, link(investigated="yes")
        ),
        "only_not_allowed": Cell(
            _("Only ‘not allowed to work from home’"),
            c.only_not_allowed,
            link(only_topic=NOT_ALLOWED_TOPIC),
        ),
        "declined": Cell(
            _("Not taken into investigation"),
            c.declined,
            link(investigated="no", state=State.CLOSED),
        ),
        "not_triaged": Cell(
            _("Not yet triaged"), c.not_triaged, link(investigated="no", state=State.RECEIVED)
        ),
        "overdue": Cell(_("Deadline passed"), figures.overdue, link(overdue="yes")),
        "not_recognised": Cell(
            _("Employer did not recognise itself"),
            figures.not_recognised,
            link(not_recognised="yes"),
        ),
    }
    outcomes = list(DECLINE_OUTCOMES) + sorted(set(c.declined_by_outcome) - set(DECLINE_OUTCOMES))
    declined = _rows(
        [
            (
                _label(Outcome, code),
                c.declined_by_outcome.get(code, 0),
                link(investigated="no", state=State.CLOSED, outcome=code),
                code,
            )
            for code in outcomes
        ]
    )
    states = _rows(
        [
            (str(label), figures.by_state.get(code, 0), link(state=code), code)
            for code, label in State.choices
        ]
    )
    sectors = _rows(
        [
            (name if code else _("No sector known"), n, link(sector=code or NULL), code or NULL)
            for code, name, n in figures.by_sector
        ]
    )
    inspectors = _rows(
        [
            (
                name if pk else _("Nobody (intake queue)"),
                n,
                link(inspector=str(pk) if pk else NULL),
                str(pk or NULL),
            )
            for pk, name, n in figures.by_inspector
        ]
    )
    filled = fill_weeks(figures.by_week, start, end)
    weeks = [
        WeekRow(
            monday=monday,
            sunday=monday + dt.timedelta(days=6),
            iso_week=monday.isocalendar()[1],
            count=n,
            query=link(
                received_after=monday.isoformat(),
                received_before=(monday + dt.timedelta(days=6)).isoformat(),
            ),
        )
        for monday, n in filled
    ]
    return Dashboard(
        figures=figures,
        headline=headline,
        declined=declined,
        states=states,
        sectors=sectors,
        inspectors=inspectors,
        weeks=weeks,
        chart=week_chart(filled),
        linked=params is not None,
    )


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code
