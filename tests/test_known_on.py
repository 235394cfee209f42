"""The reference date (peildatum, `known_on`): the figures as they were known at the end of
a past day, rebuilt from the append-only transition Events (`cases.dashboard.as_of`).

The internal function takes a moment (`figures_as_of`); `known_on` is its end-of-day form.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.dashboard.as_of import end_of_day, figures_as_of
from cases.dashboard.figures import Figures
from cases.filters import CaseFilter
from cases.models import Case, FigureSnapshot, Outcome, State
from tests.helpers import (
    case_in_state,
    freeze,
    fresh,
    get_dashboard,
    intake,
    local,
    number_by_testid,
    record_reached_call,
)

KNOWN_ON = "2021-04-09"
AMS_END_OF_9_APRIL = local(2021, 4, 10, 0, 0) - dt.timedelta(microseconds=1)


def _as_of(params: str, moment: dt.datetime) -> Figures:
    case_filter = CaseFilter(QueryDict(params), queryset=Case.objects.all())
    assert case_filter.is_valid(), case_filter.errors
    return figures_as_of(case_filter.qs, moment)


def _paragraph(page: str) -> str:
    match = re.search(r'data-testid="ministry-paragraph">([^<]*)<', page)
    assert match, "no paragraph"
    return html.unescape(match.group(1)).strip()


def test_end_of_day_is_the_last_moment_of_the_dutch_day() -> None:
    assert end_of_day(dt.date(2021, 4, 9)) == AMS_END_OF_9_APRIL
    # Summer time starts in the night of 27 to 28 March 2021: 23 hours that day.
    day_before, short_day = end_of_day(dt.date(2021, 3, 27)), end_of_day(dt.date(2021, 3, 28))
    assert short_day.astimezone(dt.UTC) - day_before.astimezone(dt.UTC) == dt.timedelta(hours=23)


# ---------------------------------------------------------------------------
# A snapshot at moment T equals the as-of computation for T, after the cases moved on


def test_as_of_a_snapshots_moment_reproduces_the_snapshot_after_the_cases_moved_on(
    client: Client, monkeypatch: pytest.MonkeyPatch, inspector, other_inspector, supervisor
) -> None:
    received = [local(2021, 2, day, 10, 0) for day in range(1, 13)]
    cases = [
        case_in_state(State.RECEIVED, inspector=inspector, received_at=received[0]),
        case_in_state(State.RECEIVED, inspector=inspector, received_at=received[1]),
        case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, received_at=received[2]),
        case_in_state(
            State.UNDER_INVESTIGATION,
            inspector=other_inspector,
            received_at=received[3],
            topic_codes=("werkdruk",),
        ),
        case_in_state(State.EMPLOYER_CALLED, inspector=inspector, received_at=received[4]),
        case_in_state(State.CLOSED, inspector=inspector, received_at=received[5]),
        intake(supervisor, received_at=received[6]),
    ]
    query = "received_after=2021-02-01&received_before=2021-02-28"
    snapshot = services.snapshot_create(actor=supervisor, params=QueryDict(query))
    moment = snapshot.created_at

    # Afterwards (an hour later): every case moves on; new meldingen come in.
    freeze(monkeypatch, moment + dt.timedelta(hours=1))
    first, second, taken, investigating, called, declined, unassigned = (fresh(c) for c in cases)
    services.case_decline(
        case=first, actor=inspector, version=first.version, outcome=Outcome.ONVOLDOENDE_INFORMATIE
    )
    services.case_take_into_investigation(case=second, actor=inspector, version=second.version)
    record_reached_call(taken, inspector, employer_response="nee")
    services.case_close(
        case=investigating,
        actor=other_inspector,
        version=investigating.version,
        outcome=Outcome.INGETROKKEN,
    )
    services.case_close(
        case=called,
        actor=inspector,
        version=called.version,
        outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
    )
    services.case_reopen(case=declined, actor=supervisor, version=declined.version, reason="Fout.")
    intake(supervisor, received_at=local(2021, 2, 20, 9, 0))
    intake(supervisor, received_at=local(2021, 2, 21, 9, 0))

    recorded = Figures.from_json(snapshot.figures)
    later = _as_of(query, moment)
    today = _as_of(query, timezone.now() + dt.timedelta(hours=2))
    assert today.counts != recorded.counts  # the cases did move on
    assert today.by_state != recorded.by_state
    assert today.not_recognised != recorded.not_recognised
    assert later.counts == recorded.counts
    assert later.by_state == recorded.by_state
    assert later.declined_by_outcome == recorded.declined_by_outcome
    assert later.not_recognised == recorded.not_recognised
    assert later.not_recognised_employers == recorded.not_recognised_employers
    # Sector and assignee are today's values (no history); here they did not change.
    assert later.by_sector == recorded.by_sector
    assert later.by_inspector == recorded.by_inspector
    assert later.by_week == recorded.by_week
    assert later.overdue is None  # not counted for a past moment
    assert unassigned.state == State.RECEIVED


def test_the_as_of_figures_take_two_queries(inspector) -> None:
    case_in_state(State.CLOSED, inspector=inspector, received_at=local(2021, 2, 1, 10, 0))
    with CaptureQueriesContext(connection) as ctx:
        figures = _as_of("", timezone.now())
    assert len(ctx.captured_queries) == 2
    assert figures.counts.received == figures.counts.declined == 1


# ---------------------------------------------------------------------------
# The dashboard's reference date: input, links, recording


def test_a_bad_reference_date_is_refused_in_dutch_and_shows_no_figures(
    client: Client, supervisor
) -> None:
    client.force_login(supervisor)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for value, message in (
        (tomorrow, "De peildatum kan niet na vandaag liggen."),
        ("2019-12-31", "Deze datum ligt vóór 1 januari 2020."),
        ("9 april", "Voer een geldige datum in."),
    ):
        page = get_dashboard(client, f"known_on={value}")
        assert html.escape(message) in page, value
        assert "De peildatum is ongeldig" in page
        assert 'data-testid="count-received"' not in page


def test_the_reference_date_stays_with_the_presets_and_the_filter(
    client: Client, inspector, supervisor
) -> None:
    case_in_state(State.RECEIVED, inspector=inspector, received_at=local(2021, 2, 1, 10, 0))
    client.force_login(supervisor)
    day = timezone.localdate().isoformat()
    page = html.unescape(get_dashboard(client, f"known_on={day}"))
    preset = re.search(r'href="\?([^"]*)" data-testid="preset-kamerbrief"', page)
    assert preset and QueryDict(preset.group(1))["known_on"] == day
    assert f'<input type="hidden" name="known_on" value="{day}">' in page
    assert number_by_testid(page, "count-received") == 1
    clear = re.search(r'href="\?([^"]*)" data-testid="known-on-clear"', page)
    assert clear and "known_on" not in QueryDict(clear.group(1))


def test_recording_figures_with_a_reference_date_records_them_as_known_then(
    client: Client, monkeypatch: pytest.MonkeyPatch, inspector, supervisor
) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector, received_at=local(2021, 2, 1, 10))
    day = timezone.localdate()
    # Declined tomorrow: as known today it is not triaged yet.
    freeze(monkeypatch, end_of_day(day) + dt.timedelta(hours=10))
    services.case_decline(
        case=case, actor=inspector, version=case.version, outcome=Outcome.INGETROKKEN
    )
    client.force_login(supervisor)
    query = f"received_after=2021-02-01&received_before=2021-02-28&known_on={day.isoformat()}"
    page = get_dashboard(client, query)
    assert number_by_testid(page, "count-not-triaged") == 1
    seen = html.unescape(re.search(r'name="seen" value="([^"]*)"', page).group(1))
    assert html.unescape(re.search(r'name="filter" value="([^"]*)"', page).group(1)) == query
    client.post(reverse("snapshot_create"), {"filter": query, "seen": seen})
    snapshot = FigureSnapshot.objects.get()
    assert QueryDict(snapshot.filter_query)["known_on"] == day.isoformat()
    assert snapshot.paragraph == seen
    assert "Dit is de stand per" in snapshot.paragraph
    assert Figures.from_json(snapshot.figures).counts.not_triaged == 1
    assert ["Cijfers zoals bekend op", _dutch(day)] in snapshot.filter_description
    detail = client.get(reverse("snapshot_detail", kwargs={"pk": snapshot.pk})).content.decode()
    assert 'data-testid="known-on-note"' in detail


def _dutch(day: dt.date) -> str:
    from django.utils import formats, translation

    with translation.override("nl"):
        return formats.date_format(day, "j F Y")


def test_the_period_ends_at_a_reference_date_inside_it() -> None:
    from cases.dashboard.params import period_of

    period = QueryDict("received_after=2021-01-25&received_before=2021-04-09")
    today = dt.date(2021, 6, 1)
    assert period_of(period, today) == (dt.date(2021, 1, 25), dt.date(2021, 4, 9))
    assert period_of(period, today, dt.date(2021, 3, 1)) == (
        dt.date(2021, 1, 25),
        dt.date(2021, 3, 1),
    )
    assert period_of(period, today, dt.date(2021, 5, 1))[1] == dt.date(2021, 4, 9)
    # Before the period: nothing in it was known yet; the period stays as chosen.
    assert period_of(period, today, dt.date(2021, 1, 1))[1] == dt.date(2021, 4, 9)
    # Without an end, the period ends on the reference date.
    assert period_of(QueryDict(""), today, dt.date(2021, 3, 1)) == (None, dt.date(2021, 3, 1))
