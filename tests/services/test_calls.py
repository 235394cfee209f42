"""cases/services/calls.py: call attempts and reached calls, the first of which moves the
case to employer_called. A refused call changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Call, Criterion, EmployerResponse, EventKind
from cases.services import InvalidStateError
from tests.helpers import (
    EC,
    REPORTED,
    UI,
    ago,
    call_attempt,
    case_in_state,
    fresh,
    last_event_pk,
    new_events,
    record_reached_call,
    refused,
)


def test_call_attempt(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    moment = ago(hours=2)
    since = last_event_pk()
    call = call_attempt(case, inspector, moment)
    assert (call.reached, call.called_at, call.caller_id) == (False, moment, inspector.pk)
    assert fresh(case).state == UI
    (event,) = new_events(since)
    assert event.data == {"call_id": call.pk, "reached": False}


def test_call_attempt_needs_identified_employer(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector, reported_employer=REPORTED)
    with refused(case, InvalidStateError, contains="Identificeer eerst de werkgever"):
        call_attempt(case, inspector, ago(hours=1))


@pytest.mark.parametrize(
    ("called_at", "message"),
    [
        (None, "verplicht"),
        (lambda: ago(hours=-1), "toekomst"),
        (lambda: ago(days=10), "vóór"),  # before the melding was received
        (lambda: dt.datetime.now() - dt.timedelta(hours=1), "tijdzone"),
    ],
    ids=["missing", "future", "before-received", "naive"],
)
def test_call_attempt_bad_moment(called_at: Any, message: str, inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    value = called_at() if callable(called_at) else called_at
    with refused(case, ValidationError, field="called_at", contains=message):
        call_attempt(case, inspector, value)


def test_first_reached_call_transitions(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    since = last_event_pk()
    call = record_reached_call(
        case,
        inspector,
        criteria=[Criterion.MENTAL_HEALTH, Criterion.ESSENTIAL_PRESENCE, Criterion.MENTAL_HEALTH],
        employer_response=EmployerResponse.NEE,
    )
    case = fresh(case)
    assert case.state == EC
    assert call.reached is True
    assert call.contact_name == "J. de Vries"
    assert call.criteria == [Criterion.ESSENTIAL_PRESENCE, Criterion.MENTAL_HEALTH]
    (event,) = new_events(since)
    assert (event.kind, event.from_state, event.to_state) == (EventKind.RECORD_CALL, UI, EC)
    assert event.data["employer_response"] == EmployerResponse.NEE


def test_follow_up_call_does_not_transition(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    calls = Call.objects.filter(case=case).count()
    since = last_event_pk()
    record_reached_call(case, inspector, notes="Tweede gesprek.")
    after = fresh(case)
    assert after.state == EC
    assert after.version == case.version + 1
    assert Call.objects.filter(case=case).count() == calls + 1
    (event,) = new_events(since)
    assert (event.kind, event.from_state, event.to_state) == (EventKind.CALL, "", "")


def test_call_needs_identified_employer(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector, reported_employer=REPORTED)
    with refused(case, InvalidStateError):
        record_reached_call(case, inspector)


def test_call_missing_input_reports_every_field(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    with refused(case, ValidationError) as info:
        services.case_record_call(
            case=case,
            actor=inspector,
            version=case.version,
            called_at=None,
            contact_name="   ",
            criteria=[],
            employer_response="",
        )
    errors = info.value.message_dict
    assert set(errors) == {"called_at", "contact_name", "criteria", "employer_response"}
    assert errors["contact_name"] == ["Dit veld is verplicht."]
    assert errors["criteria"] == ["Kruis ten minste één besproken criterium aan."]
    assert errors["employer_response"] == ["Kies de reactie van de werkgever."]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"criteria": ["productiviteit"]}, "criteria"),
        ({"employer_response": "misschien"}, "employer_response"),
        ({"notes": "x" * 100_000}, "notes"),
        ({"measures": "x" * 100_000}, "measures"),
        ({"contact_name": "x" * 201}, "contact_name"),
    ],
    ids=["unknown-criterion", "unknown-response", "notes-100kB", "measures-100kB", "contact-long"],
)
def test_call_invalid_input(overrides: dict[str, Any], field: str, inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    with refused(case, ValidationError, field=field):
        record_reached_call(case, inspector, **overrides)
