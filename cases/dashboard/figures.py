"""Dashboard figures: every figure for a filter, computed in the database.

Definitions ("Dashboard definitions" in PRODUCT.md, see also cases.selectors): for the
meldingen selected by the shared CaseFilter,
- received / investigated / only_not_allowed / declined / not_triaged as in
  `cases.selectors.case_counts` (received = investigated + declined + not_triaged);
- overdue: past their triage or call deadline today, or with an open agreement past its due
  date once the employer has been called (`cases.filters.overdue_q`);
- not_recognised: meldingen with at least one reached call in which the employer said it
  did not recognise itself in the melding (employer_response "nee"), and the number of
  distinct employers of those meldingen;
- breakdowns: declined by outcome, per current state, per sector, per assignee and per
  week of receipt (ISO weeks, Monday-Sunday in Europe/Amsterdam).

All of it takes two queries whatever the number of meldingen (`dashboard_figures`): one
pass over the selected meldingen for every count and breakdown (GROUPING SETS on
PostgreSQL, a UNION ALL of four GROUP BY queries elsewhere), reading only the precomputed
columns that the covering index `case_figures_idx` holds, with the names of sectors and
assignees joined to the few grouped rows; and the number of distinct employers of the
not-recognised meldingen. For a period alone, `cases.dashboard.day_counts` reads the same
figures from the counts per day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from cases.filters import overdue_q
from cases.models import Case, Sector
from cases.models.rollups import CLOSED_CODE, OUTCOME_OF_CODE, STATE_OF_CODE
from cases.rollups import ONLY_NOT_ALLOWED_MASK
from cases.selectors import CaseCounts, countable

# ---------------------------------------------------------------------------
# Figures (data only; frozen into FigureSnapshot.figures as JSON)

# The shape of Figures.to_json, recorded with every snapshot (FigureSnapshot.schema_version).
# Bump it when to_json changes, and keep from_json reading every earlier shape.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Figures:
    """Every dashboard figure. Computed figures have them all; recorded figures have what
    their snapshot recorded, and None for a figure it does not have (not recorded)."""

    counts: CaseCounts
    overdue: int | None
    not_recognised: int | None
    not_recognised_employers: int | None
    overdue_on: dt.date | None
    by_state: dict[str, int] | None = field(default_factory=dict)
    # (sector code or None, sector name, count)
    by_sector: list[tuple[str | None, str, int]] | None = field(default_factory=list)
    # (user id or None, name, count)
    by_inspector: list[tuple[int | None, str, int]] | None = field(default_factory=list)
    # (Monday of the ISO week, count) for weeks with meldingen; presentation fills the gaps
    by_week: list[tuple[dt.date, int]] | None = field(default_factory=list)
    # False: counts.declined_by_outcome is empty because the snapshot did not record it
    declined_by_outcome_recorded: bool = True

    @property
    def declined_by_outcome(self) -> dict[str, int] | None:
        return self.counts.declined_by_outcome if self.declined_by_outcome_recorded else None

    def to_json(self) -> dict[str, Any]:
        """The figures in the shape of SCHEMA_VERSION; figures not recorded are left out."""
        c = self.counts
        counts = {
            "received": c.received,
            "investigated": c.investigated,
            "only_not_allowed": c.only_not_allowed,
            "declined": c.declined,
            "not_triaged": c.not_triaged,
            "overdue": self.overdue,
            "not_recognised": self.not_recognised,
            "not_recognised_employers": self.not_recognised_employers,
        }
        outcomes, weeks = self.declined_by_outcome, self.by_week
        data = {
            "counts": {key: n for key, n in counts.items() if n is not None},
            "overdue_on": self.overdue_on.isoformat() if self.overdue_on else None,
            "declined_by_outcome": None if outcomes is None else sorted(outcomes.items()),
            "by_state": None if self.by_state is None else sorted(self.by_state.items()),
            "by_sector": _lists(self.by_sector),
            "by_inspector": _lists(self.by_inspector),
            "by_week": None if weeks is None else [[day.isoformat(), n] for day, n in weeks],
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        """Figures from to_json of any schema version up to SCHEMA_VERSION. The headline
        counts are in every version; any other figure a snapshot lacks (absent or null) is
        None, not recorded. (Version 1 is the first; a later version that changes the shape
        of a key, not just adds one, reads the older shapes here.)"""
        c = data["counts"]
        outcomes = data.get("declined_by_outcome")
        by_state, by_sector = data.get("by_state"), data.get("by_sector")
        by_inspector, by_week = data.get("by_inspector"), data.get("by_week")
        overdue_on = data.get("overdue_on")
        return cls(
            counts=CaseCounts(
                received=c["received"],
                investigated=c["investigated"],
                only_not_allowed=c["only_not_allowed"],
                declined=c["declined"],
                not_triaged=c["not_triaged"],
                declined_by_outcome=dict(outcomes or []),
            ),
            overdue=c.get("overdue"),
            not_recognised=c.get("not_recognised"),
            not_recognised_employers=c.get("not_recognised_employers"),
            overdue_on=dt.date.fromisoformat(overdue_on) if overdue_on else None,
            by_state=None if by_state is None else dict(by_state),
            by_sector=None if by_sector is None else [(k, name, n) for k, name, n in by_sector],
            by_inspector=(
                None if by_inspector is None else [(pk, name, n) for pk, name, n in by_inspector]
            ),
            by_week=(
                None if by_week is None else [(dt.date.fromisoformat(day), n) for day, n in by_week]
            ),
            declined_by_outcome_recorded=outcomes is not None,
        )


def _lists(rows: list[tuple[Any, ...]] | None) -> list[list[Any]] | None:
    return None if rows is None else [list(row) for row in rows]


# ---------------------------------------------------------------------------
# Tallies: what both ways of counting (one pass here, day counts) produce


@dataclass
class Tally:
    """Counts as the queries return them, before they become Figures."""

    received: int = 0
    investigated: int = 0
    only_not_allowed: int = 0
    declined: int = 0
    not_triaged: int = 0
    overdue: int = 0
    not_recognised: int = 0
    not_recognised_employers: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)  # of the declined ones
    by_sector: Counter[str | None] = field(default_factory=Counter)
    by_assignee: Counter[int | None] = field(default_factory=Counter)
    by_day: Counter[dt.date] = field(default_factory=Counter)
    sector_names: dict[str, str] = field(default_factory=dict)
    assignee_names: dict[int, str] = field(default_factory=dict)

    def add_state(self, state_code: int, outcome_code: int, investigated: bool, n: int) -> None:
        """`n` meldingen in this state, with this outcome, investigated or not."""
        if not n:
            return
        self.by_state[STATE_OF_CODE[state_code]] += n
        if investigated:
            self.investigated += n
        elif state_code == CLOSED_CODE:
            self.declined += n
            self.by_outcome[OUTCOME_OF_CODE[outcome_code]] += n
        else:
            self.not_triaged += n

    def name_sector(self, code: str | None, name: str | None) -> None:
        if code and name is not None:
            self.sector_names[code] = name

    def name_assignee(self, pk: int | None, first: Any, last: Any, username: Any) -> None:
        if pk:
            self.assignee_names[pk] = f"{first or ''} {last or ''}".strip() or username or ""

    def figures(self, today: dt.date) -> Figures:
        weeks: Counter[dt.date] = Counter()
        for day, n in self.by_day.items():
            if n:
                weeks[_day(day) - dt.timedelta(days=_day(day).weekday())] += n
        by_sector = [
            (code, f"{code} – {self.sector_names.get(code, '')}" if code else "", n)
            for code, n in self.by_sector.items()
            if n
        ]
        by_sector.sort(key=lambda r: (r[0] is None, r[0] or ""))
        by_inspector = [
            (pk, self.assignee_names.get(pk, "") if pk else "", n)
            for pk, n in self.by_assignee.items()
            if n
        ]
        by_inspector.sort(key=lambda r: (r[0] is None, r[1].casefold(), r[0] or 0))
        counts = CaseCounts(
            received=self.received,
            investigated=self.investigated,
            only_not_allowed=self.only_not_allowed,
            declined=self.declined,
            not_triaged=self.not_triaged,
            declined_by_outcome={code: n for code, n in self.by_outcome.items() if n},
        )
        return Figures(
            counts=counts,
            overdue=self.overdue,
            not_recognised=self.not_recognised,
            not_recognised_employers=self.not_recognised_employers,
            overdue_on=today,
            by_state={state: n for state, n in self.by_state.items() if n},
            by_sector=by_sector,
            by_inspector=by_inspector,
            by_week=sorted(weeks.items()),
        )


def _day(value: Any) -> dt.date:
    """A date from the database: SQLite returns the text of a raw query's dates."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# Work memory for the one pass: its hash tables, or its sort when the planner sorts, stay in
