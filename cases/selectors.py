"""Reads and aggregations, computed in the database.

Definitions: "Dashboard definitions" in PRODUCT.md. For a queryset of meldingen (already
narrowed by permissions and the shared FilterSet):
- received: all of them;
- investigated: ever taken into investigation (`investigated_at` set), whatever the state now;
- only_not_allowed: topics exactly {niet_mogen_thuiswerken};
- declined: never investigated and closed (declined with an outcome);
- not_triaged: never investigated and not closed.
received = investigated + declined + not_triaged always holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import validators as v
from cases.filters import current_due, only_topic_q, received_between
from cases.models import (
    NOT_ALLOWED_TOPIC,
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Employer,
    Event,
    EventKind,
    Letter,
    Outcome,
    RoleGrant,
    State,
)
from cases.models.case import AGREEMENT_DEADLINE_STATES, DEADLINES
from cases.models.rollups import CLOSED_CODE, OUTCOME_OF_CODE
from cases.permissions import intake_queue_q, supervisor_users_q, visible_cases
from cases.types import Actor, AnyUser
from cases.workflow import ATTACHABLE

# "Kamerbrief 25 295 nr. 1172": "eind januari" read as 25 January, up to and including 9 April.
KAMERBRIEF_PERIOD = (dt.date(2021, 1, 25), dt.date(2021, 4, 9))

# On the precomputed state code, like every count (see cases.filters.CaseFilter).
DECLINED_Q = Q(investigated_at__isnull=True, state_code=CLOSED_CODE)
NOT_TRIAGED_Q = Q(investigated_at__isnull=True) & ~Q(state_code=CLOSED_CODE)


@dataclass(frozen=True)
class CaseCounts:
    received: int
    investigated: int
    only_not_allowed: int
    declined: int
    not_triaged: int
    declined_by_outcome: dict[str, int] = field(default_factory=dict)

    def declined_by_outcome_labelled(self) -> list[tuple[str, str, int]]:
        return [
            (code, str(Outcome(code).label), count)
            for code, count in sorted(self.declined_by_outcome.items())
        ]


def countable(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` ready for aggregation: unordered, and without DISTINCT or LIMIT (aggregating
    over those needs a subquery, so the selected rows are counted instead)."""
    if cases.query.distinct or cases.query.is_sliced:
        cases = Case.objects.filter(pk__in=cases.values("pk"))
    return cases.order_by()


def headline_aggregates() -> dict[str, Count]:
    """The headline counts (see the module docstring) as aggregate expressions."""
    return {
        "received": Count("pk"),
        "investigated": Count("pk", filter=Q(investigated_at__isnull=False)),
        "only_not_allowed": Count("pk", filter=only_topic_q(NOT_ALLOWED_TOPIC)),
        "declined": Count("pk", filter=DECLINED_Q),
        "not_triaged": Count("pk", filter=NOT_TRIAGED_Q),
    }


def case_counts(cases: QuerySet[Case]) -> CaseCounts:
    """Headline counts for `cases` in two queries, whatever the number of cases."""
    base = countable(cases)
    totals = base.aggregate(**headline_aggregates())
    by_outcome = {
        OUTCOME_OF_CODE[row["outcome_code"]]: row["n"]
        for row in base.filter(DECLINED_Q).values("outcome_code").annotate(n=Count("pk"))
    }
    return CaseCounts(declined_by_outcome=by_outcome, **totals)


def received_in_period(cases: QuerySet[Case], start: dt.date, end: dt.date) -> QuerySet[Case]:
    """Meldingen received on the local calendar days start..end inclusive."""
    return cases.filter(received_between(start, end))


def kamerbrief_counts(cases: QuerySet[Case]) -> CaseCounts:
    return case_counts(received_in_period(cases, *KAMERBRIEF_PERIOD))


