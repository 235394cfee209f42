"""The precomputed columns of a case and the counts per day, kept in step by the services.

What the dashboard counts is copied onto the case row (`Case.local_day`, `state_code`,
`outcome_code`, `channel_code`, `sector_code`, `topic_mask`, `not_recognised`, and the
earliest open agreement's due date `agreement_due` for the overdue count) and summed per
day in the tables of `cases.models.rollups`. Only this module writes them, and only when
called by the services that change the facts they copy, in the same transaction:

- `cases.services.intake.case_intake` for a new case (`derive` and `count_change`);
- `cases.services.base.Write.finish` for every action on a case: it knows the stored columns
  before the action and derives them again after it (reading the case's topics, calls and
  agreements again only after an action whose row in the workflow table says it `changes`
  them, or that moved the case into a state that works towards its agreements);
- `cases.services.employers` when an employer's sector changes (`move_employer_cases`).

`loaddata` writes rows past the services: the fixtures carry the columns, and the project's
`loaddata` command rebuilds the day counts afterwards (`rebuild`). `check` recounts
everything and reports drift (`manage.py check_precomputed`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Min, Q, Value

from cases.models import (
    NOT_ALLOWED_TOPIC,
    Agreement,
    AgreementStatus,
    Call,
    Case,
    DayAssigneeCount,
    DayCount,
    DaySectorCount,
    DayStateCount,
    Employer,
    EmployerResponse,
)
from cases.models.case import AGREEMENT_DEADLINE_STATES
from cases.models.rollups import CHANNEL_CODES, NO_SECTOR, NOBODY, OUTCOME_CODES, STATE_CODES
from cases.reference_data import TOPIC_BITS

# Case.topic_mask of a case whose only topic is "niet mogen thuiswerken".
ONLY_NOT_ALLOWED_MASK = 1 << TOPIC_BITS[NOT_ALLOWED_TOPIC]


# ---------------------------------------------------------------------------
# The precomputed columns


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of `moment` in Europe/Amsterdam (settings.TIME_ZONE), in Python, so
    that SQLite and PostgreSQL store the same day."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def mask_of(bits: Iterable[int]) -> int:
    mask = 0
    for bit in bits:
        mask |= 1 << bit
    return mask


def related_facts(case: Case) -> tuple[int, bool]:
    """The topic mask and the not-recognised flag of a saved case, from its topics and calls
    (one query)."""
    bits = Case.topics.through.objects.filter(case_id=case.pk).order_by().values_list("topic__bit")
    nee = (
        Call.objects.filter(case_id=case.pk, reached=True, employer_response=EmployerResponse.NEE)
        .order_by()
        .annotate(marker=Value(-1))
        .values_list("marker")
    )
    rows = [row[0] for row in bits.union(nee, all=True)]
    return mask_of(b for b in rows if b >= 0), -1 in rows


def open_agreement_due(case_id: int) -> dt.date | None:
    """The due date of the earliest open agreement of `case_id` (one query): pass
    `Case.agreements_case_id`, as a case handled together with others works towards the
    agreements of its bundle's lead."""
    return Agreement.objects.filter(case_id=case_id, status=AgreementStatus.OPEN).aggregate(
        due=Min("due_date")
    )["due"]


def derive(
    case: Case,
    *,
    topic_bits: Iterable[int] | None = None,
    not_recognised: bool | None = None,
    related_unchanged: bool = False,
    agreements_unchanged: bool = False,
    agreement_dues: Mapping[int, dt.date] | None = None,
) -> None:
    """Set the precomputed columns of `case` (in memory) from its own fields, its employer's
    sector and its topics, calls and agreements (its bundle lead's, when it has one).

    Topics and calls are read from the database unless both are given (as at intake, before
    the case has any), or `related_unchanged` says the caller changed neither (then the case
    keeps the topic mask and flag it was read with). The earliest open agreement is read only
    in `AGREEMENT_DEADLINE_STATES`, unless `agreement_dues` gives it (per case id, for a
    batch) or `agreements_unchanged` says the case keeps the one it was read with."""
    case.local_day = local_day(case.received_at)
    case.state_code = STATE_CODES[case.state]
    case.outcome_code = OUTCOME_CODES[case.outcome]
    case.channel_code = CHANNEL_CODES[case.channel]
    case.sector_code = case.employer.sector_id
    if case.state not in AGREEMENT_DEADLINE_STATES:
        case.agreement_due = None
    elif agreement_dues is not None:
        case.agreement_due = agreement_dues.get(case.agreements_case_id)
    elif not agreements_unchanged:
        case.agreement_due = open_agreement_due(case.agreements_case_id)
    if related_unchanged:
        return
    if topic_bits is None or not_recognised is None:
        case.topic_mask, case.not_recognised = related_facts(case)
    else:
        case.topic_mask, case.not_recognised = mask_of(topic_bits), not_recognised


