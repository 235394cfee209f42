"""cases/services/agreements.py: adding and editing agreements and setting their status.
A refused change changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import AgreementStatus
from cases.services import ServiceError
from tests.helpers import (
    AC,
    EC,
    add_agreement,
    case_in_state,
    due,
    fresh,
    last_event_pk,
    new_events,
    refused,
)


def test_agreement_add(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    since = last_event_pk()
    agreement = add_agreement(case, inspector, due_date=timezone.localdate())  # today is fine
    assert agreement.status == AgreementStatus.OPEN
    assert agreement.created_by_id == inspector.pk
    (event,) = new_events(since)
    assert event.data == {
        "agreement_id": agreement.pk,
        "due_date": timezone.localdate().isoformat(),
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"due_date": None}, "due_date", "Vul een uiterste datum in."),
        ({"due_date": "yesterday"}, "due_date", "niet in het verleden"),
        ({"description": ""}, "description", "Dit veld is verplicht."),
        ({"description": "x" * 100_000}, "description", "maximaal 2000"),
    ],
    ids=["no-due-date", "past-due-date", "no-description", "100kB"],
)
def test_agreement_add_invalid(
    overrides: dict[str, Any], field: str, message: str, inspector: User
) -> None:
    case = case_in_state(EC, inspector=inspector)
    if overrides.get("due_date") == "yesterday":
        overrides = {"due_date": timezone.localdate() - dt.timedelta(days=1)}
    with refused(case, ValidationError, field=field, contains=message):
        add_agreement(case, inspector, **overrides)


def test_agreement_edit(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    agreement = add_agreement(case, inspector, due_date=due(7))
    since = last_event_pk()
    services.agreement_edit(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        agreement=agreement,
        description="Nieuw",
        due_date=due(30),
    )
    agreement.refresh_from_db()
    assert (agreement.description, agreement.due_date) == ("Nieuw", due(30))
    (event,) = new_events(since)
    assert event.data == {
        "agreement_id": agreement.pk,
        "due_date": due(30).isoformat(),
        "previous_due_date": due(7).isoformat(),
    }


def test_agreement_of_another_case(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    other = case_in_state(EC, inspector=inspector)
    foreign = add_agreement(other, inspector)
    case = fresh(case)
    with refused(case, ServiceError, contains="hoort niet bij deze melding"):
        services.agreement_edit(
            case=case,
            actor=inspector,
            version=case.version,
            agreement=foreign,
            description="Gekaapt",
            due_date=due(),
        )


def test_agreement_edit_invalid(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    agreement = add_agreement(case, inspector)
    case = fresh(case)
    with refused(case, ValidationError, field="due_date"):
        services.agreement_edit(
            case=case,
            actor=inspector,
            version=case.version,
            agreement=agreement,
            description="Nieuw",
            due_date=timezone.localdate() - dt.timedelta(days=3),
        )


def test_agreement_set_status(inspector: User) -> None:
    case = case_in_state(AC, inspector=inspector)
    agreement = case.agreements.get()
    since = last_event_pk()
    services.agreement_set_status(
        case=case,
        actor=inspector,
        version=case.version,
        agreement=agreement,
        status=AgreementStatus.NIET_NAGEKOMEN,
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.NIET_NAGEKOMEN
    assert agreement.status_changed_at is not None
    (event,) = new_events(since)
    assert event.data == {
        "agreement_id": agreement.pk,
        "status": AgreementStatus.NIET_NAGEKOMEN,
        "previous_status": AgreementStatus.OPEN,
    }


@pytest.mark.parametrize("status", ["", "misschien", AgreementStatus.OPEN])
def test_agreement_set_status_invalid(status: str, inspector: User) -> None:
    case = case_in_state(AC, inspector=inspector)
    with refused(case, ValidationError, field="status"):
        services.agreement_set_status(
            case=case,
            actor=inspector,
            version=case.version,
            agreement=case.agreements.get(),
            status=status,
        )