# Sortable list columns: public sort key -> ORDER BY fields. "due" is the current deadline
# (`filters.current_due`): the most overdue first, then the nearest, cases without one last.
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "reference": ("reference",),
    # By local day first: the same order (the day follows from the moment), and a list of a
    # period then reads its cases in order from the index the period is looked up in.
    "received": ("local_day", "received_at", "pk"),
    "employer": ("employer__name", "pk"),
    "state": ("state", "received_at"),
    "due": ("due_on", "received_at", "pk"),
    "assignee": ("assignee__last_name", "assignee__first_name", "pk"),
}
DEFAULT_SORT = "-received"


def parse_sort(value: str | None, default: str = DEFAULT_SORT) -> str:
    """A valid sort key (optionally prefixed with '-'); unknown values fall back."""
    key = (value or "").strip()
    return key if key.lstrip("-") in SORT_FIELDS else default


def _order(field: str, descending: bool) -> OrderBy:
    # Cases without a deadline (or an assignee, ...) come last in both directions.
    return OrderBy(F(field), descending=descending, nulls_last=True)


def list_order(
    cases: QuerySet[Case], sort: str | None, default: str = DEFAULT_SORT
) -> QuerySet[Case]:
    """`cases` in the order of a list's sort key (`SORT_FIELDS`, '-' for descending)."""
    key = parse_sort(sort, default)
    descending = key.startswith("-")
    fields = SORT_FIELDS[key.lstrip("-")]
    if "due_on" in fields:
        cases = cases.annotate(due_on=current_due())
    return cases.order_by(*(_order(f, descending) for f in fields))


def list_rows(cases: QuerySet[Case], sort: str, default: str = DEFAULT_SORT) -> QuerySet[Case]:
    """Rows for a case list: the related data each row shows, in a fixed number of queries."""
    return (
        list_order(cases, sort, default)
        .select_related("employer", "assignee")
        .prefetch_related("topics")
    )


def narrow_to_list(cases: QuerySet[Case], user: Actor, scope: str, params: Any) -> QuerySet[Case]:
    """The filtered `cases` narrowed to one list: "intake" (the intake queue), "mine" (the
    user's own; closed ones only through the Status filter or a search) or "all"."""
    if scope == "intake":
        return cases.filter(intake_queue_q())
    if scope == "mine":
        cases = cases.filter(assignee=user)
        if not params.getlist("state") and not params.get("q", "").strip():
            cases = cases.exclude(state=State.CLOSED)
    return cases


def employers_by_kvk(kvk_number: str) -> list[Employer]:
    """The registered employers (establishments) with this KvK number, the one without an
    establishment number first; none for a number that is not 8 digits."""
    kvk = kvk_number.strip()
    try:
        v.validate_kvk_number(kvk)
    except ValidationError:
        return []
    return list(Employer.objects.filter(kvk_number=kvk).order_by("establishment_number", "pk"))


def known_employer(kvk_number: str, establishment_number: str = "") -> Employer | None:
    """The registered employer with this KvK(+vestiging), if the numbers are well formed."""
    kvk, establishment = kvk_number.strip(), establishment_number.strip()
    try:
        v.validate_kvk_number(kvk)
        v.validate_establishment_number(establishment)
    except ValidationError:
        return None
    return Employer.objects.filter(kvk_number=kvk, establishment_number=establishment).first()


@dataclass(frozen=True)
class OtherOpenCases:
    """An employer's other open meldingen as one user may learn of them."""

    visible: list[Case]  # the ones this user may see (and open)
    hidden: int  # how many more there are that this user may not see
    supervisors: list[str]  # whom to ask about those: the team leaders' names


def other_open_cases(user: AnyUser, case: Case) -> OtherOpenCases:
    """The other open meldingen about `case`'s employer (any establishment with its KvK
    number): those `user` may see, and for the rest only how many there are and which team
    leaders to ask."""
    employer = case.employer
    same = Q(employer__kvk_number=employer.kvk_number) if employer.kvk_number else Q()
    others = Case.objects.filter(Q(employer_id=employer.pk) | same).exclude(state=State.CLOSED)
    others = others.exclude(pk=case.pk)
    visible = list(visible_cases(user, others).order_by("received_at", "pk"))
    hidden = others.count() - len(visible)
    leaders: list[str] = []
    if hidden:
        leaders = [
            u.get_full_name() or u.get_username()
            for u in get_user_model()
            .objects.filter(supervisor_users_q(), is_active=True)
            .distinct()
            .order_by("last_name", "first_name", "username")
        ]
    return OtherOpenCases(visible=visible, hidden=hidden, supervisors=leaders)


