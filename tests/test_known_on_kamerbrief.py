"""The reference date (`known_on`) on the kamerbrief_2021 fixture (loaded once per module):
known on 9 April 2021, the Kamerbrief period gives 742 received, of which 596 investigated,
beside the 746/627/545 of "received in the period, state today"."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from cases.dashboard.as_of import end_of_day, figures_as_of
from cases.dashboard.figures import Figures
from cases.filters import CaseFilter
from cases.models import Case, Event, EventKind, State
from cases.models.choices import INVESTIGATED_STATES
from tests.helpers import (
    KAMERBRIEF,
    get_dashboard,
    local,
    number_by_testid,
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


# ---------------------------------------------------------------------------
# On the kamerbrief_2021 fixture


@pytest.fixture
def leader(loaded: None, client: Client) -> Client:
    client.force_login(User.objects.get(username="teamleider"))
    return client


def test_the_fixture_has_four_meldingen_of_9_april_registered_on_12_april(loaded: None) -> None:
    period = Case.objects.filter(local_day__range=(dt.date(2021, 1, 25), dt.date(2021, 4, 9)))
    late = period.filter(created_at__gt=AMS_END_OF_9_APRIL)
    assert period.count() == 746
    assert late.count() == 4
    for case in late:
        assert timezone.localtime(case.received_at).date() == dt.date(2021, 4, 9)
        assert timezone.localtime(case.received_at).hour >= 18  # the evening
        assert timezone.localtime(case.created_at).date() == dt.date(2021, 4, 12)


def test_known_on_9_april_gives_742_received_of_which_596_investigated(leader: Client) -> None:
    page = get_dashboard(leader, f"{KAMERBRIEF}&known_on={KNOWN_ON}")
    assert number_by_testid(page, "count-received") == 742
    assert number_by_testid(page, "count-investigated") == 596
    only = number_by_testid(page, "count-only-not-allowed")
    declined = number_by_testid(page, "count-declined")
    not_triaged = number_by_testid(page, "count-not-triaged")
    assert 596 + declined + not_triaged == 742
    paragraph = _paragraph(page)
    assert paragraph == (
        "Sinds 25 januari t/m 9 april 2021 heeft de Inspectie SZW 742 meldingen over "
        "thuiswerken ontvangen. Hiervan zijn er 596 in onderzoek genomen. In totaal hebben "
        f"{only} meldingen enkel betrekking op het niet mogen thuiswerken. "
        "Dit is de stand per 9 april 2021."
    )
    # Said under the figures: what is as it was, and what is today's.
    assert 'data-testid="known-on-note"' in page
    assert "zoals ze nu zijn" in html.unescape(page)
    assert "figure__link" not in page  # the lists show the cases as they are now
    assert 'data-testid="count-overdue">niet geteld voor een peildatum<' in page
    # The same period without a reference date: 746/627/545, as received, state today.
    today_page = get_dashboard(leader, KAMERBRIEF)
    assert [
        number_by_testid(today_page, key)
        for key in ("count-received", "count-investigated", "count-only-not-allowed")
    ] == [746, 627, 545]
    assert "stand per" not in _paragraph(today_page)


def test_known_on_agrees_with_a_count_from_the_events_in_python(loaded: None) -> None:
    """An independent count: the Events replayed in Python against the as-of query."""
    moment = AMS_END_OF_9_APRIL
    cases = {
        c.pk: c
        for c in Case.objects.filter(
            local_day__range=(dt.date(2021, 1, 25), dt.date(2021, 4, 9)),
            created_at__lte=moment,
        )
    }
    state = dict.fromkeys(cases, State.RECEIVED.value)
    outcome = dict.fromkeys(cases, "")
    for event in Event.objects.filter(case__in=list(cases), created_at__lte=moment).order_by(
        "created_at", "pk"
    ):
        if event.to_state:
            state[event.case_id] = event.to_state
            outcome[event.case_id] = (
                event.data.get("outcome", "") if event.to_state == "closed" else ""
            )
    investigated = {
        pk for pk, c in cases.items() if c.investigated_at and c.investigated_at <= moment
    }
    declined = Counter(
        outcome[pk] for pk in cases if pk not in investigated and state[pk] == State.CLOSED
    )
    figures = _as_of(KAMERBRIEF, moment)
    assert figures.counts.received == len(cases) == 742
    assert figures.counts.investigated == len(investigated) == 596
    assert figures.by_state == {s: n for s, n in Counter(state.values()).items() if n}
    assert figures.counts.declined_by_outcome == dict(declined)
    # Nothing investigated then was still "received" then; and states did move since.
    assert all(state[pk] in (*INVESTIGATED_STATES, State.CLOSED) for pk in investigated)
    today = {pk: c.state for pk, c in cases.items()}
    assert sum(state[pk] != today[pk] for pk in cases) > 100


def test_a_reopened_melding_counts_as_it_stood_on_the_day(leader: Client) -> None:
    """The fixture's meldingen closed as withdrawn and reopened by a team leader: on the day
    of closing (after it) closed, on the day of reopening under investigation again."""
    reopen = Event.objects.filter(kind=EventKind.REOPEN).select_related("case").first()
    assert reopen is not None
    case = reopen.case
    close = Event.objects.filter(case=case, to_state=State.CLOSED, created_at__lt=reopen.created_at)
    closed_at = close.latest("created_at").created_at
    closed_day = timezone.localtime(closed_at).date()
    reopened_day = timezone.localtime(reopen.created_at).date()
    assert closed_day < reopened_day
    assert case.state == State.UNDER_INVESTIGATION  # today

    moment = end_of_day(closed_day)
    assert _as_of(f"q={case.reference}", moment).by_state == {State.CLOSED: 1}
    assert _as_of(f"q={case.reference}", moment).counts.investigated == 1
    assert _as_of(f"q={case.reference}", end_of_day(reopened_day)).by_state == {
        State.UNDER_INVESTIGATION: 1
    }
    received_day = timezone.localtime(case.created_at).date() - dt.timedelta(days=1)
    assert _as_of(f"q={case.reference}", end_of_day(received_day)).counts.received == 0
    # On the page: as known on the day of closing, closed and investigated.
    page = get_dashboard(leader, f"q={case.reference}&known_on={closed_day.isoformat()}")
    assert number_by_testid(page, "count-received") == 1
    assert number_by_testid(page, "count-investigated") == 1
    by_state = page[page.index('data-testid="by-state"') :]
    by_state = by_state[: by_state.index("</table>")]
    rows = dict(
        re.findall(
            r'data-key="([a-z_]+)"><th scope="row">[^<]*</th><td class="num">'
            r"<span>(\d+)<",
            by_state,
        )
    )
    assert rows["closed"] == "1"
    assert rows["under_investigation"] == "0"


def test_the_statistics_api_takes_known_on(loaded: None) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(User.objects.get(username="teamleider"))
    url = "/api/v1/statistics/"
    period = {"received_after": "2021-01-25", "received_before": "2021-04-09"}
    body = api.get(url, {**period, "known_on": KNOWN_ON}).json()
    assert (body["received"], body["investigated"]) == (742, 596)
    assert body["known_on"] == KNOWN_ON
    assert body["overdue"] is None
    assert body["received"] == body["investigated"] + body["declined"] + body["not_triaged"]
    assert sum(body["by_state"].values()) == 742
    now = api.get(url, period).json()
    assert (now["received"], now["investigated"], now["known_on"]) == (746, 627, None)
    for value in ("", "9-4-2021x", "april", "2019-12-31", "2999-01-01"):
        response = api.get(url, {**period, "known_on": value})
        assert response.status_code == 400, value
        assert set(response.json()["errors"]) == {"known_on"}, value
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    problem = api.get(url, {"known_on": tomorrow}).json()
    assert problem["errors"]["known_on"] == ["De peildatum kan niet na vandaag liggen."]
