"""Data and state-machine declarations of the thuiswerk-meldingen workflow.

Transition methods only change fields in memory; `cases.services` locks the row, checks
permissions and versions, saves and writes the Event. Nothing else changes state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from cases import validators as v

TEXT_MAX = 10_000  # free text fields (description, notes); 100 kB input is refused


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    EMPLOYER_CALLED = "employer_called", _("Employer called")
    AGREEMENTS_CONFIRMED = "agreements_confirmed", _("Agreements confirmed by letter")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    ONVOLDOENDE_INFORMATIE = "onvoldoende_informatie", _("Insufficient information")
    INGETROKKEN = "ingetrokken", _("Withdrawn")
    GEEN_OVERTREDING_AANNEMELIJK = (
        "geen_overtreding_aannemelijk",
        _("No violation likely"),
    )
    BUITEN_BEVOEGDHEID = "buiten_bevoegdheid", _("Outside the Inspectorate's remit")
    DUBBELE_MELDING = "dubbele_melding", _("Duplicate case")
    WERKGEVER_ONBEREIKBAAR = "werkgever_onbereikbaar", _("Employer unreachable")
    DOORVERWEZEN_INSPECTIE_OP_LOCATIE = (
        "doorverwezen_inspectie_op_locatie",
        _("Referred for an on-site inspection"),
    )
    WERKGEVER_VOLDOET_AL = "werkgever_voldoet_al", _("Employer already complies")
    AFSPRAKEN_NAGEKOMEN = "afspraken_nagekomen", _("Agreements fulfilled")


# Which outcomes may close a case, per source state (PRODUCT.md, "Outcomes").
DECLINE_OUTCOMES: tuple[str, ...] = (
    Outcome.ONVOLDOENDE_INFORMATIE,
    Outcome.INGETROKKEN,
    Outcome.GEEN_OVERTREDING_AANNEMELIJK,
    Outcome.BUITEN_BEVOEGDHEID,
    Outcome.DUBBELE_MELDING,
)
CLOSE_OUTCOMES: dict[str, tuple[str, ...]] = {
    State.UNDER_INVESTIGATION: (
        Outcome.WERKGEVER_ONBEREIKBAAR,
        Outcome.INGETROKKEN,
        Outcome.DUBBELE_MELDING,
        Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    ),
    State.EMPLOYER_CALLED: (
        Outcome.WERKGEVER_VOLDOET_AL,
        Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    ),
    State.AGREEMENTS_CONFIRMED: (
        Outcome.AFSPRAKEN_NAGEKOMEN,
        Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    ),
}
INVESTIGATED_STATES = (
    State.UNDER_INVESTIGATION,
    State.EMPLOYER_CALLED,
    State.AGREEMENTS_CONFIRMED,
)


class Channel(models.TextChoices):
    WEBFORMULIER = "webformulier", _("Web form")
    TELEFOON = "telefoon", _("Telephone")
    EMAIL = "email", _("E-mail")
    BRIEF = "brief", _("Letter")


class Criterion(models.TextChoices):
    """Criteria voor thuiswerken (18 February 2021), discussed during the call."""

    ESSENTIAL_PRESENCE = (
        "fysieke_aanwezigheid",
        _("Physical presence strictly necessary for an essential business process"),
    )
    LOCATION_BOUND_SYSTEMS = (
        "locatiegebonden_systemen",
        _("Work requires location-bound software or hardware"),
    )
    CONFIDENTIAL_INFORMATION = (
        "vertrouwelijke_informatie",
        _("Work requires confidential information that can only be viewed on location"),
    )
    MENTAL_HEALTH = (
        "mentale_gezondheid",
        _("Working on location needed for mental health (with the company doctor)"),
    )
    INADEQUATE_HOME_WORKPLACE = (
        "thuiswerkplek_ongeschikt",
        _("Home workplace inadequate and cannot be made adequate with equipment"),
    )


class EmployerResponse(models.TextChoices):
    JA = "ja", _("Recognises itself in the case")
    NEE = "nee", _("Does not recognise itself in the case")
    GEDEELTELIJK = "gedeeltelijk", _("Partly recognises itself in the case")


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NAGEKOMEN = "nagekomen", _("Fulfilled")
    NIET_NAGEKOMEN = "niet_nagekomen", _("Not fulfilled")


class Role(models.TextChoices):
    """Group names; the UI shows them as they are."""

    INSPECTEUR = "Inspecteur", _("Inspector")
    TEAMLEIDER = "Teamleider", _("Team leader")
    FUNCTIONEEL_BEHEERDER = "Functioneel beheerder", _("Functional administrator")


# ---------------------------------------------------------------------------
# Reference data


class Sector(models.Model):
    """SBI 2008 section (A-U)."""

    code = models.CharField(_("code"), max_length=1, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-U]$"), name="sector_code_a_u"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class TopicManager(models.Manager["Topic"]):
    def get_by_natural_key(self, code: str) -> Topic:
        return self.get(code=code)


class Topic(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("description"), max_length=200)
    ordering = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    objects = TopicManager()

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return str(self.label)

    def natural_key(self) -> tuple[str]:
        return (self.code,)


NOT_ALLOWED_TOPIC = "niet_mogen_thuiswerken"


# ---------------------------------------------------------------------------
# Employer


class Employer(models.Model):
    """An employer, identified by KvK(+vestiging) or recorded as reported by the melder.

    As-reported employers (kvk_number NULL) have only a name and a city; the inspector
    identifies the employer during triage, before it is phoned.
    """

    name = models.CharField(_("name"), max_length=200)
    # NULL (not "") for as-reported employers, so the unique constraint ignores them.
    kvk_number = models.CharField(  # noqa: DJ001
        _("KvK number"),
        max_length=8,
        null=True,
        blank=True,
        validators=[v.validate_kvk_number],
    )
    establishment_number = models.CharField(
        _("establishment number"),
        max_length=12,
        blank=True,
        default="",
        validators=[v.validate_establishment_number],
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employers",
    )
    visit_street = models.CharField(_("street"), max_length=200, blank=True)
    visit_number = models.CharField(_("house number"), max_length=20, blank=True)
    visit_postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    visit_city = models.CharField(_("city"), max_length=100, blank=True)
    postal_street = models.CharField(
        _("postal address: street or PO box"), max_length=200, blank=True
    )
    postal_number = models.CharField(_("postal address: number"), max_length=20, blank=True)
    postal_postcode = models.CharField(
        _("postal address: postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    postal_city = models.CharField(_("postal address: city"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(
        _("contact person's phone"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    contact_email = models.EmailField(_("contact person's email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number", "establishment_number"],
                condition=Q(kvk_number__isnull=False),
                name="employer_unique_kvk_establishment",
                violation_error_message=_(
                    "An employer with this KvK number and establishment number already exists."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kvk_number__isnull=True) | Q(kvk_number__regex=v.KVK_PATTERN),
                name="employer_kvk_format",
            ),
            models.CheckConstraint(
                condition=Q(establishment_number="")
                | Q(establishment_number__regex=v.ESTABLISHMENT_PATTERN),
                name="employer_establishment_format",
            ),
            models.CheckConstraint(
                condition=Q(kvk_number__isnull=False) | Q(establishment_number=""),
                name="employer_establishment_needs_kvk",
            ),
            models.CheckConstraint(
                condition=Q(visit_postcode="") | Q(visit_postcode__regex=v.POSTCODE_PATTERN),
                name="employer_visit_postcode_format",
            ),
            models.CheckConstraint(
                condition=Q(postal_postcode="") | Q(postal_postcode__regex=v.POSTCODE_PATTERN),
                name="employer_postal_postcode_format",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="employer_name_idx")]

    def __str__(self) -> str:
        if self.kvk_number:
            return f"{self.name} (KvK {self.kvk_number})"
        return f"{self.name}, {self.visit_city}" if self.visit_city else self.name

    @property
    def is_identified(self) -> bool:
        return bool(self.kvk_number)

    def _normalize(self) -> None:
        self.visit_postcode = v.normalize_postcode(self.visit_postcode)
        self.postal_postcode = v.normalize_postcode(self.postal_postcode)
        self.contact_phone = v.normalize_phone(self.contact_phone)
        if self.kvk_number == "":
            self.kvk_number = None

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # full_clean() validates the fields before it calls clean(): normalise first, so
        # "2511vx" is stored as "2511 VX" instead of being refused.
        self._normalize()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        self._normalize()
        if self.establishment_number and not self.kvk_number:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {"establishment_number": _("An establishment number needs a KvK number.")}
            )


# ---------------------------------------------------------------------------
# People


class InspectorProfile(models.Model):
    """Details printed on letters."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_profile",
        verbose_name=_("user"),
    )
    function_title = models.CharField(_("job title"), max_length=100, default="Inspecteur")
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[v.validate_phone])
    team = models.CharField(_("team"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("inspector profile")
        verbose_name_plural = _("inspector profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


# ---------------------------------------------------------------------------
# Case


class ReferenceCounter(models.Model):
    """Last issued reference number per year; rows are locked while allocating."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def _can_act(instance: Case, user: Any) -> bool:
    from cases import permissions

    return permissions.can_act_on_case(user, instance)


def _can_reopen(instance: Case, user: Any) -> bool:
    from cases import permissions

    return permissions.can_reopen(user, instance)


def _employer_identified(instance: Case) -> bool:
    return instance.employer.is_identified


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
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "assignee"], name="case_state_assignee_idx"),
            models.Index(fields=["investigated_at"], name="case_investigated_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    # -- derived -----------------------------------------------------------
    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    def overdue_on(self, today: dt.date) -> bool:
        if self.state == State.RECEIVED:
            return self.triage_due < today
        if self.state == State.UNDER_INVESTIGATION and self.call_due:
            return self.call_due < today
        return False

    @property
    def was_investigated(self) -> bool:
        return self.investigated_at is not None

    # -- transitions (in memory only; see cases.services) -------------------
    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.UNDER_INVESTIGATION,
        permission=_can_act,
    )
    def take_into_investigation(self, *, now: dt.datetime, call_due: dt.date) -> None:
        if self.investigated_at is None:
            self.investigated_at = now
        if self.call_due is None:
            self.call_due = call_due

    @transition(field=state, source=State.RECEIVED, target=State.CLOSED, permission=_can_act)
    def decline(self, *, outcome: str, main_case: Case | None, now: dt.datetime) -> None:
        self.outcome = outcome
        self.main_case = main_case
        self.closed_at = now

    @transition(
        field=state,
        source=State.UNDER_INVESTIGATION,
        target=State.EMPLOYER_CALLED,
        conditions=[_employer_identified],
        permission=_can_act,
    )
    def record_call(self) -> None:
        """The reached call itself is stored by the service."""

    @transition(
        field=state,
        source=State.EMPLOYER_CALLED,
        target=State.AGREEMENTS_CONFIRMED,
        permission=_can_act,
    )
    def confirm_agreements(self) -> None:
        """The letter and agreements are stored by the service."""

    @transition(
        field=state,
        source=list(CLOSE_OUTCOMES),
        target=State.CLOSED,
        permission=_can_act,
    )
    def close(self, *, outcome: str, main_case: Case | None, now: dt.datetime) -> None:
        self.outcome = outcome
        self.main_case = main_case
        self.closed_at = now

    @transition(
        field=state,
        source=State.CLOSED,
        target=RETURN_VALUE(State.RECEIVED, State.UNDER_INVESTIGATION),
        permission=_can_reopen,
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


class Call(models.Model):
    """A call attempt (not reached) or a call with the employer (reached)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    called_at = models.DateTimeField(_("called at"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reached = models.BooleanField(_("reached"))
    contact_name = models.CharField(_("spoke with"), max_length=200, blank=True)
    criteria = models.JSONField(_("criteria discussed"), default=list, blank=True)
    employer_response = models.CharField(
        _("employer's response"), max_length=20, choices=EmployerResponse.choices, blank=True
    )
    measures = models.TextField(
        _("measures shown"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["called_at", "pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                condition=(Q(reached=True) & ~Q(employer_response="") & ~Q(contact_name=""))
                | (Q(reached=False) & Q(employer_response="") & Q(contact_name="")),
                name="call_reached_has_response",
            ),
            models.CheckConstraint(
                condition=Q(employer_response="")
                | Q(employer_response__in=EmployerResponse.values),
                name="call_response_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.called_at:%Y-%m-%d %H:%M}"


class Agreement(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agreements")
    description = models.TextField(
        _("agreement"), validators=[MinLengthValidator(1), MaxLengthValidator(2000)]
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AgreementStatus.values), name="agreement_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.description[:50]}"

    def overdue_on(self, today: dt.date) -> bool:
        return self.status == AgreementStatus.OPEN and self.due_date < today


class SentVia(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By email")


class Letter(models.Model):
    """An immutable generated confirmation letter; each regeneration is a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    number = models.PositiveIntegerField(_("version"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    template_version = models.CharField(_("template version"), max_length=40)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    generated_at = models.DateTimeField(_("generated at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    sent_at = models.DateField(_("sent on"), null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=10, choices=SentVia.choices, blank=True)

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="letter_unique_version"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="letter_sha"),
            models.CheckConstraint(
                condition=(Q(sent_at__isnull=True) & Q(sent_via=""))
                | (Q(sent_at__isnull=False) & ~Q(sent_via="")),
                name="letter_sent_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} brief v{self.number}"


# ---------------------------------------------------------------------------
# Events


class EventKind(models.TextChoices):
    INTAKE = "intake", _("Case registered")
    ASSIGNED = "assigned", _("Assigned")
    TAKE_INTO_INVESTIGATION = "take_into_investigation", _("Taken into investigation")
    DECLINE = "decline", _("Not taken into investigation")
    CALL_ATTEMPT = "call_attempt", _("Call attempt without answer")
    CALL = "call", _("Spoke with employer")
    RECORD_CALL = "record_call", _("Employer called")
    EMPLOYER_IDENTIFIED = "employer_identified", _("Employer identified")
    AGREEMENT_ADDED = "agreement_added", _("Agreement added")
    AGREEMENT_CHANGED = "agreement_changed", _("Agreement changed")
    AGREEMENT_STATUS = "agreement_status", _("Agreement status changed")
    CONFIRM_AGREEMENTS = "confirm_agreements", _("Agreements confirmed by letter")
    LETTER_GENERATED = "letter_generated", _("Letter generated")
    LETTER_DOWNLOADED = "letter_downloaded", _("Letter downloaded")
    LETTER_SENT = "letter_sent", _("Letter sent")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    MELDER_VIEWED = "melder_viewed", _("Complainant or case details viewed")
    CASE_EDITED = "case_edited", _("Case changed")
    EMPLOYER_EDITED = "employer_edited", _("Employer changed")
    EXPORT = "export", _("Export created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    USER_CHANGED = "user_changed", _("User changed")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in attempt")
    LOGOUT = "logout", _("Signed out")
    ANONYMISED = "anonymised", _("Personal data anonymised")
    FIGURES_FROZEN = "figures_frozen", _("Figures recorded")


class AppendOnlyError(Exception):
    """Events are history: they are never changed or deleted."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Events cannot be changed.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Events cannot be changed.")


class Event(models.Model):
    """Append-only history and audit trail. Never holds melder data or melding text;
    `cases.events.record_event` enforces that."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    from_state = models.CharField(_("from status"), max_length=30, blank=True)
    to_state = models.CharField(_("to status"), max_length=30, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events cannot be deleted.")


# ---------------------------------------------------------------------------
# Figures for the ministry


class FrozenQuerySet(models.QuerySet["FigureSnapshot"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Recorded figures cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded figures cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Recorded figures cannot be changed.")


class FigureSnapshot(models.Model):
    """Dashboard figures as they were reported (e.g. to the ministry), frozen with their
    filter and the generated paragraph. Written once by `cases.services.snapshot_create`;
    never changed, so they stay what was reported however the cases move on."""

    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("description"), max_length=200, blank=True)
    # The shared filter parameters, canonical (see cases.dashboard.canonical_params).
    filter_query = models.CharField(_("filter"), max_length=4000, blank=True)
    # The filter as it read on the page: [[label, value], ...].
    filter_description = models.JSONField(_("filter description"), default=list, blank=True)
    period_start = models.DateField(_("received from"), null=True, blank=True)
    period_end = models.DateField(_("received up to and including"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"))
    investigated = models.PositiveIntegerField(_("taken into investigation"))
    only_not_allowed = models.PositiveIntegerField(_("only not allowed to work from home"))
    paragraph = models.TextField(_("paragraph"))
    # Every dashboard figure, breakdowns included (cases.dashboard.Figures.to_json).
    figures = models.JSONField(_("figures"))

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recorded figures")
        verbose_name_plural = _("recorded figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(investigated__lte=models.F("received"))
                & Q(only_not_allowed__lte=models.F("received")),
                name="figuresnapshot_parts_within_received",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Recorded figures cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded figures cannot be deleted.")
