"""cases/services/bundles.py: several meldingen about one employer handled as one (the lead's
call, agreements, letter and closing), and the limits of that: who may attach what, detaching
until the call, reopening, and outcomes about the lead's own melding."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from cases import rollups, services, workflow
from cases.leak_guard import covered_cases
from cases.models import (
    Agreement,
    Call,
    Case,
    Employer,
    EventKind,
    Letter,
    LetterCase,
    Outcome,
)
from cases.services import InvalidStateError, NotPermittedError, StaleVersionError
from cases.services.bundles import bundle_attach, bundle_detach
from tests.factories import EmployerFactory
from tests.helpers import (
    AC,
    CL,
    EC,
    UI,
    R,
    add_agreement,
    case_in_state,
    confirm,
    contact_fields,
    fresh,
    intake,
    last_event_pk,
    new_events,
    record_reached_call,
    refused,
    set_all_kept,
)


def attach(lead: Case, actor: User, *cases: Case) -> Any:
    return bundle_attach(
        case=lead, actor=actor, version=fresh(lead).version, cases=[c.pk for c in cases]
    )


def close(case: Case, actor: User, outcome: str) -> Case:
    return services.case_close(case=case, actor=actor, version=fresh(case).version, outcome=outcome)


@pytest.fixture
def employer(db: Any) -> Employer:
    return EmployerFactory()


@pytest.fixture
def lead(inspector: User, employer: Employer) -> Case:
    return case_in_state(UI, inspector=inspector, employer=employer)


def test_attaching_takes_cases_into_investigation_under_the_lead(
    inspector: User, supervisor: User, employer: Employer, lead: Case
) -> None:
    queued = intake(supervisor, employer=employer)  # unassigned, received
    own = case_in_state(R, inspector=inspector, employer=employer)
    investigated = case_in_state(UI, inspector=inspector, employer=employer)
    before = fresh(investigated).investigated_at
    since = last_event_pk()
    bundle = attach(lead, inspector, queued, own, investigated)
    assert bundle.count == 3
    for case in (queued, own, investigated):
        now = fresh(case)
        assert (now.state, now.bundle_lead_id, now.assignee_id) == (UI, lead.pk, inspector.pk)
        assert now.investigated_at is not None and now.call_due is not None
        assert now.state_code == rollups.STATE_CODES[UI]
    assert fresh(investigated).investigated_at == before
    events = new_events(since)
    by_case = {e.case_id: e for e in events}
    assert {e.kind for e in events} == {EventKind.BUNDLE_ATTACHED}
    assert set(by_case[lead.pk].data["bundled"]) == {
        queued.reference,
        own.reference,
        investigated.reference,
    }
    assert (by_case[queued.pk].from_state, by_case[queued.pk].to_state) == (R, UI)
    assert by_case[queued.pk].data["bundle_lead"] == lead.reference
    assert (by_case[investigated.pk].from_state, by_case[investigated.pk].to_state) == ("", "")
    assert fresh(lead).version == lead.version + 1
    assert rollups.day_count_drift() == [] and rollups.column_drift() == []


def test_an_inspector_attaches_only_unassigned_cases_or_their_own(
    inspector: User, other_inspector: User, employer: Employer, lead: Case
) -> None:
    theirs = case_in_state(UI, inspector=other_inspector, employer=employer)
    with refused(lead, ValidationError, field="cases", contains="team"):
        attach(lead, inspector, theirs)


def test_a_supervisor_attaches_any_case_which_moves_to_the_leads_inspector(
    inspector: User, other_inspector: User, supervisor: User, employer: Employer, lead: Case
) -> None:
    theirs = case_in_state(UI, inspector=other_inspector, employer=employer)
    attach(lead, supervisor, theirs)
    assert fresh(theirs).assignee_id == inspector.pk


@pytest.mark.parametrize("what", ["other-employer", "closed", "called", "itself", "in-bundle"])
def test_what_cannot_be_attached(
    what: str, inspector: User, employer: Employer, lead: Case
) -> None:
    if what == "other-employer":
        other = case_in_state(UI, inspector=inspector)
    elif what == "closed":
        other = case_in_state(CL, inspector=inspector, employer=employer)
    elif what == "called":
        other = case_in_state(EC, inspector=inspector, employer=employer)
    elif what == "itself":
        other = lead
    else:
        second = case_in_state(UI, inspector=inspector, employer=employer)
        other = case_in_state(UI, inspector=inspector, employer=employer)
        attach(second, inspector, other)
    with refused(lead, ValidationError, field="cases"):
        attach(lead, inspector, other)


def test_a_lead_cannot_be_attached_and_an_attached_case_cannot_lead(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    other = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    with refused(other, ValidationError, field="cases", contains="al meldingen"):
        attach(other, inspector, lead)
    with refused(member, InvalidStateError):
        attach(member, inspector, other)


def test_attaching_nothing_is_refused(inspector: User, lead: Case) -> None:
    with refused(lead, ValidationError, field="cases"):
        bundle_attach(case=lead, actor=inspector, version=lead.version, cases=[])


def test_one_call_one_letter_one_close_for_the_whole_bundle(
    inspector: User, employer: Employer, lead: Case
) -> None:
    members = [case_in_state(UI, inspector=inspector, employer=employer) for _ in range(3)]
    attach(lead, inspector, *members)
    call = record_reached_call(lead, inspector)
    for member in members:
        assert fresh(member).state == EC
        (copy,) = Call.objects.filter(case=member)
        assert copy.shared_call_id == call.pk and copy.contact_surname == call.contact_surname
    # The attached cases' own handling happens on the lead.
    with refused(members[0], InvalidStateError, contains=str(workflow.NOT_ATTACHED.refusal)):
        add_agreement(members[0], inspector)
    agreement = add_agreement(lead, inspector, days=10)
    for member in members:
        assert fresh(member).agreement_due == agreement.due_date
        assert workflow.allows("close", fresh(member), inspector) is False
    letter = confirm(lead, inspector)
    assert letter.case_id == lead.pk and letter.number == 1
    assert set(LetterCase.objects.filter(letter=letter).values_list("case_id", flat=True)) == {
        m.pk for m in members
    }
    assert {fresh(m).state for m in members} == {AC}
    set_all_kept(lead, inspector)
    for member in members:
        assert fresh(member).agreement_due is None
    since = last_event_pk()
    close(lead, inspector, Outcome.AFSPRAKEN_NAGEKOMEN)
    for case in (lead, *members):
        now = fresh(case)
        assert (now.state, now.outcome) == (CL, Outcome.AFSPRAKEN_NAGEKOMEN)
    closes = [e for e in new_events(since) if e.kind == EventKind.CLOSE]
    assert {e.case_id for e in closes} == {lead.pk, *(m.pk for m in members)}
    assert all((e.from_state, e.to_state) == (AC, CL) for e in closes)
    assert rollups.day_count_drift() == [] and rollups.column_drift() == []


def test_every_case_of_the_bundle_has_its_own_events(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = intake(inspector, employer=employer)
    attach(lead, inspector, member)
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    confirm(lead, inspector)
    set_all_kept(lead, inspector)
    close(lead, inspector, Outcome.AFSPRAKEN_NAGEKOMEN)
    moves = [
        (e.kind, e.from_state, e.to_state)
        for e in fresh(member).events.order_by("pk")
        if e.from_state and e.to_state
    ]
    assert moves == [
        (EventKind.BUNDLE_ATTACHED, R, UI),
        (EventKind.RECORD_CALL, UI, EC),
        (EventKind.CONFIRM_AGREEMENTS, EC, AC),
        (EventKind.CLOSE, AC, CL),
    ]


def test_the_leak_guard_covers_every_attached_case(
    inspector: User, employer: Employer, lead: Case
) -> None:
    members = [case_in_state(UI, inspector=inspector, employer=employer) for _ in range(2)]
    attach(lead, inspector, *members)
    assert covered_cases(lead) == [lead.pk, *sorted(m.pk for m in members)]


def test_own_outcomes_are_refused_while_cases_are_attached(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    with refused(lead, ValidationError, field="outcome", contains="Ingetrokken"):
        close(lead, inspector, Outcome.INGETROKKEN)
    bundle_detach(case=member, actor=inspector, version=fresh(member).version)
    close(lead, inspector, Outcome.INGETROKKEN)
    assert fresh(member).state == UI


def test_an_outcome_about_the_employer_closes_the_bundle(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    close(lead, inspector, Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE)
    now = fresh(member)
    assert (now.state, now.outcome) == (CL, Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE)


def test_detaching_until_the_call_keeps_investigated_at(
    inspector: User, supervisor: User, employer: Employer, lead: Case
) -> None:
    member = intake(supervisor, employer=employer)
    attach(lead, inspector, member)
    investigated_at = fresh(member).investigated_at
    since = last_event_pk()
    bundle_detach(case=member, actor=inspector, version=fresh(member).version)
    now = fresh(member)
    assert (now.state, now.bundle_lead_id, now.investigated_at) == (UI, None, investigated_at)
    events = {e.case_id: e for e in new_events(since)}
    assert events[member.pk].kind == EventKind.BUNDLE_DETACHED
    assert events[member.pk].data == {"bundle_lead": lead.reference}
    assert events[lead.pk].data == {"detached": member.reference}
    # After the call, the cases are called too: no detaching any more.
    again = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, again)
    record_reached_call(lead, inspector)
    with refused(again, InvalidStateError):
        bundle_detach(case=again, actor=inspector, version=fresh(again).version)


def test_reopening_an_attached_case_detaches_it_and_reopening_the_lead_does_not_cascade(
    inspector: User, supervisor: User, employer: Employer, lead: Case
) -> None:
    first, second = (case_in_state(UI, inspector=inspector, employer=employer) for _ in "12")
    attach(lead, inspector, first, second)
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    confirm(lead, inspector)
    set_all_kept(lead, inspector)
    close(lead, inspector, Outcome.AFSPRAKEN_NAGEKOMEN)
    since = last_event_pk()
    services.case_reopen(case=first, actor=supervisor, version=fresh(first).version, reason="x")
    now = fresh(first)
    assert (now.state, now.bundle_lead_id) == (UI, None)
    kinds = [(e.case_id, e.kind) for e in new_events(since)]
    assert (first.pk, EventKind.REOPEN) in kinds
    assert (first.pk, EventKind.BUNDLE_DETACHED) in kinds
    assert (lead.pk, EventKind.BUNDLE_DETACHED) in kinds
    services.case_reopen(case=lead, actor=supervisor, version=fresh(lead).version, reason="y")
    assert fresh(lead).state == UI
    assert (fresh(second).state, fresh(second).bundle_lead_id) == (CL, lead.pk)
    assert rollups.day_count_drift() == [] and rollups.column_drift() == []


def test_assigning_the_lead_takes_its_open_cases_along(
    inspector: User, other_inspector: User, supervisor: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    with refused(member, InvalidStateError):
        services.case_assign(
            case=member, actor=supervisor, version=fresh(member).version, assignee=other_inspector
        )
    services.case_assign(
        case=lead, actor=supervisor, version=fresh(lead).version, assignee=other_inspector
    )
    assert fresh(member).assignee_id == other_inspector.pk


def test_a_follow_up_call_and_a_corrected_contact_reach_the_copies(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    call = record_reached_call(lead, inspector, contact_name="mevrouw P. de Boer")
    services.call_edit(
        case=lead,
        actor=inspector,
        version=fresh(lead).version,
        call=call.pk,
        contact=contact_fields("mevrouw P. Boersma"),
    )
    (copy,) = Call.objects.filter(case=member)
    assert (copy.contact_surname, copy.contact_tussenvoegsel) == ("Boersma", "")
    record_reached_call(lead, inspector)
    assert Call.objects.filter(case=member, reached=True).count() == 2
    assert fresh(member).state == EC


def test_the_letter_of_a_bundle_is_marked_sent_once_on_the_lead(
    inspector: User, employer: Employer, lead: Case
) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    attach(lead, inspector, member)
    record_reached_call(lead, inspector)
    add_agreement(lead, inspector)
    letter = confirm(lead, inspector)
    assert workflow.allows("letter_mark_sent", fresh(member), inspector) is False
    assert not Letter.objects.filter(case=member).exists()
    assert Agreement.objects.filter(case=member).count() == 0
    assert workflow.allows("letter_mark_sent", fresh(lead), inspector) is True
    assert letter.covers.get().case_id == member.pk


def test_a_stale_lead_is_refused(inspector: User, employer: Employer, lead: Case) -> None:
    member = case_in_state(UI, inspector=inspector, employer=employer)
    with refused(lead, StaleVersionError):
        bundle_attach(case=lead, actor=inspector, version=lead.version - 1, cases=[member.pk])


def test_only_the_leads_inspector_or_a_supervisor_attaches(
    inspector: User, other_inspector: User, employer: Employer, lead: Case
) -> None:
    member = intake(other_inspector, employer=employer)
    with refused(lead, NotPermittedError):
        attach(lead, other_inspector, member)


def test_another_attached_case_can_become_the_lead_until_the_call(
    inspector: User, employer: Employer, lead: Case
) -> None:
    first, second = (case_in_state(UI, inspector=inspector, employer=employer) for _ in "12")
    attach(lead, inspector, first, second)
    since = last_event_pk()
    services.bundle_make_lead(case=second, actor=inspector, version=fresh(second).version)
    assert fresh(second).bundle_lead_id is None
    assert {fresh(c).bundle_lead_id for c in (lead, first)} == {second.pk}
    events = {e.case_id: e for e in new_events(since)}
    assert set(events) == {lead.pk, first.pk, second.pk}
    assert {e.kind for e in events.values()} == {EventKind.BUNDLE_LEAD_CHANGED}
    assert events[second.pk].data == {"previous_lead": lead.reference}
    assert events[first.pk].data == {
        "bundle_lead": second.reference,
        "previous_lead": lead.reference,
    }
    # The former lead's melder withdrew: detached, it is closed on its own.
    bundle_detach(case=lead, actor=inspector, version=fresh(lead).version)
    close(lead, inspector, Outcome.INGETROKKEN)
    record_reached_call(second, inspector)
    assert fresh(first).state == EC and fresh(lead).state == CL
    with refused(first, InvalidStateError):
        services.bundle_make_lead(case=first, actor=inspector, version=fresh(first).version)