def intake_queue(user: AnyUser) -> QuerySet[Case]:
    """Unassigned received meldingen, for those who may take them."""
    return visible_cases(user).filter(intake_queue_q())


def my_cases(user: Actor) -> QuerySet[Case]:
    """Open cases assigned to `user` (list them with `list_rows`)."""
    return Case.objects.filter(assignee=user).exclude(state=State.CLOSED)


def case_by_reference(user: AnyUser, text: str) -> Case | None:
    """The case with exactly this reference (any letter case), if `user` may see it."""
    reference = text.strip().upper()
    if not re.fullmatch(v.REFERENCE_PATTERN.strip("^$"), reference):
        return None
    return visible_cases(user).filter(reference=reference).only("reference").first()


def case_page(user: AnyUser, reference: str) -> Case | None:
    """A case with everything the case page shows, in a fixed number of queries."""
    return (
        visible_cases(user)
        .select_related("employer__sector", "assignee", "main_case", "bundle_lead", "created_by")
        .prefetch_related(
            "topics",
            Prefetch("calls", queryset=Call.objects.select_related("caller")),
            Prefetch("agreements", queryset=Agreement.objects.order_by("due_date", "pk")),
            Prefetch("letters", queryset=Letter.objects.select_related("generated_by")),
            Prefetch(
                "events",
                # Newest first: the timeline starts with what happened last.
                queryset=Event.objects.select_related("actor").order_by("-created_at", "-pk"),
            ),
        )
        .filter(reference=reference)
        .first()
    )


def bundle_candidates(user: AnyUser | None, lead: Case) -> QuerySet[Case]:
    """The cases `user` may attach to `lead` now (cases.services.bundles): open and not yet
    called about, about the same employer, in the user's scope, not in a bundle already."""
    return (
        visible_cases(user)
        .filter(
            permissions.attachable_cases_q(user),
            employer_id=lead.employer_id,
            state__in=ATTACHABLE,
            bundle_lead__isnull=True,
        )
        .exclude(pk=lead.pk)
        .exclude(Exists(Case.objects.filter(bundle_lead=OuterRef("pk"))))
        .exclude(Exists(Call.objects.filter(case=OuterRef("pk"), reached=True)))
        .select_related("assignee")
        .order_by("received_at", "pk")
    )


def bundle_of(case: Case) -> list[Case]:
    """The cases handled together with `case`, when it leads a bundle, by reference."""
    return list(case.bundled.select_related("assignee").order_by("reference"))


def people_named_in(events: list[Event]) -> dict[int, str]:
    """Names of the people an Event's data refers to (an assignee), in one query."""
    ids = {e.data.get(key) for e in events for key in ("assignee_id", "previous_assignee_id")}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=[i for i in ids if i])
    }


def events_since(case: Case, moment: Any) -> list[Any]:
    """Writes on `case` after `moment` (what changed while a page was open)."""
    if moment is None:
        return []
    return list(
        Event.objects.filter(case=case, created_at__gt=moment)
        .exclude(kind__in=[EventKind.MELDER_VIEWED, EventKind.LETTER_DOWNLOADED])
        .select_related("actor")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class DueItem:
    """One due date of a case: its triage, its call or one of its open agreements."""

    due: dt.date
    kind: str  # "triage_due", "call_due" or "agreement"
    label: str
    reference: str
    employer: str
    employer_id: int
    agreement: str = ""  # the agreement's text, for an agreement


@dataclass(frozen=True)
class DueGroups:
    today: dt.date
    week_end: dt.date  # the Sunday that ends this week
    overdue: list[DueItem]
    this_week: list[DueItem]
    later: list[DueItem]

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.later)


