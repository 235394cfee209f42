"""Agreements with the employer: recorded after the call, confirmed by letter, then kept or
not."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Agreement, AgreementStatus, Case
from cases.services import bundles
from cases.services.base import Errors, ServiceError, case_write, clean_text
from cases.types import Actor

AGREEMENT_MAX = 2000


def _validate_agreement(description: str, due_date: dt.date | None) -> tuple[str, dt.date]:
    errors = Errors()
    try:
        description = clean_text(
            description, "description", required=True, max_length=AGREEMENT_MAX
        )
    except ValidationError as exc:
        errors.merge(exc)
    if due_date is None:
        errors.add("due_date", _("Fill in a due date."))
    elif due_date < timezone.localdate():
        errors.add("due_date", _("The due date may not be in the past."))
    if errors or due_date is None:
        raise ValidationError(errors.by_field)
    return description, due_date


def _locked_agreement(case: Case, agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    try:
        return Agreement.objects.select_for_update().get(pk=pk, case=case)
    except Agreement.DoesNotExist as exc:
        raise ServiceError(
            _("This agreement does not belong to this case."), code="not_found"
        ) from exc


def agreement_add(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    description: str,
    due_date: dt.date | None,
) -> Agreement:
    with case_write(case, action="agreement_add", actor=actor, version=version) as write:
        description, due_date = _validate_agreement(description, due_date)
        agreement = Agreement.objects.create(
            case=write.case, description=description, due_date=due_date, created_by=actor
        )
        write.data = {"agreement_id": agreement.pk, "due_date": due_date.isoformat()}
        bundles.refresh_attached(write)
    return agreement


def agreement_edit(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    agreement: Agreement | int,
    description: str,
    due_date: dt.date | None,
) -> Agreement:
    """Change an agreement while it is not yet confirmed by letter."""
    with case_write(case, action="agreement_edit", actor=actor, version=version) as write:
        item = _locked_agreement(write.case, agreement)
        description, due_date = _validate_agreement(description, due_date)
        write.data = {
            "agreement_id": item.pk,
            "due_date": due_date.isoformat(),
            "previous_due_date": item.due_date.isoformat(),
        }
        item.description = description
        item.due_date = due_date
        item.save(update_fields=["description", "due_date"])
        bundles.refresh_attached(write)
    return item


def agreement_set_status(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    agreement: Agreement | int,
    status: str,
) -> Agreement:
    """Record whether a confirmed agreement was kept."""
    with case_write(case, action="agreement_status", actor=actor, version=version) as write:
        item = _locked_agreement(write.case, agreement)
        if status not in AgreementStatus.values:
            raise ValidationError({"status": _("Choose a valid status.")})
        if status == item.status:
            raise ValidationError({"status": _("The agreement already has this status.")})
        write.data = {"agreement_id": item.pk, "status": status, "previous_status": item.status}
        item.status = status
        item.status_changed_at = write.at
        item.save(update_fields=["status", "status_changed_at"])
        bundles.refresh_attached(write)
    return item
