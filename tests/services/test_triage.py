"""cases/services/triage.py: taking and assigning a case, taking it into investigation,
declining it, identifying the employer, closing (the outcomes per source state), reopening
and changing the details. A refused action changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import (
    CLOSE_OUTCOMES,
    DECLINE_OUTCOMES,
    Agreement,
    Case,
    Employer,
    EventKind,
    Outcome,
    Role,
    State,
)
from cases.services import InvalidStateError, ServiceError
from tests.factories import EmployerFactory, make_user
from tests.helpers import (
    AC,
    AMS,
    CL,
    EC,
    REPORTED,
    SAMPLE_PDF,
    UI,
    UTC,
    R,
    add_agreement,
    ago,
    call_attempt,
    case_in_state,
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


def test_identifying_accepts_only_employer_details(inspector) -> None:
    case = intake(
        inspector, reported_employer=services.EmployerInput(name="Onbekend B.V.", city="Ede")
    )
    case = services.case_take(case=case, actor=inspector, version=case.version)
    with pytest.raises(ValueError, match="not an employer detail"):
        services.case_identify_employer(
            case=case,
            actor=inspector,
            version=case.version,
            kvk_number="12345678",
            details={"name": "Iets anders"},
        )
    assert not fresh(case).employer.is_identified


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


def test_details_of_a_closed_case_cannot_change(inspector) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    with pytest.raises(services.InvalidStateError):
        services.case_update_details(
            case=case, actor=inspector, version=case.version, channel="brief"
        )
    assert fresh(case).channel == case.channel


def test_identifying_by_kvk_alone_uses_the_registered_establishment(inspector: User) -> None:
    """As at intake: a KvK number alone never makes a second row beside its establishments."""
    from cases.models import Employer

    only = EmployerFactory(kvk_number="70000001", establishment_number="000012345678")
    for number in ("000012345678", "000087654321"):
        EmployerFactory(kvk_number="70000002", establishment_number=number)
    case = intake(inspector, reported_employer=services.EmployerInput(name="Zo gemeld"))
    services.case_take(case=case, actor=inspector, version=case.version)
    with pytest.raises(ValidationError) as info:
        services.case_identify_employer(
            case=case, actor=inspector, version=fresh(case).version, kvk_number="70000002"
        )
    assert "2 vestigingen" in info.value.message_dict["employer_choice"][0]
    services.case_identify_employer(
        case=case, actor=inspector, version=fresh(case).version, kvk_number="70000001"
    )
    assert fresh(case).employer == only
    assert Employer.objects.filter(kvk_number="70000001").count() == 1
