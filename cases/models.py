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
    RECEIVED = "received", _("Ontvangen")
    UNDER_INVESTIGATION = "under_investigation", _("In onderzoek")
    EMPLOYER_CALLED = "employer_called", _("Werkgever gebeld")
    AGREEMENTS_CONFIRMED = "agreements_confirmed", _("Afspraken per brief bevestigd")
    CLOSED = "closed", _("Afgesloten")


class Outcome(models.TextChoices):
    ONVOLDOENDE_INFORMATIE = "onvoldoende_informatie", _("Onvoldoende informatie")
    INGETROKKEN = "ingetrokken", _("Ingetrokken")
    GEEN_OVERTREDING_AANNEMELIJK = (
        "geen_overtreding_aannemelijk",
        _("Geen overtreding aannemelijk"),
    )
    BUITEN_BEVOEGDHEID = "buiten_bevoegdheid", _("Buiten bevoegdheid")
    DUBBELE_MELDING = "dubbele_melding", _("Dubbele melding")
    WERKGEVER_ONBEREIKBAAR = "werkgever_onbereikbaar", _("Werkgever onbereikbaar")
    DOORVERWEZEN_INSPECTIE_OP_LOCATIE = (
        "doorverwezen_inspectie_op_locatie",
        _("Doorverwezen naar inspectie op locatie"),
    )
    WERKGEVER_VOLDOET_AL = "werkgever_voldoet_al", _("Werkgever voldoet al")
    AFSPRAKEN_NAGEKOMEN = "afspraken_nagekomen", _("Afspraken nagekomen")


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
    WEBFORMULIER = "webformulier", _("Webformulier")
    TELEFOON = "telefoon", _("Telefoon")
    EMAIL = "email", _("E-mail")
    BRIEF = "brief", _("Brief")


class Criterion(models.TextChoices):
    """Criteria voor thuiswerken (18 February 2021), discussed during the call."""

    ESSENTIAL_PRESENCE = (
        "fysieke_aanwezigheid",
        _("Fysieke aanwezigheid strikt noodzakelijk voor een essentieel bedrijfsproces"),
    )
    LOCATION_BOUND_SYSTEMS = (
        "locatiegebonden_systemen",
        _("Werk vereist locatiegebonden software of hardware"),
    )
    CONFIDENTIAL_INFORMATION = (
        "vertrouwelijke_informatie",
        _("Werk vereist vertrouwelijke informatie die alleen op locatie in te zien is"),
    )
    MENTAL_HEALTH = (
        "mentale_gezondheid",
        _("Werken op locatie nodig voor de mentale gezondheid (met de bedrijfsarts)"),
    )
    INADEQUATE_HOME_WORKPLACE = (
        "thuiswerkplek_ongeschikt",
        _("Thuiswerkplek ongeschikt en niet geschikt te maken met hulpmiddelen"),
    )


class EmployerResponse(models.TextChoices):
    JA = "ja", _("Herkent zich in de melding")
    NEE = "nee", _("Herkent zich niet in de melding")
    GEDEELTELIJK = "gedeeltelijk", _("Herkent zich gedeeltelijk in de melding")


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NAGEKOMEN = "nagekomen", _("Nagekomen")
    NIET_NAGEKOMEN = "niet_nagekomen", _("Niet nagekomen")


class Role(models.TextChoices):
    """Group names; the UI shows them as they are."""

    INSPECTEUR = "Inspecteur", _("Inspecteur")
    TEAMLEIDER = "Teamleider", _("Teamleider")
    FUNCTIONEEL_BEHEERDER = "Functioneel beheerder", _("Functioneel beheerder")


# ---------------------------------------------------------------------------
# Reference data