PRECOMPUTED = (
    "local_day",
    "state_code",
    "outcome_code",
    "channel_code",
    "sector_code",
    "topic_mask",
    "not_recognised",
    "agreement_due",
)


# ---------------------------------------------------------------------------
# The counts per day


@dataclass(frozen=True)
class Facts:
    """What the day counts count of one case, read from its stored columns."""

    day: dt.date
    state: int
    outcome: int
    investigated: bool
    sector: str
    assignee: int
    only_not_allowed: bool
    not_recognised: bool

    @classmethod
    def of(cls, values: Any) -> Facts:
        """From a case, or from a mapping of its column names (attnames) to values."""
        get: Callable[[str], Any] = (
            values.__getitem__ if isinstance(values, dict) else lambda name: getattr(values, name)
        )
        return cls(
            day=get("local_day"),
            state=get("state_code"),
            outcome=get("outcome_code"),
            investigated=get("investigated_at") is not None,
            sector=get("sector_code") or NO_SECTOR,
            assignee=get("assignee_id") or NOBODY,
            only_not_allowed=get("topic_mask") == ONLY_NOT_ALLOWED_MASK,
            not_recognised=bool(get("not_recognised")),
        )


@dataclass
class Deltas:
    """Changes to the day counts, netted per key before they are written."""

    totals: Counter[tuple[Any, ...]]
    states: Counter[tuple[Any, ...]]
    sectors: Counter[tuple[Any, ...]]
    assignees: Counter[tuple[Any, ...]]

    @classmethod
    def empty(cls) -> Deltas:
        return cls(Counter(), Counter(), Counter(), Counter())

    def add(self, facts: Facts, sign: int) -> None:
        day = facts.day
        self.totals[(day, "received")] += sign
        self.totals[(day, "only_not_allowed")] += sign * facts.only_not_allowed
        self.totals[(day, "not_recognised")] += sign * facts.not_recognised
        for spans in _spans(day):
            self.states[(*spans, facts.state, facts.outcome, facts.investigated)] += sign
            self.assignees[(*spans, facts.assignee)] += sign
        self.add_sector(day, facts.sector, sign)

    def add_sector(self, day: dt.date, sector: str, sign: int) -> None:
        for spans in _spans(day):
            self.sectors[(*spans, sector)] += sign


def _spans(day: dt.date) -> tuple[tuple[bool, dt.date], tuple[bool, dt.date]]:
    """The keys (whole_month, day) of a day's own row and of its month's subtotal."""
    return (False, day), (True, day.replace(day=1))


