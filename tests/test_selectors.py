"""Counting in the database: definitions, invariant, bounded queries."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.http import QueryDict
from django.utils import timezone

from cases import services
from cases.filters import CaseFilter
from cases.models import Case, Outcome, State, Topic
from cases.selectors import case_counts
from tests.factories import EmployerFactory
from tests.helpers import case_in_state, fresh
from tests.pycounts import case_rows, python_counts, python_filter, random_params

TOPICS = [
    ("niet_mogen_thuiswerken",),
    ("niet_mogen_thuiswerken",),
    ("niet_mogen_thuiswerken", "werkdruk"),
    ("thuiswerkplek",),
    ("afstand_op_locatie", "hygiene_op_locatie"),
]


def random_cases(rnd: random.Random, inspectors: list, count: int) -> None:
    employers = [EmployerFactory(sector_id=rnd.choice("CJKMN")) for _ in range(5)]
    for _ in range(count):
        state = rnd.choice(State.values)
        received = timezone.now() - dt.timedelta(
            days=rnd.randint(1, 400), minutes=rnd.randint(0, 1440)
        )
        case = case_in_state(
            state,
            inspector=rnd.choice(inspectors),
            employer=rnd.choice(employers),
            topic_codes=rnd.choice(TOPICS),
            received_at=received,
        )
        if state == State.UNDER_INVESTIGATION and rnd.random() < 0.3:
            services.case_close(
                case=case,
                actor=case.assignee,
                version=case.version,
                outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_data_invariant_and_filters_match_python(
    seed: int, inspector, other_inspector, supervisor
) -> None:
    rnd = random.Random(seed)
    random_cases(rnd, [inspector, other_inspector, supervisor], 30)
    rows = case_rows()
    everything = case_counts(Case.objects.all())
    assert everything.received == 30
    assert everything.received == (
        everything.investigated + everything.declined + everything.not_triaged
    )
    assert everything == python_counts(rows)
    for _ in range(25):
        params = random_params(rnd, rows)
        qs = CaseFilter(params, queryset=Case.objects.all()).qs
        assert case_counts(qs) == python_counts(python_filter(rows, params)), params.urlencode()


def test_reopened_case_counts_once_as_investigated(inspector, supervisor) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    case = services.case_close(
        case=case, actor=inspector, version=case.version, outcome=Outcome.INGETROKKEN
    )
    case = services.case_reopen(case=case, actor=supervisor, version=case.version, reason="Fout")
    assert fresh(case).state == State.UNDER_INVESTIGATION
    counts = case_counts(Case.objects.all())
    assert (counts.received, counts.investigated, counts.declined, counts.not_triaged) == (
        1,
        1,
        0,
        0,
    )


def test_declined_then_reopened_is_not_triaged(inspector, supervisor) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    assert case_counts(Case.objects.all()).declined == 1
    services.case_reopen(case=case, actor=supervisor, version=case.version, reason="Nieuwe info")
    counts = case_counts(Case.objects.all())
    assert (counts.declined, counts.not_triaged, counts.declined_by_outcome) == (0, 1, {})


def test_only_not_allowed_means_exactly_that_topic(inspector) -> None:
    case_in_state(State.RECEIVED, inspector=inspector, topic_codes=("niet_mogen_thuiswerken",))
    case_in_state(
        State.RECEIVED, inspector=inspector, topic_codes=("niet_mogen_thuiswerken", "overig")
    )
    case_in_state(State.RECEIVED, inspector=inspector, topic_codes=("overig",))
    assert case_counts(Case.objects.all()).only_not_allowed == 1


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_depend_on_the_number_of_cases(
    count: int, inspector, django_assert_num_queries
) -> None:
    rnd = random.Random(count)
    random_cases(rnd, [inspector], count)
    params = QueryDict("topic=niet_mogen_thuiswerken&state=closed&state=received&sector=J")
    qs = CaseFilter(params, queryset=Case.objects.all()).qs
    with django_assert_num_queries(2):
        case_counts(qs)


def test_distinct_or_sliced_querysets_are_counted_correctly(inspector) -> None:
    for _ in range(3):
        case_in_state(
            State.RECEIVED, inspector=inspector, topic_codes=("niet_mogen_thuiswerken", "overig")
        )
    joined = Case.objects.filter(topics__in=Topic.objects.all()).distinct()
    assert case_counts(joined).received == 3
    assert case_counts(Case.objects.order_by("pk")[:2]).received == 2


# ---------------------------------------------------------------------------
# Deadlines and urgency


def test_an_open_agreement_is_the_deadline_once_the_employer_is_called(inspector) -> None:
    from cases.filters import overdue_q
    from tests.helpers import add_agreement, set_all_kept

    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    assert fresh(case).current_deadline is None  # no agreement yet
    add_agreement(case, inspector, days=20)
    add_agreement(case, inspector, days=5)
    case = fresh(case)
    soon = timezone.localdate() + dt.timedelta(days=5)
    assert case.current_deadline == soon and not case.is_overdue
    later = soon + dt.timedelta(days=1)
    assert case.overdue_on(later)
    assert Case.objects.filter(overdue_q(later), pk=case.pk).exists()
    assert not Case.objects.filter(overdue_q(), pk=case.pk).exists()
    # Kept agreements no longer count.
    confirmed = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    far = timezone.localdate() + dt.timedelta(days=60)
    assert fresh(confirmed).overdue_on(far)
    set_all_kept(confirmed, inspector)
    assert fresh(confirmed).current_deadline is None
    assert not Case.objects.filter(overdue_q(far), pk=confirmed.pk).exists()


def test_lists_by_urgency_in_a_constant_number_of_queries(inspector, django_assert_num_queries):
    from cases import selectors
    from tests.helpers import add_agreement

    today = timezone.localdate()
    late = case_in_state(
        State.RECEIVED, inspector=inspector, received_at=timezone.now() - dt.timedelta(days=40)
    )
    soon = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    add_agreement(soon, inspector, days=1)
    called = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    none = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)  # no agreement: last
    rows = selectors.list_rows(selectors.my_cases(inspector), "due")
    with django_assert_num_queries(2):  # cases, topics (the agreement due date is a column)
        order = [(c.reference, c.current_deadline) for c in rows]
    assert [ref for ref, _d in order] == [
        late.reference,
        soon.reference,
        called.reference,
        none.reference,
    ]
    assert order[1][1] == today + dt.timedelta(days=1)
    assert order[-1][1] is None


def test_my_deadlines_lists_triage_calls_and_agreements_by_group(inspector, other_inspector):
    from cases import selectors
    from tests.helpers import add_agreement

    overdue = case_in_state(
        State.RECEIVED, inspector=inspector, received_at=timezone.now() - dt.timedelta(days=40)
    )
    confirmed = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    add_agreement(case_in_state(State.EMPLOYER_CALLED, inspector=inspector), inspector, days=60)
    case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)  # not mine
    case_in_state(State.CLOSED, inspector=inspector)  # no deadline
    today = timezone.localdate()
    groups = selectors.my_deadlines(inspector, today=today)
    assert [i.reference for i in groups.overdue] == [overdue.reference]
    assert groups.overdue[0].kind == "triage_due"
    everything = groups.overdue + groups.this_week + groups.later
    kinds = sorted(i.kind for i in everything)
    assert kinds == ["agreement", "agreement", "triage_due"]
    assert confirmed.reference in {i.reference for i in everything}
    assert all(i.agreement for i in everything if i.kind == "agreement")
    assert [i.due for i in everything] == sorted(i.due for i in everything)
    assert groups.week_end.weekday() == 6 and groups.week_end >= today


def test_employers_by_kvk_and_case_by_reference(inspector, other_inspector) -> None:
    from cases import selectors

    EmployerFactory(kvk_number="40000001", establishment_number="000012345678")
    main = EmployerFactory(kvk_number="40000001", establishment_number="")
    assert selectors.employers_by_kvk("40000001")[0] == main
    assert len(selectors.employers_by_kvk(" 40000001 ")) == 2
    assert selectors.employers_by_kvk("4000000") == []
    mine = case_in_state(State.RECEIVED, inspector=inspector)
    theirs = case_in_state(State.RECEIVED, inspector=other_inspector)
    assert selectors.case_by_reference(inspector, mine.reference.lower()) == mine
    assert selectors.case_by_reference(inspector, theirs.reference) is None
    assert selectors.case_by_reference(inspector, "TW-2021") is None


def test_other_open_cases_are_found_through_every_establishment(inspector) -> None:
    from cases import selectors

    first = EmployerFactory(kvk_number="40000002", establishment_number="000012345678")
    second = EmployerFactory(kvk_number="40000002", establishment_number="000087654321")
    earlier = case_in_state(State.RECEIVED, inspector=inspector, employer=first)
    case = case_in_state(State.RECEIVED, inspector=inspector, employer=second)
    assert selectors.other_open_cases(inspector, case).visible == [earlier]