def my_deadlines(user: Actor, today: dt.date | None = None) -> DueGroups:
    """Every due date of `user`'s open cases, soonest first, in one query: the deadline of a
    received or investigated case (`DEADLINES`) and each open agreement of a case in
    `AGREEMENT_DEADLINE_STATES`; grouped as passed / this week (to Sunday) / later."""
    today = today or timezone.localdate()
    mine = Case.objects.filter(assignee=user)
    parts = [
        mine.filter(state=state, **{f"{name}__isnull": False})
        .annotate(
            due=F(name),
            kind=Value(name, output_field=CharField()),
            employer_name=F("employer__name"),
            agreement_text=Value("", output_field=CharField()),
            row=Value(0, output_field=IntegerField()),
        )
        .values_list(
            "due", "kind", "reference", "employer_name", "employer_id", "agreement_text", "row"
        )
        .order_by()
        for name, state, _label in DEADLINES
    ]
    agreements = (
        Agreement.objects.filter(
            case__assignee=user,
            case__state__in=AGREEMENT_DEADLINE_STATES,
            status=AgreementStatus.OPEN,
        )
        .annotate(
            due=F("due_date"),
            kind=Value("agreement", output_field=CharField()),
            ref=F("case__reference"),
            employer_name=F("case__employer__name"),
            employer=F("case__employer_id"),
            agreement_text=F("description"),
            row=F("pk"),
        )
        .values_list("due", "kind", "ref", "employer_name", "employer", "agreement_text", "row")
        .order_by()
    )
    rows = parts[0].union(*parts[1:], agreements, all=True).order_by("due", "reference", "row")
    labels = {name: str(label) for name, _state, label in DEADLINES}
    labels["agreement"] = _("Agreement due")
    items = [
        DueItem(
            due=due,
            kind=kind,
            label=labels.get(str(kind), str(kind)),
            reference=reference,
            employer=employer,
            employer_id=employer_id,
            agreement=text,
        )
        for due, kind, reference, employer, employer_id, text, _row in rows
    ]
    week_end = today + dt.timedelta(days=6 - today.weekday())
    return DueGroups(
        today=today,
        week_end=week_end,
        overdue=[i for i in items if i.due < today],
        this_week=[i for i in items if today <= i.due <= week_end],
        later=[i for i in items if i.due > week_end],
    )


# A case in the intake queue has not been written to since its intake: no action of the
# workflow table applies to a received case that nobody has, except taking and assigning it,
# and those take it out of the queue for good (an assignee is never removed). So every case
# is at version 1 for as long as it sits in the queue (tests/test_workflow.py checks this).
QUEUE_VERSION = 1


@dataclass(frozen=True)
class TakenMeanwhile:
    """A case someone took from the intake queue while another user was about to."""

    reference: str
    taken_by: str
    taken_at: dt.datetime


def taken_from_queue(user: AnyUser, reference: str, version: int | None) -> TakenMeanwhile | None:
    """Who took case `reference` out of the intake queue, and when, for a user who may take
    cases and posted "take" at the version the case had in the queue; None otherwise.

    Only for the race loser: nothing else about the case is read."""
    if version != QUEUE_VERSION or not permissions.is_case_worker(user):
        return None
    first = (
        Event.objects.filter(case__reference=reference, kind=EventKind.ASSIGNED)
        .order_by("created_at", "pk")
        .values("created_at", "data")
        .first()
    )
    if first is None or first["data"].get("previous_assignee_id") is not None:
        return None
    taker = get_user_model().objects.filter(pk=first["data"].get("assignee_id")).first()
    if taker is None:
        return None
    return TakenMeanwhile(
        reference=reference,
        taken_by=taker.get_full_name() or taker.get_username(),
        taken_at=first["created_at"],
    )


def unacknowledged_role_grants(user: AnyUser) -> list[RoleGrant]:
    """For a team leader: grants of roles that see melder data nobody has acknowledged yet."""
    if not permissions.is_supervisor(user):
        return []
    return list(
        RoleGrant.objects.filter(acknowledged_at__isnull=True)
        .select_related("user", "granted_by")
        .order_by("granted_at", "pk")
    )
