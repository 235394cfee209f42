"""The melding (case), its reference counter and its melder.

Transition methods only change fields in memory; `cases.services` locks the row, checks
permissions and versions, saves and writes the Event. Nothing else changes state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from cases import validators as v
from cases.models.choices import (
    CLOSE_OUTCOMES,
    INVESTIGATED_STATES,
    TEXT_MAX,
    Channel,
    Outcome,
    State,
)
from cases.models.employer import Employer
from cases.models.reference import Topic
from cases.models.rollups import DEADLINE_STATE_CODES


class ReferenceCounter(models.Model):
    """Last issued reference number per year; rows are locked while allocating."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


# The deadline each state works towards (servicenorm, PRODUCT.md): triage while received,
# phoning the employer while under investigation. Both are stored on the case.
DEADLINES: tuple[tuple[str, str, str | Promise], ...] = (
    ("triage_due", State.RECEIVED, _("Triage due")),
    ("call_due", State.UNDER_INVESTIGATION, _("Phone the employer by")),
)
# Once the employer has been called, the case works towards the due date of its earliest open
# agreement: while the agreements are made and after they are confirmed by letter.
AGREEMENT_DEADLINE_STATES: tuple[str, ...] = (State.EMPLOYER_CALLED, State.AGREEMENTS_CONFIRMED)
AGREEMENT_DEADLINE_LABEL = _("Next agreement due")
# The cases with a current deadline, on the precomputed columns: received or under
# investigation (a stored due date), or an open agreement due (`Case.agreement_due`).
HAS_DEADLINE_Q = Q(state_code__in=DEADLINE_STATE_CODES) | Q(agreement_due__isnull=False)


@dataclass(frozen=True)
class Deadline:
    label: str
    due: dt.date
    current: bool  # the deadline of the case's current state
    overdue: bool  # current, and passed (today in Europe/Amsterdam)


