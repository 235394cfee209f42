"""The columns of a list export (an explicit allow-list) and its rows.

Every row comes from one query, streamed with a server-side cursor in chunks
(`QuerySet.iterator(chunk_size=...)`): the precomputed columns of `Case` (codes, topic mask,
sector, deadlines; see docs/figures.md), the employer's name and KvK number joined, and the
numbers of calls and agreements and the last letter sent as subqueries in the same
statement. Labels (topics, sectors, assignees) are read once per export, never per row.

Nothing else of a case is read: no melder, no description, no call notes, no agreement text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.exports.cells import Value
from cases.models import Agreement, Call, Case, Channel, Letter, Outcome, Sector, State, Topic
from cases.models.rollups import CHANNEL_CODES, OUTCOME_CODES, STATE_CODES
from cases.selectors import list_order

CHUNK_SIZE = 2000  # rows fetched per round trip of the server-side cursor


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    width: int  # in characters, for the XLSX sheet


# The allow-list: these columns and no others. Adding one is a decision about what leaves
# the building: never melder data (name, e-mail, phone, relation) or free text
# (description, call notes, measures, agreements).
COLUMNS: tuple[Column, ...] = (
    Column("reference", _("Reference"), 15),
    Column("received", _("Received"), 17),
    Column("channel", _("Channel"), 12),
    Column("topics", _("Topics"), 40),
    Column("state", _("Status"), 22),
    Column("outcome", _("Outcome"), 26),
    Column("sector", _("Sector"), 30),
    Column("employer", _("Employer"), 32),
    Column("kvk_number", _("KvK number"), 11),
    Column("assignee", _("Assignee"), 22),
    Column("investigated", _("Taken into investigation on"), 14),
    Column("triage_due", _("Triage due"), 12),
    Column("call_due", _("Phone the employer by"), 12),
    Column("agreement_due", _("Next agreement due"), 12),
    Column("overdue", _("Deadline passed"), 10),
    Column("calls", _("Calls"), 8),
    Column("agreements", _("Agreements"), 8),
    Column("letter_sent", _("Letter sent on"), 12),
    Column("bundle_lead", _("Handled together with"), 14),
)

# What the query selects, in this order (every one a column of the allow-list's source).
FIELDS = (
    "reference",
    "received_at",
    "channel_code",
    "topic_mask",
    "state_code",
    "outcome_code",
    "sector_code",
    "employer__name",
    "employer__kvk_number",
    "assignee_id",
    "investigated_at",
    "triage_due",
    "call_due",
    "agreement_due",
    "n_calls",
    "n_agreements",
    "letter_sent",
    "bundle_lead__reference",
)


def header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def _count_of(model: Any, case: str = "pk") -> Coalesce:
    counted = (
        model.objects.filter(case=OuterRef(case))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def export_queryset(cases: QuerySet[Case], sort: str | None, default_sort: str) -> QuerySet[Any]:
    """`cases` (already narrowed by permissions, the filter and the list) as the rows of
    FIELDS, in the list's order."""
    last_letter = (
        Letter.objects.filter(case=OuterRef("pk"), sent_at__isnull=False)
        .order_by()
        .values("case")
        .annotate(last=Max("sent_at"))
        .values("last")
    )
    # A case handled together with others: its lead's agreements and the letters covering it.
    shared_letter = (
        Letter.objects.filter(covers__case=OuterRef("pk"), sent_at__isnull=False)
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    ordered = list_order(cases, sort, default_sort)
    return ordered.annotate(
        n_calls=_count_of(Call),
        agreements_case=Coalesce("bundle_lead_id", "pk"),
        n_agreements=_count_of(Agreement, "agreements_case"),
        letter_sent=Coalesce(Subquery(last_letter), Subquery(shared_letter)),
    ).values_list(*FIELDS)


class Labels:
    """The names behind the codes and ids, read once per export (three small queries)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.state = {code: str(State(s).label) for s, code in STATE_CODES.items()}
        self.outcome = {
            code: str(Outcome(o).label) if o else "" for o, code in OUTCOME_CODES.items()
        }
        self.channel = {code: str(Channel(c).label) for c, code in CHANNEL_CODES.items()}
        self.topics = [(1 << t.bit, t.label) for t in Topic.objects.only("bit", "label")]
        self.sectors = {s.code: str(s) for s in Sector.objects.only("code", "name")}
        users = get_user_model().objects.only("pk", "username", "first_name", "last_name")
        self.people = {u.pk: u.get_full_name() or u.get_username() for u in users}
        self.zone = timezone.get_current_timezone()  # once, not per row
        self.yes_no = (str(_("No")), str(_("Yes")))
        self.received = STATE_CODES[State.RECEIVED]
        self.investigating = STATE_CODES[State.UNDER_INVESTIGATION]

    def topic_text(self, mask: int) -> str:
        return "; ".join(label for bit, label in self.topics if mask & bit)

    def overdue(self, state: int, triage: Any, call: Any, agreement: Any) -> bool:
        """`Case.is_overdue` on the stored columns (`filters.overdue_q`)."""
        today = self.today
        return bool(
            (state == self.received and triage is not None and triage < today)
            or (state == self.investigating and call is not None and call < today)
            or (agreement is not None and agreement < today)
        )

    def row(self, values: tuple[Any, ...]) -> list[Value]:
        (
            reference,
            received_at,
            channel,
            mask,
            state,
            outcome,
            sector,
            employer,
            kvk,
            assignee,
            investigated_at,
            triage_due,
            call_due,
            agreement_due,
            calls,
            agreements,
            letter_sent,
            bundle_lead,
        ) = values
        overdue = self.overdue(state, triage_due, call_due, agreement_due)
        zone = self.zone
        return [
            reference,
            received_at.astimezone(zone).replace(tzinfo=None),
            self.channel.get(channel, ""),
            self.topic_text(mask),
            self.state.get(state, ""),
            self.outcome.get(outcome, ""),
            self.sectors.get(sector, "") if sector else "",
            employer,
            kvk,
            self.people.get(assignee, "") if assignee else "",
            investigated_at.astimezone(zone).date() if investigated_at else None,
            triage_due,
            call_due,
            agreement_due,
            self.yes_no[overdue],
            calls,
            agreements,
            letter_sent,
            bundle_lead or "",
        ]


def case_rows(cases: QuerySet[Case], sort: str | None, default_sort: str) -> Iterator[list[Value]]:
    """The rows of a list export, streamed: constant memory whatever the number of cases.

    On PostgreSQL the rows are read inside a (read-only) transaction: outside one, Django
    declares its server-side cursor WITH HOLD, and PostgreSQL then computes the whole result
    before the first row can leave. (An abandoned download rolls it back: nothing was
    written.) SQLite reads without one, so that a long export does not hold off writers."""
    labels = Labels(timezone.localdate())
    rows = export_queryset(cases, sort, default_sort)
    reading = (
        transaction.atomic(using=rows.db)
        if connections[rows.db].vendor == "postgresql"
        else nullcontext()
    )
    with reading:
        for values in rows.iterator(chunk_size=CHUNK_SIZE):
            yield labels.row(values)
