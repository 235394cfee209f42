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
aggregate and one query for the four breakdowns (GROUPING SETS on PostgreSQL, a UNION ALL
of four GROUP BY queries elsewhere; declined-by-outcome rides along with the per-state
breakdown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import Case as Case_
from django.db.models import CharField, Count, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, TruncWeek
from django.utils import timezone

from cases.filters import not_recognised_q, overdue_q
from cases.models import Case
from cases.selectors import DECLINED_Q, CaseCounts, countable, headline_aggregates

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


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _text(expression: Any) -> Cast:
    return Cast(expression, CharField())


def _breakdown(
    cases: QuerySet[Case], dim: str, key: Any, label: Any, extra: Any
) -> QuerySet[Any, Any]:
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