class Case(FSMModelMixin, models.Model):
    """A melding (complaint) and its handling."""

    reference = models.CharField(_("reference"), max_length=13, unique=True, editable=False)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="cases")
    description = models.TextField(
        _("description of the case"),
        validators=[MinLengthValidator(1), MaxLengthValidator(TEXT_MAX)],
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    state = FSMField(
        _("status"),
        max_length=30,
        choices=State.choices,
        default=State.RECEIVED,
        protected=True,
        db_index=True,
    )
    outcome = models.CharField(
        _("outcome"), max_length=40, choices=Outcome.choices, blank=True, default=""
    )
    main_case = models.ForeignKey(
        "self",
        verbose_name=_("main case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    # Bundled handling (cases.services.bundles): the case whose call, agreements and letter
    # this one shares, the lead of its bundle. A lead has no lead of its own.
    bundle_lead = models.ForeignKey(
        "self",
        verbose_name=_("handled together with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bundled",
    )
    triage_due = models.DateField(_("triage due date"))
    call_due = models.DateField(_("call employer by"), null=True, blank=True)
    investigated_at = models.DateTimeField(_("taken into investigation at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # The one-time token of the intake form that registered the case: the same form sent
    # twice registers one case (cases.services.intake.case_intake).
    intake_token = models.UUIDField(
        _("intake form token"), null=True, blank=True, unique=True, editable=False
    )

    # -- precomputed for the figures: written only by cases.rollups (called by the services
    # that change the facts they copy), together with the day counts; see docs/figures.md.
    # The day it was received on in Europe/Amsterdam, computed in Python from received_at.
    local_day = models.DateField(_("received on (Dutch date)"), editable=False)
    # state, outcome and channel as the small codes of cases.models.rollups
    state_code = models.PositiveSmallIntegerField(_("status code"), editable=False)
    outcome_code = models.PositiveSmallIntegerField(_("outcome code"), editable=False)
    channel_code = models.PositiveSmallIntegerField(_("channel code"), editable=False)
    # A copy of the employer's sector; NULL when it has none.
    sector_code = models.CharField(  # noqa: DJ001
        _("sector code"), max_length=1, null=True, blank=True, editable=False
    )
    # A bit per topic (Topic.bit): "any of" is a bitwise test, "only" an equality.
    topic_mask = models.PositiveIntegerField(_("topics (bit mask)"), editable=False)
    # A reached call in which the employer did not recognise itself (employer_response "nee").
    not_recognised = models.BooleanField(
        _("employer did not recognise itself"), default=False, editable=False
    )
    # The due date of the earliest open agreement while the case works towards its agreements
    # (AGREEMENT_DEADLINE_STATES); NULL in the other states: the overdue count and the "due"
    # sort read it instead of the agreements.
    agreement_due = models.DateField(_("next agreement due"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("act_on_case", _("Can handle cases")),
            ("supervise_cases", _("Can see, assign and reopen all cases")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=v.REFERENCE_PATTERN), name="case_reference_format"
            ),
            models.CheckConstraint(
                condition=(Q(state=State.CLOSED) & ~Q(outcome=""))
                | (~Q(state=State.CLOSED) & Q(outcome="")),
                name="case_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="case_outcome_known",
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="case_state_known"),
            models.CheckConstraint(
                condition=~Q(state__in=INVESTIGATED_STATES) | Q(investigated_at__isnull=False),
                name="case_investigated_at_set",
            ),
            models.CheckConstraint(
                condition=Q(main_case__isnull=True) | Q(outcome=Outcome.DUBBELE_MELDING),
                name="case_main_case_only_for_duplicates",
            ),
            models.CheckConstraint(
                condition=Q(main_case__isnull=True) | ~Q(main_case=models.F("id")),
                name="case_main_case_not_self",
            ),
            models.CheckConstraint(
                condition=Q(bundle_lead__isnull=True) | ~Q(bundle_lead=models.F("id")),
                name="case_bundle_lead_not_self",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "assignee"], name="case_state_assignee_idx"),
            models.Index(fields=["investigated_at"], name="case_investigated_idx"),
            # The dashboard reads every figure from this index alone (index-only scans),
            # and lists ordered by receipt read a period's cases in order from it.
            # PostgreSQL only: elsewhere the INCLUDE columns are left out (models.W040).
            models.Index(
                fields=["local_day", "received_at"],
                include=[
                    "state_code",
                    "outcome_code",
                    "investigated_at",
                    "sector_code",
                    "assignee",
                    "channel_code",
                    "topic_mask",
                    "not_recognised",
                    "triage_due",
                    "call_due",
                    "agreement_due",
                    "employer",
                ],
                name="case_figures_idx",
            ),
            models.Index(
                fields=["local_day"],
                include=["employer"],
                condition=Q(not_recognised=True),
                name="case_not_recognised_idx",
            ),
            # Cases with a current deadline: the overdue count.
            models.Index(
                fields=["local_day"],
                include=["state_code", "triage_due", "call_due", "agreement_due"],
                condition=HAS_DEADLINE_Q,
                name="case_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # -- derived -----------------------------------------------------------
    @property
    def deadlines(self) -> list[Deadline]:
        """The case's deadlines in order; the one of its current state is `current`.

        The stored ones (`DEADLINES`), then, in `AGREEMENT_DEADLINE_STATES`, the due date of
        the earliest open agreement (`agreement_due`)."""
        today = timezone.localdate()
        rows = []
        for field_name, state, label in DEADLINES:
            due = getattr(self, field_name)
            if due is None:
                continue
            current = self.state == state
            rows.append(
                Deadline(
                    label=str(label), due=due, current=current, overdue=current and due < today
                )
            )
        agreement_due = self.next_agreement_due
        if agreement_due is not None:
            rows.append(
                Deadline(
                    label=str(AGREEMENT_DEADLINE_LABEL),
                    due=agreement_due,
                    current=True,
                    overdue=agreement_due < today,
                )
            )
        return rows

    @property
    def next_agreement_due(self) -> dt.date | None:
        """The due date of the earliest open agreement, in the states that work towards it
        (as the services stored it with the case's last write: `agreement_due`)."""
        return self.agreement_due if self.state in AGREEMENT_DEADLINE_STATES else None

    @property
    def current_deadline(self) -> dt.date | None:
        """The due date the case's current state works towards, if it has one."""
        return next((d.due for d in self.deadlines if d.current), None)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    def overdue_on(self, today: dt.date) -> bool:
        for field_name, state, _label in DEADLINES:
            due = getattr(self, field_name)
            if self.state == state and due is not None:
                return bool(due < today)
        agreement_due = self.next_agreement_due
        return agreement_due is not None and agreement_due < today

    @property
    def agreements_case_id(self) -> int:
        """The case whose agreements (and letter) this one shares: its bundle's lead, or
        itself."""
        return self.bundle_lead_id or self.pk

    @property
    def is_closed(self) -> bool:
        return self.state == State.CLOSED

    # -- transitions (in memory only; see cases.workflow and cases.services) ----
    # Who may run them, and which guards apply, is declared in cases.workflow.ACTIONS and
    # checked once by the services; these only move the state and set what goes with it.
    @transition(field=state, source=State.RECEIVED, target=State.UNDER_INVESTIGATION)
    def take_into_investigation(self, *, now: dt.datetime, call_due: dt.date) -> None:
        if self.investigated_at is None:
            self.investigated_at = now
        if self.call_due is None:
            self.call_due = call_due

    @transition(field=state, source=State.RECEIVED, target=State.CLOSED)
    def decline(self, *, outcome: str, main_case: Case | None, now: dt.datetime) -> None:
        self.outcome = outcome
        self.main_case = main_case
        self.closed_at = now

    @transition(field=state, source=State.UNDER_INVESTIGATION, target=State.EMPLOYER_CALLED)
    def record_call(self) -> None:
        """The reached call itself is stored by the service."""

    @transition(field=state, source=State.EMPLOYER_CALLED, target=State.AGREEMENTS_CONFIRMED)
    def confirm_agreements(self) -> None:
        """The letter and agreements are stored by the service."""

    @transition(field=state, source=list(CLOSE_OUTCOMES), target=State.CLOSED)
    def close(self, *, outcome: str, main_case: Case | None, now: dt.datetime) -> None:
        self.outcome = outcome
        self.main_case = main_case
        self.closed_at = now

    @transition(
        field=state,
        source=State.CLOSED,
        target=RETURN_VALUE(State.RECEIVED, State.UNDER_INVESTIGATION),
    )
    def reopen(self) -> str:
        self.outcome = ""
        self.main_case = None
        self.closed_at = None
        return State.UNDER_INVESTIGATION if self.investigated_at else State.RECEIVED


class Melder(models.Model):
    """The complainant. Confidential: see cases.permissions.can_view_melder.

    An anonymous melding has no Melder row.
    """

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="melder", primary_key=True
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(
        _("phone number"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    relation = models.CharField(_("relationship to the employer"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("complainant")
        verbose_name_plural = _("complainants")

    def __str__(self) -> str:
        return str(_("Complainant of {reference}")).format(reference=self.case.reference)
