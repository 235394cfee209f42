"""Every action on a case through the same checks: the allowed path from each state it
starts from, each forbidden source state, a wrong role or another inspector's case, a
supervisor acting on any case, a stale `version`, and that every write increments the
version by one. `ACTIONS` names each service with what it needs and the Event it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from cases import rollups, services, workflow
from cases.models import (
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Criterion,
    EmployerResponse,
    EventKind,
    Letter,
    Outcome,
    Role,
    State,
)
from cases.services import InvalidStateError, NotPermittedError, StaleVersionError
from tests.factories import make_user
from tests.helpers import (
    AC,
    CL,
    EC,
    REPORTED,
    SAMPLE_PDF,
    UI,
    R,
    add_agreement,
    ago,
    call_attempt,
    case_in_state,
    contact_fields,
    due,
    fresh,
    intake,
    last_event_pk,
    new_events,
    record_reached_call,
    refused,
    set_all_kept,
)

# ---------------------------------------------------------------------------
# The registry of services used by the generic (parametrized) tests


@dataclass
class Subject:
    case: Case
    agreement: Agreement | None = None
    call: Call | None = None
    letter: Letter | None = None
    assignee: User | None = None
    other: Case | None = None  # bundled handling: the case attached, or the lead


Run = Callable[[Subject, Any, Any], Any]


@dataclass(frozen=True)
class Action:
    allowed: tuple[str, ...]
    run: Run
    kinds: Callable[[str], tuple[str, ...]]
    target: Callable[[str], str] = lambda state: state
    supervisor_only: bool = False
    state_checked: bool = True
    # Bundled handling: the Event kinds it writes on the other case of the bundle.
    other_kinds: tuple[str, ...] = ()


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
    "call_attempt": Action(
        allowed=(UI, EC),
        run=lambda s, a, v: services.case_record_call_attempt(
            case=s.case, actor=a, version=v, called_at=ago(minutes=30)
        ),
        kinds=_same(EventKind.CALL_ATTEMPT),
    ),
    "call": Action(
        allowed=(UI, EC),
        run=lambda s, a, v: services.case_record_call(
            case=s.case,
            actor=a,
            version=v,
            called_at=ago(minutes=30),
            contact=contact_fields("de heer P. Jansen"),
            criteria=[Criterion.LOCATION_BOUND_SYSTEMS],
            employer_response=EmployerResponse.JA,
        ),
        kinds=lambda state: (EventKind.RECORD_CALL,) if state == UI else (EventKind.CALL,),
        target=lambda state: EC,
    ),
    "call_edit": Action(
        allowed=(EC,),
        run=lambda s, a, v: services.call_edit(
            case=s.case,
            actor=a,
            version=v,
            call=s.call.pk if s.call else 0,
            contact=contact_fields("mevrouw mr. A. van Gecorrigeerd"),
        ),
        kinds=_same(EventKind.CALL_EDITED),
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
    "agreement_status": Action(
        allowed=(AC,),
        run=lambda s, a, v: services.agreement_set_status(
            case=s.case, actor=a, version=v, agreement=s.agreement, status=AgreementStatus.NAGEKOMEN
        ),
        kinds=_same(EventKind.AGREEMENT_STATUS),
    ),
    "letter_confirm": Action(
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
    "letter_regenerate": Action(
        allowed=(AC,),
        run=lambda s, a, v: services.letter_regenerate(
            case=s.case,
            actor=a,
            version=v,
            reason="Adres gewijzigd.",
            letter_pdf=SAMPLE_PDF,
            template_version="test-2",
        ),
        kinds=_same(EventKind.LETTER_GENERATED),
        supervisor_only=True,
    ),
    "bundle_attach": Action(
        allowed=(UI,),
        run=lambda s, a, v: services.bundle_attach(
            case=s.case, actor=a, version=v, cases=[s.other.pk] if s.other else []
        ),
        kinds=_same(EventKind.BUNDLE_ATTACHED),
        other_kinds=(EventKind.BUNDLE_ATTACHED,),
    ),
    "bundle_make_lead": Action(
        allowed=(UI,),
        run=lambda s, a, v: services.bundle_make_lead(case=s.case, actor=a, version=v),
        kinds=_same(EventKind.BUNDLE_LEAD_CHANGED),
        other_kinds=(EventKind.BUNDLE_LEAD_CHANGED,),
    ),
    "bundle_detach": Action(
        allowed=(UI,),
        run=lambda s, a, v: services.bundle_detach(case=s.case, actor=a, version=v),
        kinds=_same(EventKind.BUNDLE_DETACHED),
        other_kinds=(EventKind.BUNDLE_DETACHED,),
    ),
}


def test_every_write_of_the_workflow_table_is_here() -> None:
    """The checks below run for every action the workflow table can write."""
    writes = {a.name for a in workflow.ACTIONS.values() if a.is_write}
    assert set(ACTIONS) == writes


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
    if name in ("agreement_edit", "agreement_status", "letter_confirm"):
        if state == EC:
            add_agreement(case, inspector)
        subject.agreement = Agreement.objects.filter(case=case).first()
        if subject.agreement is None:
            donor = case_in_state(EC, inspector=inspector)
            subject.agreement = add_agreement(donor, inspector)
    if name == "call_edit":
        subject.call = Call.objects.filter(case=case, reached=True).first()
        if subject.call is None:
            subject.call = Call.objects.filter(
                case=case_in_state(EC, inspector=inspector), reached=True
            ).first()
    if name == "letter_mark_sent":
        subject.letter = Letter.objects.filter(case=case).first()
    if name == "assign":
        subject.assignee = make_user(Role.INSPECTEUR, username="toegewezen")
    if name == "bundle_attach":
        subject.other = case_in_state(UI, inspector=inspector, employer=case.employer)
    if name in ("bundle_detach", "bundle_make_lead") and state == UI:
        subject.other = case_in_state(UI, inspector=inspector, employer=case.employer)
        services.bundle_attach(
            case=subject.other,
            actor=inspector,
            version=fresh(subject.other).version,
            cases=[case.pk],
        )
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
    pytest.param("letter_regenerate", "inspector", id="letter_regenerate-inspector"),
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
    assert all(e.actor_id == actor.pk for e in events)
    others = [e for e in events if e.case_id != before.pk]
    assert [(e.case_id, e.kind) for e in others] == [
        (subject.other.pk if subject.other else 0, kind) for kind in action.other_kinds
    ]
    events = [e for e in events if e.case_id == before.pk]
    assert [e.kind for e in events] == list(action.kinds(state))
    expected_states = (state, target) if target != state else ("", "")
    assert (events[0].from_state, events[0].to_state) == expected_states


@pytest.mark.parametrize(("name", "state"), ALLOWED)
def test_every_write_keeps_the_precomputed_columns_and_day_counts(
    name: str, state: str, inspector: User, supervisor: User
) -> None:
    """Whatever an action changes, the case's precomputed columns and the counts per day
    equal a recount afterwards (cases.rollups; an action that changes a case's topics or
    calls says so in the workflow table)."""
    action = ACTIONS[name]
    subject = prepare(name, state, inspector)
    action.run(subject, actor_of(action, inspector, supervisor), fresh(subject.case).version)
    assert [str(drift) for _case, drift in rollups.column_drift()] == []
    assert [str(drift) for drift in rollups.day_count_drift()] == []


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
# Every write increments the version


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