class Sector(models.Model):
    """SBI 2008 section (A-U)."""

    code = models.CharField(_("code"), max_length=1, primary_key=True)
    name = models.CharField(_("naam"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectoren")
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
    label = models.CharField(_("omschrijving"), max_length=200)
    ordering = models.PositiveSmallIntegerField(_("volgorde"), default=100)
    active = models.BooleanField(_("actief"), default=True)

    objects = TopicManager()

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("onderwerp")
        verbose_name_plural = _("onderwerpen")

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

    name = models.CharField(_("naam"), max_length=200)
    # NULL (not "") for as-reported employers, so the unique constraint ignores them.
    kvk_number = models.CharField(  # noqa: DJ001
        _("KvK-nummer"),
        max_length=8,
        null=True,
        blank=True,
        validators=[v.validate_kvk_number],
    )
    establishment_number = models.CharField(
        _("vestigingsnummer"),
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
    visit_street = models.CharField(_("straat"), max_length=200, blank=True)
    visit_number = models.CharField(_("huisnummer"), max_length=20, blank=True)
    visit_postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    visit_city = models.CharField(_("plaats"), max_length=100, blank=True)
    postal_street = models.CharField(_("postadres: straat of postbus"), max_length=200, blank=True)
    postal_number = models.CharField(_("postadres: nummer"), max_length=20, blank=True)
    postal_postcode = models.CharField(
        _("postadres: postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    postal_city = models.CharField(_("postadres: plaats"), max_length=100, blank=True)
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    contact_phone = models.CharField(
        _("telefoon contactpersoon"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    contact_email = models.EmailField(_("e-mail contactpersoon"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("werkgever")
        verbose_name_plural = _("werkgevers")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number", "establishment_number"],
                condition=Q(kvk_number__isnull=False),
                name="employer_unique_kvk_establishment",
                violation_error_message=_(
                    "Er bestaat al een werkgever met dit KvK-nummer en vestigingsnummer."
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
                {"establishment_number": _("Een vestigingsnummer hoort bij een KvK-nummer.")}
            )


# ---------------------------------------------------------------------------
# People


class InspectorProfile(models.Model):
    """Details printed on letters."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_profile",
        verbose_name=_("gebruiker"),
    )
    function_title = models.CharField(_("functie"), max_length=100, default="Inspecteur")
    phone = models.CharField(
        _("telefoon"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    team = models.CharField(_("team"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("inspecteursprofiel")
        verbose_name_plural = _("inspecteursprofielen")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


# ---------------------------------------------------------------------------
# Case


class ReferenceCounter(models.Model):
    """Last issued reference number per year; rows are locked while allocating."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("kenmerkteller")
        verbose_name_plural = _("kenmerktellers")

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

    reference = models.CharField(_("kenmerk"), max_length=13, unique=True, editable=False)
    received_at = models.DateTimeField(_("ontvangen op"), db_index=True)
    channel = models.CharField(_("kanaal"), max_length=20, choices=Channel.choices)
    topics = models.ManyToManyField(Topic, verbose_name=_("onderwerpen"), related_name="cases")
    description = models.TextField(
        _("omschrijving van de melding"),
        validators=[MinLengthValidator(1), MaxLengthValidator(TEXT_MAX)],
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("werkgever"), on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandelaar"),
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
        _("uitkomst"), max_length=40, choices=Outcome.choices, blank=True, default=""
    )
    main_case = models.ForeignKey(
        "self",
        verbose_name=_("hoofdmelding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    triage_due = models.DateField(_("uiterste triagedatum"))
    call_due = models.DateField(_("uiterlijk werkgever bellen"), null=True, blank=True)
    investigated_at = models.DateTimeField(_("in onderzoek genomen op"), null=True, blank=True)
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    version = models.PositiveIntegerField(_("versie"), default=1)
    created_at = models.DateTimeField(_("geregistreerd op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geregistreerd door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    anonymised_at = models.DateTimeField(_("geanonimiseerd op"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        permissions = [
            ("act_on_case", _("Kan meldingen behandelen")),
            ("supervise_cases", _("Kan alle meldingen zien, toewijzen en heropenen")),
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
    name = models.CharField(_("naam"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(
        _("telefoonnummer"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    relation = models.CharField(_("relatie tot de werkgever"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("melder")
        verbose_name_plural = _("melders")

    def __str__(self) -> str:
        return str(_("Melder bij {reference}")).format(reference=self.case.reference)


class Call(models.Model):
    """A call attempt (not reached) or a call with the employer (reached)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    called_at = models.DateTimeField(_("gebeld op"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gebeld door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reached = models.BooleanField(_("bereikt"))
    contact_name = models.CharField(_("gesproken met"), max_length=200, blank=True)
    criteria = models.JSONField(_("besproken criteria"), default=list, blank=True)
    employer_response = models.CharField(
        _("reactie werkgever"), max_length=20, choices=EmployerResponse.choices, blank=True
    )
    measures = models.TextField(
        _("getoonde maatregelen"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    notes = models.TextField(
        _("aantekeningen"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["called_at", "pk"]
        verbose_name = _("gesprek")
        verbose_name_plural = _("gesprekken")
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
        _("afspraak"), validators=[MinLengthValidator(1), MaxLengthValidator(2000)]
    )
    due_date = models.DateField(_("uiterlijk"))
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    status_changed_at = models.DateTimeField(_("status gewijzigd op"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("afspraak")
        verbose_name_plural = _("afspraken")
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
    POST = "post", _("Per post")
    EMAIL = "email", _("Per e-mail")


class Letter(models.Model):
    """An immutable generated confirmation letter; each regeneration is a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    number = models.PositiveIntegerField(_("versie"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    template_version = models.CharField(_("sjabloonversie"), max_length=40)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gemaakt door"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    generated_at = models.DateTimeField(_("gemaakt op"))
    reason = models.CharField(_("reden"), max_length=500, blank=True)
    sent_at = models.DateField(_("verzonden op"), null=True, blank=True)
    sent_via = models.CharField(
        _("verzonden via"), max_length=10, choices=SentVia.choices, blank=True
    )

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("brief")
        verbose_name_plural = _("brieven")
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
    INTAKE = "intake", _("Melding geregistreerd")
    ASSIGNED = "assigned", _("Toegewezen")
    TAKE_INTO_INVESTIGATION = "take_into_investigation", _("In onderzoek genomen")
    DECLINE = "decline", _("Niet in onderzoek genomen")
    CALL_ATTEMPT = "call_attempt", _("Belpoging zonder gehoor")
    CALL = "call", _("Werkgever gesproken")
    RECORD_CALL = "record_call", _("Werkgever gebeld")
    EMPLOYER_IDENTIFIED = "employer_identified", _("Werkgever geïdentificeerd")
    AGREEMENT_ADDED = "agreement_added", _("Afspraak toegevoegd")
    AGREEMENT_CHANGED = "agreement_changed", _("Afspraak gewijzigd")
    AGREEMENT_STATUS = "agreement_status", _("Status afspraak gewijzigd")
    CONFIRM_AGREEMENTS = "confirm_agreements", _("Afspraken per brief bevestigd")
    LETTER_GENERATED = "letter_generated", _("Brief gemaakt")
    LETTER_DOWNLOADED = "letter_downloaded", _("Brief gedownload")
    LETTER_SENT = "letter_sent", _("Brief verzonden")
    CLOSE = "close", _("Afgesloten")
    REOPEN = "reopen", _("Heropend")
    MELDER_VIEWED = "melder_viewed", _("Melder- of meldingsgegevens bekeken")
    CASE_EDITED = "case_edited", _("Melding gewijzigd")
    EMPLOYER_EDITED = "employer_edited", _("Werkgever gewijzigd")
    EXPORT = "export", _("Export gemaakt")
    ROLE_CHANGED = "role_changed", _("Rol gewijzigd")
    USER_CHANGED = "user_changed", _("Gebruiker gewijzigd")
    LOGIN = "login", _("Ingelogd")
    LOGIN_FAILED = "login_failed", _("Mislukte inlogpoging")
    LOGOUT = "logout", _("Uitgelogd")
    ANONYMISED = "anonymised", _("Persoonsgegevens geanonimiseerd")


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

    created_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("door"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("soort"), max_length=40, choices=EventKind.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("melding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    from_state = models.CharField(_("van status"), max_length=30, blank=True)
    to_state = models.CharField(_("naar status"), max_length=30, blank=True)
    data = models.JSONField(_("gegevens"), default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("gebeurtenis")
        verbose_name_plural = _("gebeurtenissen")
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