def count_change(before: Facts | None, after: Facts | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Move one case in the day counts from `before` (None: it is new) to `after`."""
    if before == after:
        return
    deltas = Deltas.empty()
    if before is not None:
        deltas.add(before, -1)
    if after is not None:
        deltas.add(after, +1)
    apply(deltas, using)


def _rows(counter: Counter[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # Sorted, so that concurrent writers take the rows' locks in the same order.
    return [(*key, n) for key, n in sorted(counter.items()) if n]


def _upsert(
    table: str, key: Sequence[str], values: Sequence[str], rows: list[Any]
) -> tuple[str, list[Any]]:
    columns = [*key, *values]
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    updates = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )
    return sql, [value for row in rows for value in row]


def apply(deltas: Deltas, using: str = DEFAULT_DB_ALIAS) -> None:
    """Write netted deltas: one INSERT ... ON CONFLICT per table that changes, in a fixed
    order; on PostgreSQL all of them in one round trip."""
    totals: dict[dt.date, list[int]] = {}
    names = ("received", "only_not_allowed", "not_recognised")
    for (day, name), n in deltas.totals.items():
        totals.setdefault(day, [0, 0, 0])[names.index(name)] += n
    statements = []
    total_rows = [(day, *ns) for day, ns in sorted(totals.items()) if any(ns)]
    if total_rows:
        statements.append(_upsert(DayCount._meta.db_table, ["day"], names, total_rows))
    for model, key, counter in (
        (
            DayStateCount,
            ["whole_month", "day", "state_code", "outcome_code", "investigated"],
            deltas.states,
        ),
        (DaySectorCount, ["whole_month", "day", "sector_code"], deltas.sectors),
        (DayAssigneeCount, ["whole_month", "day", "assignee_id"], deltas.assignees),
    ):
        rows = _rows(counter)
        if rows:
            statements.append(_upsert(model._meta.db_table, key, ["n"], rows))
    if not statements:
        return
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            # Client-side binding (Django's default with psycopg 3) sends them as one message.
            cursor.execute(
                "; ".join(sql for sql, _params in statements),
                [value for _sql, params in statements for value in params],
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def move_employer_cases(employer: Employer, *, exclude: int | None = None) -> int:
    """Give the cases of `employer` its current sector: their `sector_code` and the day
    counts, in the caller's transaction. `exclude`: a case the caller saves itself (through
    `case_write`, which counts its own change). Returns the number of cases moved."""
    new = employer.sector_id
    cases = Case.objects.filter(employer_id=employer.pk)
    if new is None:
        cases = cases.filter(sector_code__isnull=False)
    else:
        cases = cases.filter(Q(sector_code__isnull=True) | ~Q(sector_code=new))
    if exclude is not None:
        cases = cases.exclude(pk=exclude)
    rows = list(cases.select_for_update().values_list("pk", "local_day", "sector_code"))
    if not rows:
        return 0
    Case.objects.filter(pk__in=[pk for pk, _day, _old in rows]).update(sector_code=new)
    deltas = Deltas.empty()
    for _pk, day, old in rows:
        deltas.add_sector(day, old or NO_SECTOR, -1)
        deltas.add_sector(day, new or NO_SECTOR, +1)
    apply(deltas)
    return len(rows)


# ---------------------------------------------------------------------------
# Recounting: rebuild, and checking for drift


def _month_start(vendor: str) -> str:
    """SQL for the first day of local_day's month."""
    if vendor == "postgresql":
        return "CAST(date_trunc('month', local_day) AS date)"
    return "date(local_day, 'start of month')"


def _recount_sql(vendor: str) -> list[tuple[type[Any], list[str], str, list[Any]]]:
    """Per day-count table: its columns and the SELECT that counts them from the stored
    columns of the cases (the days, and for the keyed tables the months too)."""
    case = Case._meta.db_table
    investigated = "CASE WHEN investigated_at IS NULL THEN %s ELSE %s END"
    keyed: list[tuple[type[Any], list[str], str, list[Any]]] = [
        (
            DayStateCount,
            ["state_code", "outcome_code", "investigated"],
            f"state_code, outcome_code, {investigated}",
            [False, True],
        ),
        (DaySectorCount, ["sector_code"], "COALESCE(sector_code, %s)", [NO_SECTOR]),
        (DayAssigneeCount, ["assignee_id"], "COALESCE(assignee_id, %s)", [NOBODY]),
    ]
    recounts: list[tuple[type[Any], list[str], str, list[Any]]] = [
        (
            DayCount,
            ["day", "received", "only_not_allowed", "not_recognised"],
            "SELECT local_day, COUNT(*), "  # noqa: S608 (fixed names, no input)
            "SUM(CASE WHEN topic_mask = %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN not_recognised THEN 1 ELSE 0 END) FROM {case} GROUP BY local_day",
            [ONLY_NOT_ALLOWED_MASK],
        )
    ]
    for model, columns, key, key_params in keyed:
        branches, params = [], []
        for whole_month, day in ((False, "local_day"), (True, _month_start(vendor))):
            branches.append(
                f"SELECT %s, {day}, {key}, COUNT(*) FROM {case} "  # noqa: S608
                f"GROUP BY {day}, {key}"
            )
            params += [whole_month, *key_params, *key_params]
        recounts.append(
            (model, ["whole_month", "day", *columns, "n"], " UNION ALL ".join(branches), params)
        )
    return recounts


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Recount every day count from the stored columns of the cases (call it in a
    transaction: readers then see the old counts or the new ones, never none)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for model, columns, select, params in _recount_sql(connection.vendor):
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) {select}",
                params,
            )


