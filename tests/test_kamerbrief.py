"""The kamerbrief_2021 fixture and the counting on top of it (PRODUCT.md, dashboard)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from cases.events import check_event_data
from cases.filters import CaseFilter
from cases.models import Case, Event, Melder, ReferenceCounter, State
from cases.selectors import KAMERBRIEF_PERIOD, case_counts, kamerbrief_counts
from tests.pycounts import case_rows, python_counts, python_filter, random_params
from tools.kamerbrief_fixture import build_fixture

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "kamerbrief_2021.json"
UTC = dt.UTC


def period(start: dt.date, end: dt.date) -> Any:
    return CaseFilter(
        QueryDict(f"received_after={start.isoformat()}&received_before={end.isoformat()}"),
        queryset=Case.objects.all(),
    ).qs


def test_preset_gives_746_627_545(loaded: None) -> None:
    counts = kamerbrief_counts(Case.objects.all())
    assert (counts.received, counts.investigated, counts.only_not_allowed) == (746, 627, 545)
    assert (dt.date(2021, 1, 25), dt.date(2021, 4, 9)) == KAMERBRIEF_PERIOD


def test_shared_filterset_gives_the_same_figures(loaded: None) -> None:
    counts = case_counts(period(*KAMERBRIEF_PERIOD))
    assert (counts.received, counts.investigated, counts.only_not_allowed) == (746, 627, 545)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2021, 1, 24), dt.date(2021, 4, 9)),
        (dt.date(2021, 1, 26), dt.date(2021, 4, 9)),
        (dt.date(2021, 1, 25), dt.date(2021, 4, 8)),
        (dt.date(2021, 1, 25), dt.date(2021, 4, 10)),
    ],
)
def test_moving_a_boundary_by_one_day_changes_the_count(
    loaded: None, start: dt.date, end: dt.date
) -> None:
    assert case_counts(period(start, end)).received != 746


def test_utc_dates_would_give_other_numbers(loaded: None) -> None:
    """Boundary meldingen minutes from local midnight make a UTC-date filter fail."""
    utc_start = dt.datetime(2021, 1, 25, tzinfo=UTC)
    utc_end = dt.datetime(2021, 4, 10, tzinfo=UTC)
    utc_count = Case.objects.filter(received_at__gte=utc_start, received_at__lt=utc_end).count()
    assert utc_count != 746
    # Both directions are covered: 25 January 00:01 local is 24 January in UTC, and
    # 10 April 00:30 local is 9 April in UTC.
    first = Case.objects.filter(received_at__lt=dt.datetime(2021, 1, 25, tzinfo=UTC))
    assert first.filter(received_at__gte=timezone.make_aware(dt.datetime(2021, 1, 25))).exists()
    last = Case.objects.filter(received_at__gte=timezone.make_aware(dt.datetime(2021, 4, 10)))
    assert last.filter(received_at__lt=utc_end).exists()


def test_boundary_meldingen_count_on_their_local_day(loaded: None) -> None:
    near_midnight = {
        timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M")
        for c in Case.objects.filter(
            received_at__range=(
                dt.datetime(2021, 1, 24, 21, tzinfo=UTC),
                dt.datetime(2021, 1, 25, 1, tzinfo=UTC),
            )
        )
    }
    assert {"2021-01-24 23:58", "2021-01-25 00:01"} <= near_midnight
    assert case_counts(period(dt.date(2021, 1, 25), dt.date(2021, 1, 25))).received >= 2
    day_before = case_counts(period(dt.date(2021, 1, 24), dt.date(2021, 1, 24))).received
    assert day_before >= 2


def test_invariant_holds_for_the_fixture(loaded: None) -> None:
    for start, end in [KAMERBRIEF_PERIOD, (dt.date(2020, 1, 1), dt.date(2021, 12, 31))]:
        counts = case_counts(period(start, end))
        assert counts.received == counts.investigated + counts.declined + counts.not_triaged
        assert counts.declined == sum(counts.declined_by_outcome.values())


def test_fixture_covers_every_state_and_outcome(loaded: None) -> None:
    assert set(Case.objects.values_list("state", flat=True)) == set(State.values)
    outcomes = set(Case.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert len(outcomes) == 9
    assert Case.objects.filter(employer__kvk_number__isnull=True).exists()
    assert Melder.objects.count() < Case.objects.count()  # anonymous meldingen exist
    assert Case.objects.filter(main_case__isnull=False).exists()
    assert Case.objects.filter(received_at__lt=timezone.make_aware(dt.datetime(2021, 1, 25)))
    assert Case.objects.filter(received_at__gte=timezone.make_aware(dt.datetime(2021, 4, 10)))


def test_fixture_events_respect_the_event_allow_list(loaded: None) -> None:
    for data in Event.objects.values_list("data", flat=True):
        check_event_data(data)


def test_loading_leaves_the_counter_past_the_highest_reference(loaded: None) -> None:
    for counter in ReferenceCounter.objects.all():
        highest = max(
            int(ref[-5:])
            for ref in Case.objects.filter(reference__startswith=f"TW-{counter.year}-").values_list(
                "reference", flat=True
            )
        )
        assert counter.last_number == highest


def test_random_filter_combinations_match_python(loaded: None) -> None:
    rows = case_rows()
    rnd = random.Random(20210409)
    for _ in range(40):
        params = random_params(rnd, rows)
        qs = CaseFilter(params, queryset=Case.objects.all()).qs
        expected = python_counts(python_filter(rows, params))
        assert case_counts(qs) == expected, params.urlencode()


def test_generator_reproduces_the_committed_fixture_byte_for_byte() -> None:
    assert build_fixture().encode("utf-8") == FIXTURE.read_bytes()


def test_generator_with_another_seed_differs_but_keeps_the_figures() -> None:
    objects = json.loads(build_fixture(seed=7))
    assert objects != json.loads(FIXTURE.read_text(encoding="utf-8"))
    start, end = KAMERBRIEF_PERIOD
    in_period = [
        o["fields"]
        for o in objects
        if o["model"] == "cases.case"
        and start <= dt.datetime.fromisoformat(o["fields"]["received_at"]).date() <= end
    ]
    assert len(in_period) == 746
    assert sum(1 for f in in_period if f["investigated_at"]) == 627
    assert sum(1 for f in in_period if f["topics"] == [["niet_mogen_thuiswerken"]]) == 545