# memory (the server's default of 4 MB spills the sort of a year of meldingen to disk).
WORK_MEM = "64MB"


def execute_figures_sql(using: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run a figures statement; on PostgreSQL with more work memory, for this statement
    only (SET LOCAL in the same message: one round trip, one implicit transaction)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'; {sql}", params)
            cursor.nextset()
        else:
            cursor.execute(sql, params)
        return list(cursor.fetchall())


def names_sql(rows: str) -> str:
    """`rows` (a subquery with columns dim, g_sector, g_assignee, ...) with the sector's name
    and the assignee's names joined to it: a handful of grouped rows, not every melding."""
    sector = Sector._meta.db_table
    user = get_user_model()._meta.db_table
    return (
        f"SELECT r.*, s.name, u.first_name, u.last_name, u.username FROM ({rows}) AS r "  # noqa: S608
        f"LEFT JOIN {sector} s ON r.dim = 1 AND s.code = r.g_sector "
        f"LEFT JOIN {user} u ON r.dim = 2 AND u.id = r.g_assignee"
    )


# ---------------------------------------------------------------------------
# One pass over the selected meldingen


def _flag(q: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(q, output_field=BooleanField())


# The grouping sets: every headline count and the state breakdowns; sector; assignee; day.
STATE_KEYS = ("g_state", "g_outcome", "g_inv", "g_only", "g_nr", "g_overdue")
SETS: tuple[tuple[str, ...], ...] = (STATE_KEYS, ("g_sector",), ("g_assignee",), ("g_day",))
COLUMNS = (*STATE_KEYS, "g_sector", "g_assignee", "g_day")


def tally_rows(
    rows: list[tuple[Any, ...]],
    columns: tuple[str, ...],
    headline: Callable[[Tally, dict[str, Any], int], None],
) -> Tally:
    """The rows of `grouping_sets_sql` over `columns`: set 0 counts as received and goes to
    `headline`; the sector, assignee and day sets to the breakdowns, with their names."""
    tally = Tally()
    width = len(columns)
    for row in rows:
        dim, values, n = row[0], dict(zip(columns, row[1 : width + 1], strict=True)), row[width + 1]
        sector_name, first, last, username = row[width + 2 : width + 6]
        if dim == 0:
            tally.received += n
            headline(tally, values, n)
        elif dim == 1:
            tally.by_sector[values["g_sector"]] += n
            tally.name_sector(values["g_sector"], sector_name)
        elif dim == 2:
            tally.by_assignee[values["g_assignee"]] += n
            tally.name_assignee(values["g_assignee"], first, last, username)
        else:
            tally.by_day[_day(values["g_day"])] += n
    return tally


def dashboard_figures(cases: QuerySet[Case], today: dt.date | None = None) -> Figures:
    """All dashboard figures for `cases` (already narrowed by permissions and the shared
    FilterSet) in two queries, whatever the number of meldingen."""
    today = today or timezone.localdate()
    base = countable(cases)

    def headline(tally: Tally, values: dict[str, Any], n: int) -> None:
        tally.add_state(values["g_state"], values["g_outcome"], bool(values["g_inv"]), n)
        tally.only_not_allowed += n if values["g_only"] else 0
        tally.not_recognised += n if values["g_nr"] else 0
        tally.overdue += n if values["g_overdue"] else 0

    tally = tally_rows(execute_figures_sql(base.db, *_one_pass_sql(base, today)), COLUMNS, headline)
    tally.not_recognised_employers = base.filter(not_recognised=True).aggregate(
        n=Count("employer_id", distinct=True)
    )["n"]
    return tally.figures(today)


def grouping_sets_sql(
    inner: QuerySet[Any, dict[str, Any]],
    columns: tuple[str, ...],
    sets: tuple[tuple[str, ...], ...],
) -> tuple[str, list[Any]]:
    """One pass over the rows of `inner` (a `.values(*columns)` query), counted per grouping
    set: GROUPING SETS on PostgreSQL, a UNION ALL of one GROUP BY per set elsewhere. Each row
    carries `dim`, the number of its set (the headline keys, sector, assignee, day), and the
    names of its sector and assignee (`names_sql`)."""
    inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
    listed = ", ".join(columns)
    # Only fixed column names are formatted in; the filter's values stay parameters.
    if connections[inner.db].vendor == "postgresql":
        dim = (
            "CASE WHEN GROUPING(g_state) = 0 THEN 0 WHEN GROUPING(g_sector) = 0 THEN 1 "
            "WHEN GROUPING(g_assignee) = 0 THEN 2 ELSE 3 END"
        )
        groups = ", ".join(f"({', '.join(keys)})" for keys in sets)
        grouped = (
            f"SELECT {dim} AS dim, {listed}, COUNT(*) AS n "  # noqa: S608
            f"FROM ({inner_sql}) AS c GROUP BY GROUPING SETS ({groups})"
        )
        params = list(inner_params)
    else:
        branches = []
        for number, keys in enumerate(sets):
            selected = ", ".join(c if c in keys else f"NULL AS {c}" for c in columns)
            branches.append(
                f"SELECT {number} AS dim, {selected}, COUNT(*) AS n "  # noqa: S608
                f"FROM ({inner_sql}) AS c GROUP BY {', '.join(keys)}"
            )
        grouped = " UNION ALL ".join(branches)
        params = list(inner_params) * len(sets)
    return names_sql(grouped), params


def _one_pass_sql(base: QuerySet[Case], today: dt.date) -> tuple[str, list[Any]]:
    """The statement of the one pass: (dim, *COLUMNS, n, sector name, assignee's first
    name, last name and username) per group."""
    inner = base.annotate(
        g_state=F("state_code"),
        g_outcome=F("outcome_code"),
        g_inv=_flag(Q(investigated_at__isnull=False)),
        g_only=_flag(Q(topic_mask=ONLY_NOT_ALLOWED_MASK)),
        g_nr=F("not_recognised"),
        g_overdue=_flag(overdue_q(today)),
        g_sector=F("sector_code"),
        g_assignee=F("assignee_id"),
        g_day=F("local_day"),
    ).values(*COLUMNS)
    return grouping_sets_sql(inner, COLUMNS, SETS)