@dataclass(frozen=True)
class Drift:
    """One difference between what is stored and what it should be."""

    what: str  # a column of a case ("TW-2021-00001 sector_code") or a day count's key
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return f"{self.what}: stored {self.stored!r}, expected {self.expected!r}"


def _counted(
    model: type[Any], columns: list[str], rows: Iterable[Sequence[Any]]
) -> dict[tuple[Any, ...], int]:
    """Rows of a day-count table (day, key..., count...) as {(day, key...): count}; the
    counts of DayCount by (day, column name)."""
    out: dict[tuple[Any, ...], int] = {}
    for raw in rows:
        row = _key(raw)
        if model is DayCount:
            for name, n in zip(columns[1:], row[1:], strict=True):
                out[(row[0], name)] = n
        else:
            out[row[:-1]] = row[-1]
    return out


def day_count_drift(using: str = DEFAULT_DB_ALIAS) -> list[Drift]:
    """Every day count that differs from a recount from the cases' stored columns (a count
    of 0 and a missing row are the same)."""
    drift: list[Drift] = []
    connection = connections[using]
    with connection.cursor() as cursor:
        for model, columns, select, params in _recount_sql(connection.vendor):
            cursor.execute(select, params)
            expected = _counted(model, columns, cursor.fetchall())
            stored = _counted(model, columns, model.objects.using(using).values_list(*columns))
            label = model._meta.model_name
            for key in sorted(set(expected) | set(stored), key=str):
                mine, theirs = stored.get(key, 0), expected.get(key, 0)
                if mine != theirs:
                    drift.append(Drift(f"{label} {key}", mine, theirs))
    return drift


def _key(values: Sequence[Any]) -> tuple[Any, ...]:
    # SQLite returns booleans and dates of a raw SELECT as 0/1 and text.
    return tuple(
        dt.date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 and v[4] == "-" else v
        for v in values
    )


def column_drift(using: str = DEFAULT_DB_ALIAS, batch: int = 2000) -> list[tuple[Case, Drift]]:
    """Every precomputed column of a case that differs from what its fields, employer,
    topics, calls and agreements give (derived again in Python, as the services do)."""
    drift: list[tuple[Case, Drift]] = []
    nee = set(
        Call.objects.using(using)
        .filter(reached=True, employer_response=EmployerResponse.NEE)
        .values_list("case_id", flat=True)
    )
    last = 0
    while True:
        cases = list(
            Case.objects.using(using)
            .select_related("employer")
            .filter(pk__gt=last)
            .order_by("pk")[:batch]
        )
        if not cases:
            return drift
        last = cases[-1].pk
        ids = [c.pk for c in cases]
        dues = dict(
            Agreement.objects.using(using)
            .filter(case_id__in={c.agreements_case_id for c in cases}, status=AgreementStatus.OPEN)
            .values("case_id")
            .annotate(due=Min("due_date"))
            .values_list("case_id", "due")
        )
        bits: dict[int, list[int]] = {}
        for case_id, bit in (
            Case.topics.through.objects.using(using)
            .filter(case_id__in=ids)
            .values_list("case_id", "topic__bit")
        ):
            bits.setdefault(case_id, []).append(bit)
        for case in cases:
            stored = {name: getattr(case, name) for name in PRECOMPUTED}
            derive(
                case,
                topic_bits=bits.get(case.pk, []),
                not_recognised=case.pk in nee,
                agreement_dues=dues,
            )
            for name in PRECOMPUTED:
                if getattr(case, name) != stored[name]:
                    what = f"{case.reference} {name}"
                    drift.append((case, Drift(what, stored[name], getattr(case, name))))


def repair(using: str = DEFAULT_DB_ALIAS) -> tuple[int, int]:
    """Write the precomputed columns that drifted and rebuild the day counts (call it in a
    transaction). Returns the number of columns and of day counts that were wrong."""
    columns = column_drift(using)
    cases = {case.pk: case for case, _drift in columns}
    if cases:
        Case.objects.using(using).bulk_update(list(cases.values()), PRECOMPUTED, batch_size=1000)
    counts = day_count_drift(using)
    if counts:
        rebuild(using)
    return len(columns), len(counts)
