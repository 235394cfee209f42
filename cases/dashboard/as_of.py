"""Figures as they were known at a past moment (the reference date, "peildatum").

"How many had been investigated by 9 April?" differs from "how many of those received by 9
April have been investigated by now". `figures_as_of(cases, moment)` answers the first: the
dashboard's figures for the selected meldingen as the system knew them at `moment`:

- only meldingen registered (`created_at`) at or before the moment: the system did not
  know the others yet (a melding received on Friday evening and registered on Monday is
  not in Friday's figures);
- "taken into investigation": `investigated_at` at or before the moment;
- the state of each melding as it stood then: the `to_state` of its last transition Event
  (Events are append-only and every change of state writes one with from and to) at or
  before the moment; the outcome of a melding closed then is the one its closing Event
  recorded. A melding reopened later counts as closed, with that outcome;
- "the employer did not recognise itself": a reached call with the answer "nee" recorded
  (calls are never changed) at or before the moment;
- topics, sector and assignee have no history: they are today's values (the dashboard
  says so under the figures);
- the overdue count is not computed for a past moment (agreements' due dates and statuses
  change without a state change); it is None, and the page says why.

`end_of_day(day)` is the moment a reference date (`known_on`) means: the end of that day in
Europe/Amsterdam. Everything is counted in one pass over the selected meldingen with the
same grouping sets as `cases.dashboard.figures.dashboard_figures`; the last transition
Event per melding is read from the partial index `event_transition_idx` (transitions only,
by case and time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Concat
from django.db.models.lookups import IsNull
from django.utils import timezone

from cases.dashboard.figures import (
    SETS,
    Figures,
    Tally,
    _flag,
    execute_figures_sql,
    grouping_sets_sql,
    tally_rows,
)
from cases.deadlines import local_day_start
from cases.models import Call, Case, EmployerResponse, Event, State
from cases.models.rollups import CLOSED_CODE, OUTCOME_CODES, STATE_CODES
from cases.rollups import ONLY_NOT_ALLOWED_MASK
from cases.selectors import countable

AS_OF_KEYS = ("g_state", "g_inv", "g_only", "g_nr")
AS_OF_COLUMNS = (*AS_OF_KEYS, "g_sector", "g_assignee", "g_day")
AS_OF_SETS: tuple[tuple[str, ...], ...] = (AS_OF_KEYS, *SETS[1:])
SEPARATOR = ":"  # between the state and the outcome in `state_then`


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of `day` in Europe/Amsterdam: what "known on `day`" means."""
    return local_day_start(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


def transitions_until(moment: dt.datetime) -> QuerySet[Event]:
    """The transition Events of the outer query's case at or before `moment`, latest first
    (the order of `event_transition_idx`)."""
    return (
        Event.objects.filter(case=OuterRef("pk"), created_at__lte=moment)
        .exclude(to_state="")
        .order_by("-created_at", "-pk")
    )


def state_then(moment: dt.datetime) -> CaseWhen:
    """The outer query's case's state at `moment` and, when closed then, the outcome its
    closing Event recorded, as one text ("closed:ingetrokken", "under_investigation"; see
    `split_state`).

    A case closed now whose `closed_at` (the moment of its last transition: closing sets it,
    reopening clears it) is at or before `moment` stood then as it stands now, with today's
    outcome; for any other case, one lookup of its last transition by then."""
    closed_outcome = Concat(
        Value(State.CLOSED.value + SEPARATOR),
        Coalesce(KeyTextTransform("outcome", "data"), Value(""), output_field=CharField()),
        output_field=CharField(),
    )
    state_and_outcome = transitions_until(moment).annotate(
        then=CaseWhen(
            When(to_state=State.CLOSED.value, then=closed_outcome),
            default=F("to_state"),
            output_field=CharField(),
        )
    )
    return CaseWhen(
        When(
            Q(state_code=CLOSED_CODE, closed_at__lte=moment),
            then=Concat(Value(State.CLOSED.value + SEPARATOR), F("outcome")),
        ),
        default=Coalesce(
            Subquery(state_and_outcome.values("then")[:1]),
            Value(State.RECEIVED.value),
            output_field=CharField(),
        ),
        output_field=CharField(),
    )


def split_state(value: str) -> tuple[str, str]:
    """(state, outcome) from `state_then`'s text; the outcome is "" unless closed."""
    state, _separator, outcome = value.partition(SEPARATOR)
    return state, outcome


def not_recognised_then(moment: dt.datetime) -> CaseWhen:
    """A reached call with the answer "nee" recorded at or before `moment`. Calls are never
    changed, so only a case that has such a call now (`not_recognised`) can have had one
    then: the calls are looked up for those cases only."""
    nee_call = Call.objects.filter(
        case=OuterRef("pk"),
        reached=True,
        employer_response=EmployerResponse.NEE,
        created_at__lte=moment,
    )
    # A scalar subquery, not EXISTS: PostgreSQL would hash an EXISTS over every call.
    return CaseWhen(
        When(
            not_recognised=True,
            then=IsNull(Subquery(nee_call.order_by().values("pk")[:1]), False),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def figures_as_of(
    cases: QuerySet[Case], moment: dt.datetime, *, today: dt.date | None = None
) -> Figures:
    """The dashboard figures for `cases` (already narrowed by permissions and the shared
    FilterSet) as they were known at `moment` (see the module's docstring), in two queries.
    `overdue` is None: it is not computed for a past moment."""
    today = today or timezone.localdate()
    base = countable(cases)

    def headline(tally: Tally, values: dict[str, Any], n: int) -> None:
        state, outcome = split_state(values["g_state"])
        tally.add_state(STATE_CODES[state], OUTCOME_CODES[outcome], bool(values["g_inv"]), n)
        tally.only_not_allowed += n if values["g_only"] else 0
        tally.not_recognised += n if values["g_nr"] else 0

    rows = execute_figures_sql(base.db, *one_pass_sql(base, moment))
    tally = tally_rows(rows, AS_OF_COLUMNS, headline)
    tally.not_recognised_employers = (
        base.filter(created_at__lte=moment)
        .alias(nr_then=not_recognised_then(moment))
        .filter(nr_then=True)
        .values("employer_id")
        .distinct()
        .count()
    )
    figures = tally.figures(today)
    return Figures(
        counts=figures.counts,
        overdue=None,
        not_recognised=figures.not_recognised,
        not_recognised_employers=figures.not_recognised_employers,
        overdue_on=None,
        by_state=figures.by_state,
        by_sector=figures.by_sector,
        by_inspector=figures.by_inspector,
        by_week=figures.by_week,
    )


def one_pass_sql(base: QuerySet[Case], moment: dt.datetime) -> tuple[str, list[Any]]:
    """The statement of the one pass as known at `moment` over `base` (countable): (dim,
    *AS_OF_COLUMNS, n, sector name, assignee's first name, last name and username) per
    group."""
    inner = (
        base.filter(created_at__lte=moment)
        .annotate(
            g_state=state_then(moment),
            g_inv=_flag(Q(investigated_at__lte=moment)),
            g_only=_flag(Q(topic_mask=ONLY_NOT_ALLOWED_MASK)),
            g_nr=not_recognised_then(moment),
            g_sector=F("sector_code"),
            g_assignee=F("assignee_id"),
            g_day=F("local_day"),
        )
        .values(*AS_OF_COLUMNS)
    )
    return grouping_sets_sql(inner, AS_OF_COLUMNS, AS_OF_SETS)
