"""cases/services/calls.py: call attempts and reached calls, the first of which moves the
case to employer_called. A refused call changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cases import services
from cases.models import CONTACT_FIELDS, Call, Criterion, EmployerResponse, EventKind
from cases.services import InvalidStateError, ServiceError
from tests.helpers import (
    AC,
    EC,
    REPORTED,
    UI,
    ago,
    call_attempt,
    case_in_state,
    contact_fields,
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


PERSON = contact_fields("mevrouw A. de Haan")


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
    assert call.contact_name == "de heer J. de Vries"
    assert (call.contact_form_of_address, call.contact_tussenvoegsel, call.contact_surname) == (
        "heer",
        "de",
        "Vries",
    )
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
            contact={"contact_surname": "   "},
            criteria=[],
            employer_response="",
        )
    errors = info.value.message_dict
    assert set(errors) == {
        "called_at",
        "contact_form_of_address",
        "contact_surname",
        "criteria",
        "employer_response",
    }
    assert errors["contact_surname"] == ["Vul de achternaam in van de persoon met wie u sprak."]
    assert errors["contact_form_of_address"] == ["Kies een aanspreekvorm."]
    assert errors["criteria"] == ["Kruis ten minste één besproken criterium aan."]
    assert errors["employer_response"] == ["Kies de reactie van de werkgever."]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"criteria": ["productiviteit"]}, "criteria"),
        ({"employer_response": "misschien"}, "employer_response"),
        ({"notes": "x" * 100_000}, "notes"),
        ({"measures": "x" * 100_000}, "measures"),
        ({"contact": {**PERSON, "contact_surname": "x" * 151}}, "contact_surname"),
        ({"contact": {**PERSON, "contact_surname": "de heer Jansen"}}, "contact_surname"),
        ({"contact": {**PERSON, "contact_initials": "mevrouw A."}}, "contact_initials"),
        ({"contact": {**PERSON, "contact_form_of_address": "dame"}}, "contact_form_of_address"),
        ({"contact": {**PERSON, "contact_tussenvoegsel": "v/d"}}, "contact_tussenvoegsel"),
        ({"contact": {**PERSON, "contact_surname": "j.jansen@example.nl"}}, "contact_surname"),
    ],
    ids=[
        "unknown-criterion",
        "unknown-response",
        "notes-100kB",
        "measures-100kB",
        "contact-long",
        "form-in-surname",
        "form-in-initials",
        "unknown-form",
        "tussenvoegsel-not-letters",
        "email-as-surname",
    ],
)
def test_call_invalid_input(overrides: dict[str, Any], field: str, inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    with refused(case, ValidationError, field=field):
        record_reached_call(case, inspector, **overrides)


# ---------------------------------------------------------------------------
# Correcting the person spoken to (before the letter is issued)


def test_call_edit_corrects_the_person_and_writes_an_event(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    call = Call.objects.get(case=case, reached=True)
    since = last_event_pk()
    services.call_edit(
        case=case,
        actor=inspector,
        version=case.version,
        call=call.pk,
        contact=contact_fields("mevrouw drs. A. van der Berg"),
    )
    call = Call.objects.get(pk=call.pk)
    assert call.contact_name == "mevrouw drs. A. van der Berg"
    assert call.contact_tussenvoegsel == "van der"
    (event,) = new_events(since)
    assert event.kind == EventKind.CALL_EDITED
    assert event.data == {
        "call_id": call.pk,
        "fields": [
            "contact_form_of_address",
            "contact_title",
            "contact_initials",
            "contact_tussenvoegsel",
            "contact_surname",
        ],
    }
    assert fresh(case).version == case.version + 1


def test_call_edit_is_refused_once_the_letter_is_issued(inspector: User) -> None:
    case = case_in_state(AC, inspector=inspector)
    call = Call.objects.get(case=case, reached=True)
    with refused(case, InvalidStateError, contains="Gesprekspartner corrigeren"):
        services.call_edit(
            case=case,
            actor=inspector,
            version=case.version,
            call=call.pk,
            contact=contact_fields("mevrouw A. Later"),
        )


@pytest.mark.parametrize("which", ["attempt", "other-case", "missing"])
def test_call_edit_only_for_a_reached_call_of_this_case(inspector: User, which: str) -> None:
    case = case_in_state(EC, inspector=inspector)
    if which == "attempt":
        target = call_attempt(case, inspector, ago(minutes=5)).pk
    elif which == "other-case":
        other = case_in_state(EC, inspector=inspector)
        target = Call.objects.get(case=other, reached=True).pk
    else:
        target = 0
    with refused(case, ServiceError, contains="Dit gesprek bestaat niet."):
        services.call_edit(
            case=fresh(case),
            actor=inspector,
            version=fresh(case).version,
            call=target,
            contact=contact_fields("mevrouw A. Later"),
        )


def test_call_edit_needs_a_change_and_valid_input(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    call = Call.objects.get(case=case, reached=True)
    same = {name: getattr(call, name) for name in CONTACT_FIELDS}
    with refused(case, ValidationError, field="contact_surname", contains="niets gewijzigd"):
        services.call_edit(
            case=case, actor=inspector, version=case.version, call=call.pk, contact=same
        )
    with refused(case, ValidationError, field="contact_surname", contains="de heer"):
        services.call_edit(
            case=case,
            actor=inspector,
            version=case.version,
            call=call.pk,
            contact={**same, "contact_surname": "de heer Jansen"},
        )
