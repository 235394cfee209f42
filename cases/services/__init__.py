"""Every write goes through a service here; views, the admin, commands and the API call them.

A module per sub-domain, all sharing `base.case_write` (lock, version, the workflow check,
save, Event): `intake`, `triage` (taking, assigning, transitions, identifying the employer),
`calls`, `agreements`, `letters`, `bundles` (several meldingen handled as one), `figures`,
`employers` and `audit`. Refusals are `cases.errors`
exceptions (or Django's ValidationError for input errors, per field), with Dutch messages.
"""

from cases.errors import (
    DuplicateIntakeError,
    InvalidStateError,
    NotPermittedError,
    ServiceError,
    StaleVersionError,
)
from cases.services.agreements import agreement_add, agreement_edit, agreement_set_status
from cases.services.audit import record_export, record_melder_view
from cases.services.base import case_write, ensure_allowed
from cases.services.bundles import bundle_attach, bundle_detach, bundle_make_lead
from cases.services.calls import call_edit, case_record_call, case_record_call_attempt
from cases.services.employers import (
    employer_assign_unassigned,
    employer_follow_sector,
    employer_save,
)
from cases.services.figures import ReportFile, figures_report_make, snapshot_create
from cases.services.intake import (
    EmployerInput,
    MelderInput,
    advance_reference_counter,
    allocate_reference,
    case_intake,
    validate_intake,
)
from cases.services.letters import (
    case_confirm_agreements,
    issue_confirmation_letter,
    letter_download,
    letter_mark_sent,
    letter_regenerate,
    regenerate_confirmation_letter,
)
from cases.services.triage import (
    case_act,
    case_assign,
    case_close,
    case_decline,
    case_identify_employer,
    case_reopen,
    case_take,
    case_take_into_investigation,
    case_update_details,
)

__all__ = [
    "DuplicateIntakeError",
    "EmployerInput",
    "InvalidStateError",
    "MelderInput",
    "NotPermittedError",
    "ReportFile",
    "ServiceError",
    "StaleVersionError",
    "advance_reference_counter",
    "agreement_add",
    "agreement_edit",
    "agreement_set_status",
    "allocate_reference",
    "bundle_attach",
    "bundle_detach",
    "bundle_make_lead",
    "call_edit",
    "case_act",
    "case_assign",
    "case_close",
    "case_confirm_agreements",
    "case_decline",
    "case_identify_employer",
    "case_intake",
    "case_record_call",
    "case_record_call_attempt",
    "case_reopen",
    "case_take",
    "case_take_into_investigation",
    "case_update_details",
    "case_write",
    "employer_assign_unassigned",
    "employer_follow_sector",
    "employer_save",
    "ensure_allowed",
    "figures_report_make",
    "issue_confirmation_letter",
    "letter_download",
    "letter_mark_sent",
    "letter_regenerate",
    "record_export",
    "record_melder_view",
    "regenerate_confirmation_letter",
    "snapshot_create",
    "validate_intake",
]
