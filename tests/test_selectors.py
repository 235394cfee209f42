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
