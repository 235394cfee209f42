"""Choices and fixed rules of the domain: states, outcomes per state, channels,
criteria, roles and Event kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

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
    PRIVACYFUNCTIONARIS = "Privacyfunctionaris", _("Privacy officer")


# Roles that see melder data: every grant of one is shown to the team leaders until one of
# them acknowledges it.
MELDER_DATA_ROLES: tuple[str, ...] = (Role.INSPECTEUR, Role.TEAMLEIDER, Role.PRIVACYFUNCTIONARIS)


NOT_ALLOWED_TOPIC = "niet_mogen_thuiswerken"


class SentVia(models.TextChoices):
    POST = "post", _("By post")
    EMAIL = "email", _("By email")


class EventKind(models.TextChoices):
    INTAKE = "intake", _("Case registered")
    ASSIGNED = "assigned", _("Assigned")
    TAKE_INTO_INVESTIGATION = "take_into_investigation", _("Taken into investigation")
    DECLINE = "decline", _("Not taken into investigation")
    CALL_ATTEMPT = "call_attempt", _("Call attempt without answer")
    CALL = "call", _("Spoke with employer")
    CALL_EDITED = "call_edited", _("Person spoken to corrected")
    RECORD_CALL = "record_call", _("Employer called")
    EMPLOYER_IDENTIFIED = "employer_identified", _("Employer identified")
    AGREEMENT_ADDED = "agreement_added", _("Agreement added")
    AGREEMENT_CHANGED = "agreement_changed", _("Agreement changed")
    AGREEMENT_STATUS = "agreement_status", _("Agreement status changed")
    CONFIRM_AGREEMENTS = "confirm_agreements", _("Agreements confirmed by letter")
    LETTER_GENERATED = "letter_generated", _("Letter generated")
    LETTER_CHECKED = "letter_checked", _("Letter checked before issuing")
    LETTER_DOWNLOADED = "letter_downloaded", _("Letter downloaded")
    LETTER_SENT = "letter_sent", _("Letter sent")
    LETTER_BATCH = "letter_batch", _("Letters selected for bulk work")
    BUNDLE_ATTACHED = "bundle_attached", _("Handled together with other cases")
    BUNDLE_DETACHED = "bundle_detached", _("No longer handled together")
    BUNDLE_LEAD_CHANGED = "bundle_lead_changed", _("Another case became the lead")
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
    LOGIN_LOCKED = "login_locked", _("Sign-in locked after too many failed attempts")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Two-factor sign-in set up")
    TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor sign-in reset")
    PASSWORD_SET = "password_set", _("Password set by someone else")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    ROLE_GRANT_ACKNOWLEDGED = "role_grant_acknowledged", _("Role grant acknowledged")
    ACCESS_REQUEST = "access_request", _("Access request answered")
    LOGOUT = "logout", _("Signed out")
    ANONYMISED = "anonymised", _("Personal data anonymised")
    FIGURES_FROZEN = "figures_frozen", _("Figures recorded")
    FIGURES_REPORT = "figures_report", _("Figures report made")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    API_TOKEN_USED = "api_token_used", _("API token used")
