"""Every service (write): the allowed path, each forbidden source state, missing input, wrong
role, another inspector's case, a stale `version`, the Event it writes, and that a refused
action changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import documents, services
from cases.models import (
    CLOSE_OUTCOMES,
    DECLINE_OUTCOMES,
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Criterion,
    Employer,
    EmployerResponse,
    Event,
    EventKind,
    Letter,
    Outcome,
    Role,
    State,
)
from cases.services import (
    InvalidStateError,
    NotPermittedError,
    ServiceError,
    StaleVersionError,
)
from tests.factories import EmployerFactory, make_user
from tests.helpers import (
    AMS,
    REPORTED,
    SAMPLE_PDF,
    add_agreement,
    ago,
    call_attempt,
    case_in_state,
    due,
    freeze,
    fresh,
    intake,
    last_event_pk,
    new_events,
    record_reached_call,
    refused,
    set_all_kept,
    snapshot,
)

UTC = dt.UTC
R = State.RECEIVED
UI = State.UNDER_INVESTIGATION
EC = State.EMPLOYER_CALLED
AC = State.AGREEMENTS_CONFIRMED
CL = State.CLOSED


# ---------------------------------------------------------------------------
# The registry of services used by the generic (parametrized) tests


@dataclass
class Subject:
    case: Case
    agreement: Agreement | None = None
    letter: Letter | None = None
    assignee: User | None = None


Run = Callable[[Subject, Any, Any], Any]


@dataclass(frozen=True)
class Action:
    allowed: tuple[str, ...]
    run: Run
    kinds: Callable[[str], tuple[str, ...]]
    target: Callable[[str], str] = lambda state: state
    supervisor_only: bool = False
    state_checked: bool = True


def _same(kind: str) -> Callable[[str], tuple[str, ...]]:
    return lambda state: (kind,)


ACTIONS: dict[str, Action] = {
    "take": Action(
        allowed=(R,),
        run=lambda s, a, v: services.case_take(case=s.case, actor=a, version=v),
        kinds=_same(EventKind.ASSIGNED),
    ),
    "assign": Action(
        allowed=(R, UI, EC, AC),
        run=lambda s, a, v: services.case_assign(
            case=s.case, actor=a, version=v, assignee=s.assignee
        ),
        kinds=_same(EventKind.ASSIGNED),
        supervisor_only=True,
    ),
    "take_into_investigation": Action(
        allowed=(R,),
        run=lambda s, a, v: services.case_take_into_investigation(case=s.case, actor=a, version=v),
        kinds=_same(EventKind.TAKE_INTO_INVESTIGATION),
        target=lambda state: UI,
    ),
    "decline": Action(
        allowed=(R,),
        run=lambda s, a, v: services.case_decline(
            case=s.case, actor=a, version=v, outcome=Outcome.ONVOLDOENDE_INFORMATIE
        ),
        kinds=_same(EventKind.DECLINE),
        target=lambda state: CL,
    ),
    "record_call_attempt": Action(
        allowed=(UI, EC),
        run=lambda s, a, v: services.case_record_call_attempt(
            case=s.case, actor=a, version=v, called_at=ago(minutes=30)
        ),
        kinds=_same(EventKind.CALL_ATTEMPT),
    ),
    "record_call": Action(
        allowed=(UI, EC),
        run=lambda s, a, v: services.case_record_call(
            case=s.case,
            actor=a,
            version=v,
            called_at=ago(minutes=30),
            contact_name="P. Jansen",
            criteria=[Criterion.LOCATION_BOUND_SYSTEMS],
            employer_response=EmployerResponse.JA,
        ),
        kinds=lambda state: (EventKind.RECORD_CALL,) if state == UI else (EventKind.CALL,),
        target=lambda state: EC,
    ),
    "identify_employer": Action(
        allowed=(R, UI),
        run=lambda s, a, v: services.case_identify_employer(
            case=s.case, actor=a, version=v, kvk_number="87654321"
        ),
        kinds=_same(EventKind.EMPLOYER_IDENTIFIED),
    ),
    "agreement_add": Action(
        allowed=(EC,),
        run=lambda s, a, v: services.agreement_add(
            case=s.case,
            actor=a,
            version=v,
            description="Thuiswerkbeleid aanpassen.",
            due_date=due(),
        ),
        kinds=_same(EventKind.AGREEMENT_ADDED),
    ),
    "agreement_edit": Action(
        allowed=(EC,),
        run=lambda s, a, v: services.agreement_edit(
            case=s.case,
            actor=a,
            version=v,
            agreement=s.agreement,
            description="Thuiswerkbeleid schriftelijk vastleggen.",
            due_date=due(21),
        ),
        kinds=_same(EventKind.AGREEMENT_CHANGED),
    ),
    "agreement_set_status": Action(
        allowed=(AC,),
        run=lambda s, a, v: services.agreement_set_status(
            case=s.case, actor=a, version=v, agreement=s.agreement, status=AgreementStatus.NAGEKOMEN
        ),
        kinds=_same(EventKind.AGREEMENT_STATUS),
    ),
    "confirm_agreements": Action(
        allowed=(EC,),
        run=lambda s, a, v: services.case_confirm_agreements(
            case=s.case, actor=a, version=v, letter_pdf=SAMPLE_PDF, template_version="test-1"
        ),
        kinds=lambda state: (EventKind.CONFIRM_AGREEMENTS, EventKind.LETTER_GENERATED),
        target=lambda state: AC,
    ),
    "close": Action(
        allowed=(UI, EC, AC),
        run=lambda s, a, v: services.case_close(
            case=s.case, actor=a, version=v, outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE
        ),
        kinds=_same(EventKind.CLOSE),
        target=lambda state: CL,
    ),
    "reopen": Action(
        allowed=(CL,),
        run=lambda s, a, v: services.case_reopen(
            case=s.case, actor=a, version=v, reason="Nieuwe informatie ontvangen."
        ),
        kinds=_same(EventKind.REOPEN),
        target=lambda state: R,  # case_in_state(CLOSED) declines: never investigated
        supervisor_only=True,
    ),
    "update_details": Action(
        allowed=(R, UI, EC, AC),
        run=lambda s, a, v: services.case_update_details(
            case=s.case, actor=a, version=v, channel="telefoon", topic_codes=["thuiswerkplek"]
        ),
        kinds=_same(EventKind.CASE_EDITED),
        state_checked=False,
    ),
    "letter_mark_sent": Action(
        allowed=(AC,),
        run=lambda s, a, v: services.letter_mark_sent(
            letter=s.letter, actor=a, version=v, sent_at=timezone.localdate(), sent_via="post"
        ),
        kinds=_same(EventKind.LETTER_SENT),
        state_checked=False,
    ),
}


def prepare(name: str, state: str, inspector: User) -> Subject:
    """A case in `state`, assigned to `inspector`, with what action `name` needs."""
    kwargs: dict[str, Any] = {}
    if name == "identify_employer" and state in (R, UI, CL):
        kwargs["reported_employer"] = REPORTED
    if name == "take" and state == R:
        case = intake(inspector, **kwargs)  # in the intake queue
    else:
        case = case_in_state(state, inspector=inspector, **kwargs)
    subject = Subject(case=case)
    if name in ("agreement_edit", "agreement_set_status", "confirm_agreements"):
        if state == EC:
            add_agreement(case, inspector)
        subject.agreement = Agreement.objects.filter(case=case).first()
        if subject.agreement is None:
            donor = case_in_state(EC, inspector=inspector)
            subject.agreement = add_agreement(donor, inspector)
    if name == "letter_mark_sent":
        subject.letter = Letter.objects.filter(case=case).first()
    if name == "assign":
        subject.assignee = make_user(Role.INSPECTEUR, username="toegewezen")
    subject.case = fresh(case)
    return subject


def actor_of(action: Action, inspector: User, supervisor: User) -> User:
    return supervisor if action.supervisor_only else inspector


ALLOWED = [
    pytest.param(name, state, id=f"{name}-{state}")
    for name, action in ACTIONS.items()
    for state in action.allowed
]
FORBIDDEN = [
    pytest.param(name, state, id=f"{name}-{state}")
    for name, action in ACTIONS.items()
    if action.state_checked
    for state in State.values
    if state not in action.allowed
]
WRONG_ROLE = [
    pytest.param(name, who, id=f"{name}-{who}")
    for name in ACTIONS
    for who in ("no_role_user", "functional_admin", "other_inspector", "anonymous", "inactive")
    if not (name == "take" and who == "other_inspector")  # the queue is open to all inspectors
] + [
    pytest.param("assign", "inspector", id="assign-inspector"),
    pytest.param("reopen", "inspector", id="reopen-inspector"),
]


# ---------------------------------------------------------------------------
# Generic: every service


@pytest.mark.parametrize(("name", "state"), ALLOWED)
def test_allowed_path(name: str, state: str, inspector: User, supervisor: User) -> None:
    action = ACTIONS[name]
    subject = prepare(name, state, inspector)
    actor = actor_of(action, inspector, supervisor)
    before = fresh(subject.case)
    since = last_event_pk()

    action.run(subject, actor, before.version)

    after = fresh(subject.case)
    assert after.version == before.version + 1
    target = action.target(state)
    assert after.state == target
    events = new_events(since)
    assert [e.kind for e in events] == list(action.kinds(state))
    assert all(e.actor_id == actor.pk and e.case_id == before.pk for e in events)
    expected_states = (state, target) if target != state else ("", "")
    assert (events[0].from_state, events[0].to_state) == expected_states


@pytest.mark.parametrize(("name", "state"), FORBIDDEN)
def test_forbidden_source_state(name: str, state: str, inspector: User, supervisor: User) -> None:
    action = ACTIONS[name]
    subject = prepare(name, state, inspector)
    actor = actor_of(action, inspector, supervisor)
    with refused(subject.case, InvalidStateError) as info:
        action.run(subject, actor, subject.case.version)
    if name not in ("take", "assign"):
        assert f"‘{State(state).label}’" in info.value.message


@pytest.mark.parametrize(("name", "who"), WRONG_ROLE)
def test_wrong_role_is_refused(
    name: str, who: str, request: pytest.FixtureRequest, inspector: User, supervisor: User
) -> None:
    action = ACTIONS[name]
    subject = prepare(name, action.allowed[0], inspector)
    actor: Any
    if who == "anonymous":
        actor = AnonymousUser()
    elif who == "inactive":
        actor = actor_of(action, inspector, supervisor)
        actor.is_active = False
        actor.save(update_fields=["is_active"])
        actor = User.objects.get(pk=actor.pk)
    else:
        actor = request.getfixturevalue(who)
    with refused(subject.case, NotPermittedError) as info:
        action.run(subject, actor, subject.case.version)
    assert info.value.message.startswith(("U mag", "Alleen een teamleider"))


@pytest.mark.parametrize("name", [n for n, a in ACTIONS.items() if not a.supervisor_only])
def test_supervisor_may_act_on_any_case(name: str, inspector: User, supervisor: User) -> None:
    action = ACTIONS[name]
    state = action.allowed[0]
    subject = prepare(name, state, inspector)
    since = last_event_pk()
    action.run(subject, supervisor, subject.case.version)
    events = new_events(since)
    assert events
    assert all(e.actor_id == supervisor.pk for e in events)
    assert fresh(subject.case).version == subject.case.version + 1


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize("stale", ["older", "newer", "missing"])
def test_stale_version_is_refused(name: str, stale: str, inspector: User, supervisor: User) -> None:
    action = ACTIONS[name]
    subject = prepare(name, action.allowed[0], inspector)
    actor = actor_of(action, inspector, supervisor)
    current = subject.case.version
    version = {"older": current - 1, "newer": current + 1, "missing": None}[stale]
    with refused(subject.case, StaleVersionError) as info:
        action.run(subject, actor, version)
    assert "intussen gewijzigd" in info.value.message
    assert subject.case.reference in info.value.message


def test_stale_page_after_someone_else_wrote(inspector: User, supervisor: User) -> None:
    case = case_in_state(R, inspector=inspector)
    seen = case.version  # the inspector's page
    services.case_assign(case=case, actor=supervisor, version=seen, assignee=supervisor)
    with refused(case, StaleVersionError):
        services.case_take_into_investigation(case=case, actor=supervisor, version=seen)


# ---------------------------------------------------------------------------
# Take and assign


def test_take_from_intake_queue(inspector: User) -> None:
    case = intake(inspector)
    assert case.assignee_id is None
    since = last_event_pk()
    services.case_take(case=case, actor=inspector, version=case.version)
    case = fresh(case)
    assert case.assignee_id == inspector.pk
    assert case.state == R
    (event,) = new_events(since)
    assert event.data == {"assignee_id": inspector.pk, "previous_assignee_id": None}


def test_take_already_taken_case(inspector: User, other_inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    with refused(case, InvalidStateError, contains="al toegewezen"):
        services.case_take(case=case, actor=other_inspector, version=case.version)


def test_take_unassigned_case_outside_received_state(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    Case.objects.filter(pk=case.pk).update(assignee=None)
    with refused(case, ServiceError):
        services.case_take(case=case, actor=inspector, version=case.version)


def test_assign_and_reassign(inspector: User, other_inspector: User, supervisor: User) -> None:
    case = intake(inspector)
    services.case_assign(case=case, actor=supervisor, version=case.version, assignee=inspector)
    case = fresh(case)
    assert case.assignee_id == inspector.pk
    since = last_event_pk()
    services.case_assign(
        case=case, actor=supervisor, version=case.version, assignee=other_inspector
    )
    (event,) = new_events(since)
    assert event.kind == EventKind.ASSIGNED
    assert event.data == {"assignee_id": other_inspector.pk, "previous_assignee_id": inspector.pk}
    assert fresh(case).assignee_id == other_inspector.pk


@pytest.mark.parametrize("who", ["no_role_user", "functional_admin", "inactive", "same"])
def test_assign_to_unsuitable_assignee(
    who: str, request: pytest.FixtureRequest, inspector: User, supervisor: User
) -> None:
    case = case_in_state(R, inspector=inspector)
    if who == "same":
        assignee = inspector
    elif who == "inactive":
        assignee = make_user(Role.INSPECTEUR, username="inactief", is_active=False)
    else:
        assignee = request.getfixturevalue(who)
    with refused(case, ValidationError, field="assignee"):
        services.case_assign(case=case, actor=supervisor, version=case.version, assignee=assignee)


# ---------------------------------------------------------------------------
# take_into_investigation


def test_take_into_investigation_needs_assignment(inspector: User) -> None:
    case = intake(inspector)
    with refused(case, InvalidStateError, contains="nog niet toegewezen"):
        services.case_take_into_investigation(case=case, actor=inspector, version=case.version)


def test_take_into_investigation_sets_investigated_at_and_call_due(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    received_at = dt.datetime(2021, 5, 3, 9, 0, tzinfo=AMS)
    case = case_in_state(R, inspector=inspector, received_at=received_at)
    moment = dt.datetime(2021, 5, 6, 10, 0, tzinfo=AMS)  # Thursday
    freeze(monkeypatch, moment)
    since = last_event_pk()
    services.case_take_into_investigation(case=case, actor=inspector, version=case.version)
    case = fresh(case)
    assert case.investigated_at == moment
    # 10 working days after Thu 6 May 2021, skipping Ascension Day (Thu 13 May).
    assert case.call_due == dt.date(2021, 5, 21)
    (event,) = new_events(since)
    assert event.data == {"due_date": "2021-05-21"}
    assert event.created_at == moment


def test_investigated_at_set_once(inspector: User, supervisor: User, monkeypatch) -> None:
    first = timezone.now() - dt.timedelta(hours=2)
    freeze(monkeypatch, first)
    case = case_in_state(UI, inspector=inspector)
    assert case.investigated_at == first
    monkeypatch.undo()
    services.case_close(
        case=case, actor=inspector, version=case.version, outcome=Outcome.INGETROKKEN
    )
    case = fresh(case)
    services.case_reopen(case=case, actor=supervisor, version=case.version, reason="Fout")
    case = fresh(case)
    assert case.state == UI
    assert case.investigated_at == first
    # A case back in `received` with investigated_at already set (only possible through
    # data repair): a second take_into_investigation keeps the first moment.
    Case.objects.filter(pk=case.pk).update(state=R)
    case = fresh(case)
    services.case_take_into_investigation(case=case, actor=inspector, version=case.version)
    assert fresh(case).investigated_at == first


# ---------------------------------------------------------------------------
# decline


def _main_case(inspector: User) -> Case:
    return case_in_state(R, inspector=inspector)


@pytest.mark.parametrize("outcome", DECLINE_OUTCOMES)
def test_decline_outcomes_allowed(outcome: str, inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    main = _main_case(inspector) if outcome == Outcome.DUBBELE_MELDING else None
    since = last_event_pk()
    services.case_decline(
        case=case, actor=inspector, version=case.version, outcome=outcome, main_case=main
    )
    case = fresh(case)
    assert (case.state, case.outcome) == (CL, outcome)
    assert case.main_case_id == (main.pk if main else None)
    assert case.closed_at is not None
    assert case.investigated_at is None
    (event,) = new_events(since)
    assert (event.kind, event.from_state, event.to_state) == (EventKind.DECLINE, R, CL)
    assert event.data == {"outcome": outcome, "main_case": main.reference if main else None}


@pytest.mark.parametrize("outcome", [*sorted(set(Outcome.values) - set(DECLINE_OUTCOMES)), "", "x"])
def test_decline_outcomes_refused(outcome: str, inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    with refused(case, ValidationError, field="outcome"):
        services.case_decline(case=case, actor=inspector, version=case.version, outcome=outcome)


def test_decline_duplicate_needs_a_main_case(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    with refused(case, ValidationError, field="main_case", contains="hoofdmelding"):
        services.case_decline(
            case=case, actor=inspector, version=case.version, outcome=Outcome.DUBBELE_MELDING
        )
    with refused(case, ValidationError, field="main_case", contains="eigen hoofdmelding"):
        services.case_decline(
            case=case,
            actor=inspector,
            version=case.version,
            outcome=Outcome.DUBBELE_MELDING,
            main_case=case,
        )
    main = _main_case(inspector)
    case = fresh(case)
    with refused(case, ValidationError, field="main_case", contains="alleen bij een dubbele"):
        services.case_decline(
            case=case,
            actor=inspector,
            version=case.version,
            outcome=Outcome.INGETROKKEN,
            main_case=main,
        )


def test_decline_duplicate_of_its_own_duplicate(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    other = case_in_state(R, inspector=inspector)
    services.case_decline(
        case=other,
        actor=inspector,
        version=other.version,
        outcome=Outcome.DUBBELE_MELDING,
        main_case=case,
    )
    with refused(case, ValidationError, field="main_case"):
        services.case_decline(
            case=case,
            actor=inspector,
            version=case.version,
            outcome=Outcome.DUBBELE_MELDING,
            main_case=fresh(other),
        )


# ---------------------------------------------------------------------------
# Call attempts and calls


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


# ---------------------------------------------------------------------------
# Employer identification


def test_identify_employer_with_new_kvk(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector, reported_employer=REPORTED)
    employer_pk = case.employer_id
    since = last_event_pk()
    services.case_identify_employer(
        case=case,
        actor=inspector,
        version=case.version,
        kvk_number="87654321",
        establishment_number="000012345678",
        details={"visit_postcode": "3511ab", "contact_phone": "030 123 45 67"},
    )
    case = fresh(case)
    employer = case.employer
    assert employer.pk == employer_pk
    assert (employer.kvk_number, employer.establishment_number) == ("87654321", "000012345678")
    assert employer.name == REPORTED.name
    assert employer.visit_postcode == "3511 AB"
    assert employer.contact_phone == "0301234567"
    (event,) = new_events(since)
    assert event.kind == EventKind.EMPLOYER_IDENTIFIED
    assert event.data["kvk_number"] == "87654321"
    assert event.data["employer_id"] == employer_pk


def test_identify_employer_links_existing_employer(inspector: User) -> None:
    existing = EmployerFactory(kvk_number="11223344")
    case = case_in_state(UI, inspector=inspector, reported_employer=REPORTED)
    reported_pk = case.employer_id
    since = last_event_pk()
    services.case_identify_employer(
        case=case, actor=inspector, version=case.version, kvk_number="11223344"
    )
    case = fresh(case)
    assert case.employer_id == existing.pk
    assert not Employer.objects.filter(pk=reported_pk).exists()  # orphan removed
    (event,) = new_events(since)
    assert event.data["employer_id"] == existing.pk
    assert event.data["previous_employer_id"] == reported_pk


def test_identify_employer_already_identified(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    with refused(case, InvalidStateError, contains="al geïdentificeerd"):
        services.case_identify_employer(
            case=case, actor=inspector, version=case.version, kvk_number="87654321"
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kvk_number": ""}, "kvk_number"),
        ({"kvk_number": "1234567"}, "kvk_number"),
        ({"kvk_number": "١٢٣٤٥٦٧٨"}, "kvk_number"),
        ({"kvk_number": "", "establishment_number": "000012345678"}, "establishment_number"),
        ({"kvk_number": "87654321", "establishment_number": "12345"}, "establishment_number"),
        ({"kvk_number": "87654321", "details": {"visit_postcode": "0123 AB"}}, "visit_postcode"),
        (
            {"kvk_number": "87654321", "details": {"contact_email": "geen-adres"}},
            "contact_email",
        ),
    ],
    ids=[
        "missing",
        "7-digits",
        "arabic-indic",
        "vestiging-without-kvk",
        "vestiging-5",
        "pc",
        "mail",
    ],
)
def test_identify_employer_invalid_input(
    kwargs: dict[str, Any], field: str, inspector: User
) -> None:
    case = case_in_state(UI, inspector=inspector, reported_employer=REPORTED)
    with refused(case, ValidationError, field=field):
        services.case_identify_employer(case=case, actor=inspector, version=case.version, **kwargs)


def test_employer_identified_before_it_is_phoned(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector, reported_employer=REPORTED)
    services.case_identify_employer(
        case=case, actor=inspector, version=case.version, kvk_number="87654321"
    )
    record_reached_call(case, inspector)
    assert fresh(case).state == EC


# ---------------------------------------------------------------------------
# Agreements


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


# ---------------------------------------------------------------------------
# confirm_agreements and letters


def test_confirm_agreements_stores_letter(inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)
    since = last_event_pk()
    letter = services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=SAMPLE_PDF,
        template_version="bevestiging-2021-1",
    )
    sha = hashlib.sha256(SAMPLE_PDF).hexdigest()
    stored = settings.DOCUMENT_ROOT / sha[:2] / f"{sha}.pdf"
    assert stored.read_bytes() == SAMPLE_PDF
    assert documents.read(sha) == SAMPLE_PDF
    letter = Letter.objects.get(pk=letter.pk)
    assert (letter.case_id, letter.number, letter.sha256) == (case.pk, 1, sha)
    assert (letter.size, letter.template_version) == (len(SAMPLE_PDF), "bevestiging-2021-1")
    assert letter.generated_by_id == inspector.pk
    assert letter.sent_at is None
    assert fresh(case).state == AC
    confirm, generated = new_events(since)
    assert (confirm.kind, confirm.from_state, confirm.to_state) == (
        EventKind.CONFIRM_AGREEMENTS,
        EC,
        AC,
    )
    assert confirm.data["letter_id"] == letter.pk
    assert confirm.data["sha256"] == sha
    assert generated.kind == EventKind.LETTER_GENERATED
    assert generated.data["letter_id"] == letter.pk
    assert generated.data["letter_number"] == 1


def test_confirm_agreements_needs_an_agreement(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    with refused(case, InvalidStateError, contains="ten minste één afspraak"):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )


@pytest.mark.parametrize("content", [b"", b"<html>geen pdf</html>"], ids=["empty", "html"])
def test_confirm_agreements_needs_a_pdf(content: bytes, inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)
    with refused(case, ServiceError, contains="kon niet worden gemaakt"):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=content,
            template_version="t",
        )
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(root.rglob("*.pdf"))


def test_confirm_agreements_storage_failure(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    case = fresh(case)

    def broken_store(content: bytes) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(documents, "store", broken_store)
    with refused(case, ServiceError, contains="niet worden opgeslagen") as info:
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )
    assert not isinstance(info.value, StaleVersionError)
    after = fresh(case)
    assert after.state == EC
    assert not Letter.objects.filter(case=case).exists()
    assert not Event.objects.filter(case=case, kind=EventKind.CONFIRM_AGREEMENTS).exists()
    # retryable: the same version works once storage is back
    monkeypatch.undo()
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=after.version,
        letter_pdf=SAMPLE_PDF,
        template_version="t",
    )
    assert fresh(case).state == AC


def test_confirm_agreements_stale_version_stores_nothing(inspector: User, settings: Any) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    with refused(case, StaleVersionError):
        services.case_confirm_agreements(
            case=case,
            actor=inspector,
            version=case.version,
            letter_pdf=SAMPLE_PDF,
            template_version="t",
        )
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(root.rglob("*.pdf"))


def test_letter_mark_sent(inspector: User) -> None:
    case = case_in_state(AC, inspector=inspector)
    letter = case.letters.get()
    since = last_event_pk()
    today = timezone.localdate()
    services.letter_mark_sent(
        letter=letter, actor=inspector, version=case.version, sent_at=today, sent_via="email"
    )
    letter.refresh_from_db()
    assert (letter.sent_at, letter.sent_via) == (today, "email")
    (event,) = new_events(since)
    assert event.kind == EventKind.LETTER_SENT
    assert event.data == {
        "letter_id": letter.pk,
        "letter_number": 1,
        "sent_at": today.isoformat(),
        "sent_via": "email",
    }
    case = fresh(case)
    with refused(case, InvalidStateError, contains="al als verzonden"):
        services.letter_mark_sent(
            letter=letter, actor=inspector, version=case.version, sent_at=today, sent_via="post"
        )


@pytest.mark.parametrize(
    ("sent_at", "sent_via", "field"),
    [
        (None, "post", "sent_at"),
        (1, "post", "sent_at"),  # tomorrow
        (-30, "post", "sent_at"),  # before the letter was made
        (0, "duif", "sent_via"),
        (0, "", "sent_via"),
    ],
    ids=["missing-date", "future", "before-letter", "unknown-via", "missing-via"],
)
def test_letter_mark_sent_invalid(
    sent_at: int | None, sent_via: str, field: str, inspector: User
) -> None:
    case = case_in_state(AC, inspector=inspector)
    when = None if sent_at is None else timezone.localdate() + dt.timedelta(days=sent_at)
    with refused(case, ValidationError, field=field):
        services.letter_mark_sent(
            letter=case.letters.get(),
            actor=inspector,
            version=case.version,
            sent_at=when,
            sent_via=sent_via,
        )


# ---------------------------------------------------------------------------
# close: outcome rules per source state


def _ready_to_close(state: str, outcome: str, inspector: User) -> tuple[Case, Case | None]:
    case = case_in_state(state, inspector=inspector)
    main = None
    if outcome == Outcome.WERKGEVER_ONBEREIKBAAR:
        call_attempt(case, inspector, ago(days=2))
        call_attempt(case, inspector, ago(hours=1))
    if outcome == Outcome.AFSPRAKEN_NAGEKOMEN:
        set_all_kept(case, inspector)
    if outcome == Outcome.DUBBELE_MELDING:
        main = case_in_state(R, inspector=inspector)
    return fresh(case), main


CLOSE_ALLOWED = [
    pytest.param(state, outcome, id=f"{state}-{outcome}")
    for state, outcomes in CLOSE_OUTCOMES.items()
    for outcome in outcomes
]
CLOSE_NOT_ALLOWED = [
    pytest.param(state, outcome, id=f"{state}-{outcome}")
    for state, outcomes in CLOSE_OUTCOMES.items()
    for outcome in [*sorted(set(Outcome.values) - set(outcomes)), ""]
]


@pytest.mark.parametrize(("state", "outcome"), CLOSE_ALLOWED)
def test_close_allowed_outcomes(state: str, outcome: str, inspector: User) -> None:
    case, main = _ready_to_close(state, outcome, inspector)
    since = last_event_pk()
    services.case_close(
        case=case, actor=inspector, version=case.version, outcome=outcome, main_case=main
    )
    after = fresh(case)
    assert (after.state, after.outcome) == (CL, outcome)
    assert after.closed_at is not None
    assert after.version == case.version + 1
    assert after.main_case_id == (main.pk if main else None)
    (event,) = new_events(since)
    assert (event.kind, event.from_state, event.to_state) == (EventKind.CLOSE, state, CL)
    assert event.data == {"outcome": outcome, "main_case": main.reference if main else None}


@pytest.mark.parametrize(("state", "outcome"), CLOSE_NOT_ALLOWED)
def test_close_outcome_not_allowed_for_state(state: str, outcome: str, inspector: User) -> None:
    case = case_in_state(state, inspector=inspector)
    with refused(case, ValidationError, field="outcome"):
        services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)


@pytest.mark.parametrize("attempts", [0, 1], ids=["none", "one"])
def test_unreachable_needs_two_attempts(attempts: int, inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    for _ in range(attempts):
        call_attempt(case, inspector, ago(days=1))
    case = fresh(case)
    with refused(case, ValidationError, field="outcome", contains="verschillende dagen"):
        services.case_close(
            case=case,
            actor=inspector,
            version=case.version,
            outcome=Outcome.WERKGEVER_ONBEREIKBAAR,
        )


@pytest.mark.parametrize(
    ("first", "second", "allowed"),
    [
        # Same Amsterdam day, two hours apart.
        (
            dt.datetime(2021, 3, 10, 9, 0, tzinfo=AMS),
            dt.datetime(2021, 3, 10, 15, 0, tzinfo=AMS),
            False,
        ),
        # Different UTC days, same Amsterdam day (11 March, CET = UTC+1).
        (
            dt.datetime(2021, 3, 10, 23, 10, tzinfo=UTC),
            dt.datetime(2021, 3, 11, 10, 0, tzinfo=UTC),
            False,
        ),
        # Same UTC day, different Amsterdam days (23:30 on 10 March, 00:30 on 11 March).
        (
            dt.datetime(2021, 3, 10, 22, 30, tzinfo=UTC),
            dt.datetime(2021, 3, 10, 23, 30, tzinfo=UTC),
            True,
        ),
        (
            dt.datetime(2021, 3, 10, 9, 0, tzinfo=AMS),
            dt.datetime(2021, 3, 12, 9, 0, tzinfo=AMS),
            True,
        ),
    ],
    ids=["same-day", "same-local-day-across-utc-midnight", "local-midnight", "two-days"],
)
def test_unreachable_counts_amsterdam_days(
    first: dt.datetime, second: dt.datetime, allowed: bool, inspector: User
) -> None:
    case = case_in_state(
        UI, inspector=inspector, received_at=dt.datetime(2021, 3, 1, 12, 0, tzinfo=AMS)
    )
    call_attempt(case, inspector, first)
    call_attempt(case, inspector, second)
    case = fresh(case)
    outcome = Outcome.WERKGEVER_ONBEREIKBAAR
    if allowed:
        services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)
        assert fresh(case).outcome == outcome
    else:
        with refused(case, ValidationError, field="outcome"):
            services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)


def test_unreachable_ignores_reached_calls(inspector: User, supervisor: User) -> None:
    case = case_in_state(EC, inspector=inspector)  # one reached call, an hour ago
    call_attempt(case, inspector, ago(days=2))
    case = fresh(case)
    services.case_close(
        case=case,
        actor=inspector,
        version=case.version,
        outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    )
    case = fresh(case)
    services.case_reopen(case=case, actor=supervisor, version=case.version, reason="Heropend")
    case = fresh(case)
    assert case.state == UI
    with refused(case, ValidationError, field="outcome"):
        services.case_close(
            case=case, actor=inspector, version=case.version, outcome=Outcome.WERKGEVER_ONBEREIKBAAR
        )


def test_agreements_kept_needs_all_kept(inspector: User) -> None:
    case = case_in_state(EC, inspector=inspector)
    add_agreement(case, inspector)
    add_agreement(case, inspector, description="Tweede afspraak")
    case = fresh(case)
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=SAMPLE_PDF,
        template_version="t",
    )
    first, second = Agreement.objects.filter(case=case).order_by("pk")
    outcome = Outcome.AFSPRAKEN_NAGEKOMEN
    case = fresh(case)
    with refused(case, ValidationError, field="outcome", contains="alle afspraken"):
        services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)
    services.agreement_set_status(
        case=case, actor=inspector, version=case.version, agreement=first, status="nagekomen"
    )
    services.agreement_set_status(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        agreement=second,
        status="niet_nagekomen",
    )
    case = fresh(case)
    with refused(case, ValidationError, field="outcome"):
        services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)
    services.agreement_set_status(
        case=case, actor=inspector, version=case.version, agreement=second, status="nagekomen"
    )
    case = fresh(case)
    services.case_close(case=case, actor=inspector, version=case.version, outcome=outcome)
    assert fresh(case).outcome == outcome


def test_close_duplicate_needs_other_main_case(inspector: User) -> None:
    case = case_in_state(UI, inspector=inspector)
    for main, contains in ((None, "hoofdmelding"), (case, "eigen hoofdmelding")):
        with refused(case, ValidationError, field="main_case", contains=contains):
            services.case_close(
                case=case,
                actor=inspector,
                version=case.version,
                outcome=Outcome.DUBBELE_MELDING,
                main_case=main,
            )


# ---------------------------------------------------------------------------
# reopen


def test_reopen_declined_case_goes_to_received(inspector: User, supervisor: User) -> None:
    case = case_in_state(R, inspector=inspector)
    main = case_in_state(R, inspector=inspector)
    services.case_decline(
        case=case,
        actor=inspector,
        version=case.version,
        outcome=Outcome.DUBBELE_MELDING,
        main_case=main,
    )
    case = fresh(case)
    since = last_event_pk()
    services.case_reopen(case=case, actor=supervisor, version=case.version, reason="  Toch niet  ")
    after = fresh(case)
    assert (after.state, after.outcome, after.main_case_id, after.closed_at) == (R, "", None, None)
    assert after.investigated_at is None
    assert after.assignee_id == inspector.pk
    (event,) = new_events(since)
    assert (event.kind, event.from_state, event.to_state) == (EventKind.REOPEN, CL, R)
    assert event.data == {"reason": "Toch niet", "outcome": Outcome.DUBBELE_MELDING}
    # ... and can now be taken into investigation for the first time.
    services.case_take_into_investigation(case=case, actor=inspector, version=after.version)
    assert fresh(case).investigated_at is not None


@pytest.mark.parametrize("state", [UI, EC, AC])
def test_reopen_investigated_case_goes_to_under_investigation(
    state: str, inspector: User, supervisor: User
) -> None:
    case = case_in_state(state, inspector=inspector)
    investigated_at = case.investigated_at
    services.case_close(
        case=case,
        actor=inspector,
        version=case.version,
        outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    )
    case = fresh(case)
    services.case_reopen(case=case, actor=supervisor, version=case.version, reason="Bezwaar")
    after = fresh(case)
    assert (after.state, after.outcome) == (UI, "")
    assert after.investigated_at == investigated_at


@pytest.mark.parametrize("reason", ["", "   ", "x" * 100_000], ids=["empty", "blank", "100kB"])
def test_reopen_needs_a_reason(reason: str, inspector: User, supervisor: User) -> None:
    case = case_in_state(CL, inspector=inspector)
    with refused(case, ValidationError, field="reason"):
        services.case_reopen(case=case, actor=supervisor, version=case.version, reason=reason)


# ---------------------------------------------------------------------------
# update_details


def test_update_details(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    since = last_event_pk()
    services.case_update_details(
        case=case,
        actor=inspector,
        version=case.version,
        topic_codes=["werkdruk", "niet_mogen_thuiswerken", "werkdruk"],
    )
    after = fresh(case)
    assert sorted(after.topics.values_list("code", flat=True)) == [
        "niet_mogen_thuiswerken",
        "werkdruk",
    ]
    assert after.version == case.version + 1
    assert after.channel == case.channel
    (event,) = new_events(since)
    assert event.kind == EventKind.CASE_EDITED
    assert event.data == {"topics": ["niet_mogen_thuiswerken", "werkdruk"], "fields": ["topics"]}


def test_update_details_without_change_writes_nothing(inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    before = snapshot(case)
    services.case_update_details(
        case=case,
        actor=inspector,
        version=case.version,
        channel=case.channel,
        topic_codes=["niet_mogen_thuiswerken"],
    )
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"topic_codes": []}, "topics"),
        ({"topic_codes": ["bestaat_niet"]}, "topics"),
        ({"channel": "telefoon", "topic_codes": ["bestaat_niet"]}, "topics"),
    ],
    ids=["channel", "no-topics", "unknown-topic", "valid-channel-bad-topic"],
)
def test_update_details_invalid(kwargs: dict[str, Any], field: str, inspector: User) -> None:
    case = case_in_state(R, inspector=inspector)
    with refused(case, ValidationError, field=field):
        services.case_update_details(case=case, actor=inspector, version=case.version, **kwargs)


# ---------------------------------------------------------------------------
# Versions and deadlines


def test_every_write_increments_version_by_one(inspector: User, supervisor: User) -> None:
    case = intake(inspector)
    assert case.version == 1
    steps: list[Callable[[Case], Any]] = [
        lambda c: services.case_take(case=c, actor=inspector, version=c.version),
        lambda c: services.case_take_into_investigation(case=c, actor=inspector, version=c.version),
        lambda c: call_attempt(c, inspector, ago(hours=3)),
        lambda c: record_reached_call(c, inspector),
        lambda c: record_reached_call(c, inspector, notes="vervolg"),
        lambda c: add_agreement(c, inspector),
        lambda c: services.case_confirm_agreements(
            case=c, actor=inspector, version=c.version, letter_pdf=SAMPLE_PDF, template_version="t"
        ),
        lambda c: services.letter_mark_sent(
            letter=c.letters.get(),
            actor=inspector,
            version=c.version,
            sent_at=timezone.localdate(),
            sent_via="post",
        ),
        lambda c: set_all_kept(c, inspector),
        lambda c: services.case_close(
            case=c, actor=inspector, version=c.version, outcome=Outcome.AFSPRAKEN_NAGEKOMEN
        ),
        lambda c: services.case_reopen(case=c, actor=supervisor, version=c.version, reason="r"),
        lambda c: services.case_assign(
            case=c, actor=supervisor, version=c.version, assignee=supervisor
        ),
    ]
    for step in steps:
        before = fresh(case).version
        step(fresh(case))
        assert fresh(case).version == before + 1


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        # Thursday 1 April 2021: Good Friday (2 April) and Easter Monday (5 April) skipped.
        (dt.datetime(2021, 4, 1, 10, 0, tzinfo=AMS), dt.date(2021, 4, 12)),
        # 22:30 UTC on 31 March is 00:30 on Thursday 1 April in Amsterdam.
        (dt.datetime(2021, 3, 31, 22, 30, tzinfo=UTC), dt.date(2021, 4, 12)),
        # Wednesday 31 March (local): Thu 1, Tue 6, Wed 7, Thu 8, Fri 9.
        (dt.datetime(2021, 3, 31, 21, 30, tzinfo=UTC), dt.date(2021, 4, 9)),
        # Friday 23 April 2021: King's Day (Tuesday 27 April) skipped.
        (dt.datetime(2021, 4, 23, 16, 0, tzinfo=AMS), dt.date(2021, 5, 3)),
        # Saturday 26 December 2020: weekend, Christmas and New Year's Day skipped.
        (dt.datetime(2020, 12, 26, 12, 0, tzinfo=AMS), dt.date(2021, 1, 4)),
    ],
    ids=["easter", "easter-local-date", "day-before", "kings-day", "christmas"],
)
def test_triage_due_counts_working_days(
    received_at: dt.datetime, expected: dt.date, inspector: User
) -> None:
    case = intake(inspector, received_at=received_at)
    assert fresh(case).triage_due == expected


def test_triage_due_is_configurable(inspector: User, settings: Any) -> None:
    settings.TRIAGE_WORKING_DAYS = 1
    case = intake(inspector, received_at=dt.datetime(2021, 4, 1, 10, 0, tzinfo=AMS))
    assert fresh(case).triage_due == dt.date(2021, 4, 6)
