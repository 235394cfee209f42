"""Supervisor dashboard, drill-downs and recorded figures (cases/dashboard/, dashboard_views).

Dutch is asserted only for texts that are Dutch today: the numbers, data-testids, the list's
"N meldingen" and Django's own month names. The dashboard's own new strings are checked
through testids and numbers.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.dashboard import params as dashboard_params
from cases.dashboard import presentation
from cases.dashboard.figures import SCHEMA_VERSION, Figures, dashboard_figures
from cases.dashboard.params import drilldown, ministry_paragraph
from cases.events import check_event_data
from cases.filters import CaseFilter
from cases.models import (
    AppendOnlyError,
    Case,
    Event,
    EventKind,
    FigureSnapshot,
    Outcome,
    State,
)
from cases.selectors import KAMERBRIEF_PERIOD
from tests.factories import EmployerFactory
from tests.helpers import (
    KAMERBRIEF,
    LINK_RE,
    case_in_state,
    figures_for,
    fresh,
    get_dashboard,
    intake,
    local,
    number_by_testid,
    record_reached_call,
    result_count,
)

# ---------------------------------------------------------------------------
# Presets and drill-down parameters


def test_other_presets_use_local_calendar_periods() -> None:
    today = dt.date(2021, 3, 3)  # a Wednesday
    presets = {p.key: (p.start, p.end) for p in dashboard_params.presets(today)}
    assert presets == {
        "kamerbrief": KAMERBRIEF_PERIOD,
        "this_week": (dt.date(2021, 3, 1), today),
        "last_month": (dt.date(2021, 2, 1), dt.date(2021, 2, 28)),
        "this_year": (dt.date(2021, 1, 1), today),
    }
    january = {p.key: (p.start, p.end) for p in dashboard_params.presets(dt.date(2021, 1, 10))}
    assert january["last_month"] == (dt.date(2020, 12, 1), dt.date(2020, 12, 31))


def test_drilldown_narrows_the_dashboard_filter() -> None:
    params = QueryDict("received_after=2021-01-25&received_before=2021-04-09&state=closed")
    assert QueryDict(drilldown(params, investigated="no", state="closed")) == QueryDict(
        "received_after=2021-01-25&received_before=2021-04-09&state=closed&investigated=no"
    )
    assert drilldown(params, state="received") is None
    narrowed = QueryDict(
        drilldown(params, received_after="2021-01-18", received_before="2021-01-24") or ""
    )
    assert narrowed == QueryDict("")  # the week lies before the period: nothing to list
    week = QueryDict(drilldown(params, received_after="2021-01-25", received_before="2021-01-31"))
    assert (week["received_after"], week["received_before"]) == ("2021-01-25", "2021-01-31")
    yes = QueryDict("investigated=yes")
    assert drilldown(yes, investigated="no") is None
    assert drilldown(yes, investigated="yes") == "investigated=yes"


def test_weeks_are_filled_over_the_period_and_charted() -> None:
    jan25, feb8 = dt.date(2021, 1, 25), dt.date(2021, 2, 8)
    data = [(jan25, 3), (feb8, 1)]
    assert presentation.fill_weeks(data, None, None) == [
        (jan25, 3),
        (dt.date(2021, 2, 1), 0),
        (feb8, 1),
    ]
    within = presentation.fill_weeks(data, dt.date(2021, 1, 20), dt.date(2021, 2, 16))
    assert [day for day, _n in within] == [
        dt.date(2021, 1, 18),
        jan25,
        dt.date(2021, 2, 1),
        feb8,
        dt.date(2021, 2, 15),
    ]
    # An open or very long period: from the first to the last melding.
    assert len(presentation.fill_weeks(data, dt.date(2000, 1, 1), dt.date(2030, 1, 1))) == 3
    assert presentation.fill_weeks([], None, dt.date(2021, 2, 1)) == []
    empty = presentation.fill_weeks([], jan25, feb8)
    assert empty == [(jan25, 0), (dt.date(2021, 2, 1), 0), (feb8, 0)]

    chart = presentation.week_chart(within)
    assert chart is not None
    assert [bar.count for bar in chart.bars] == [0, 3, 0, 1, 0]
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.count == 3
    assert tallest.y >= presentation.PAD_TOP
    assert all(round(bar.y + bar.height, 2) == chart.bottom for bar in chart.bars)
    assert all(chart.left <= bar.x < bar.x + bar.width <= chart.right for bar in chart.bars)
    assert chart.y_ticks[0].text == "0"
    assert int(chart.y_ticks[-1].text) >= 3
    assert presentation.week_chart([]) is None


# ---------------------------------------------------------------------------
# Definitions on small data


def test_reopened_case_counts_once_as_investigated(client: Client, inspector, supervisor) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    for _round in range(2):
        case = services.case_close(
            case=case, actor=inspector, version=fresh(case).version, outcome=Outcome.INGETROKKEN
        )
        case = services.case_reopen(
            case=case, actor=supervisor, version=fresh(case).version, reason="Nieuwe informatie"
        )
    assert fresh(case).state == State.UNDER_INVESTIGATION
    figures = dashboard_figures(Case.objects.all())
    assert (figures.counts.received, figures.counts.investigated) == (1, 1)
    assert (figures.counts.declined, figures.counts.not_triaged) == (0, 0)

    client.force_login(supervisor)
    page = get_dashboard(client)
    assert number_by_testid(page, "count-investigated") == 1
    href = html.unescape(
        re.search(r'href="([^"]+)" data-count="1"><span data-testid="count-investigated"', page)[1]
    )
    assert result_count(client.get(href).content.decode()) == 1


def test_meldingen_around_midnight_count_on_their_local_day(inspector) -> None:
    # Winter time (UTC+1) and the night after the switch to summer time (UTC+2).
    sunday_late = intake(inspector, received_at=local(2021, 1, 24, 23, 58))
    monday_early = intake(inspector, received_at=local(2021, 1, 25, 0, 1))
    summer_sunday = intake(inspector, received_at=local(2021, 3, 28, 23, 59))
    summer_monday = intake(inspector, received_at=local(2021, 3, 29, 1, 30))
    # In UTC, each pair falls on the same (Sunday) date.
    for case in (monday_early, summer_monday):
        assert case.received_at.astimezone(dt.UTC).weekday() == 6

    assert figures_for("received_after=2021-01-25&received_before=2021-01-25").counts.received == 1
    assert figures_for("received_before=2021-01-24").counts.received == 1
    assert figures_for("received_after=2021-03-29&received_before=2021-03-29").counts.received == 1
    assert figures_for("received_after=2021-03-28&received_before=2021-03-28").counts.received == 1
    weeks = dict(figures_for("").by_week)
    assert weeks == {
        dt.date(2021, 1, 18): 1,
        dt.date(2021, 1, 25): 1,
        dt.date(2021, 3, 22): 1,
        dt.date(2021, 3, 29): 1,
    }
    up_to_sunday = CaseFilter(QueryDict("received_before=2021-03-28"), queryset=Case.objects)
    assert set(up_to_sunday.qs.values_list("pk", flat=True)) == {
        sunday_late.pk,
        monday_early.pk,
        summer_sunday.pk,
    }


def _make_cases(n: int, inspector: Any, supervisor: Any) -> None:
    states = [State.RECEIVED, State.UNDER_INVESTIGATION, State.CLOSED, State.EMPLOYER_CALLED]
    for i in range(n):
        employer = EmployerFactory(sector_id="JKQ"[i % 3])
        if i % 5 == 4:
            intake(supervisor, employer=employer, received_at=timezone.now() - dt.timedelta(i))
        else:
            case = case_in_state(states[i % 4], inspector=inspector, employer=employer)
            if i % 4 == 1 and i % 3 == 0:
                record_reached_call(case, inspector, employer_response="nee")


def _dashboard_queries(client: Client, query: str) -> list[str]:
    """The SQL statements of one dashboard request, without the savepoints that only the
    test's surrounding transaction adds around the session save."""
    with CaptureQueriesContext(connection) as ctx:
        get_dashboard(client, query)
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_query_count_is_bounded_and_independent_of_the_number_of_cases(
    client: Client, inspector, supervisor
) -> None:
    """QUALITY.md: at most 10 queries per page. Per request: session, user, permissions
    with group names (cases.auth) = 3 (the session is saved again at most once a minute,
    inspectie.middleware.SessionRefreshMiddleware; with the second factor required, the
    verified device is a 4th); the dashboard: 2 for all counts, 1 each for the topic, sector
    and assignee choices (which also validate the submitted values) and 1 for the employers
    with a repeat signal = 6."""
    client.force_login(supervisor)
    query = f"received_after=2020-01-01&sector=J&sector=K&inspector={inspector.pk}"
    _make_cases(5, inspector, supervisor)
    few = _dashboard_queries(client, query)
    assert len(few) <= 10, few
    assert len(_dashboard_queries(client, "")) == len(few)
    _make_cases(45, inspector, supervisor)
    assert len(_dashboard_queries(client, query)) == len(few)
    page = get_dashboard(client, query)
    assert number_by_testid(page, "count-received") > 5  # the 50 cases are really counted


def test_query_count_with_the_second_factor_required_as_in_production(
    client: Client, inspector, supervisor, settings
) -> None:
    """With OTP_REQUIRED, as in production, a team leader signed in with the second factor:
    the verified device is one more query, still within the 10."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_REQUIRED = True
    client.force_login(supervisor)
    session = client.session
    device = TOTPDevice.objects.create(user=supervisor, name="app", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    _make_cases(5, inspector, supervisor)
    queries = _dashboard_queries(client, f"received_after=2020-01-01&inspector={inspector.pk}")
    assert 'FROM "otp_totp_totpdevice"' in " ".join(queries)  # the page, not the code step
    assert len(queries) <= 10, queries


# ---------------------------------------------------------------------------
# The page itself


def test_page_renders_chart_table_and_no_inline_styles(client: Client, inspector, supervisor):
    for days in (3, 10, 10, 24):
        intake(inspector, received_at=timezone.now() - dt.timedelta(days=days))
    client.force_login(supervisor)
    page = get_dashboard(client)
    assert "style=" not in page
    assert "<script" not in page
    svg = re.search(r"<svg class=\"chart__svg\"[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert '<title id="weeks-title">' in svg
    assert '<desc id="weeks-desc">' in svg
    assert 'aria-labelledby="weeks-title weeks-desc"' in svg
    # Presentation attributes in SVG user units: decimal points, never Dutch decimal commas.
    for value in re.findall(r' (?:x|y|width|height)="([^"]*)"', svg):
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value
    bars = re.findall(r'<rect class="chart__bar"', svg)
    table_rows = re.findall(r'<tr data-key="\d{4}-\d{2}-\d{2}">', page)
    assert len(bars) == len(table_rows) >= 3
    assert number_by_testid(page, "count-received") == 4


def test_invalid_filter_shows_an_error_and_no_figures(client: Client, supervisor) -> None:
    client.force_login(supervisor)
    page = get_dashboard(client, "received_after=2021-13-45")
    assert 'role="alert"' in page
    assert 'data-testid="count-received"' not in page


def test_navigation_links_the_dashboard_for_supervisors_only(
    client: Client, inspector, supervisor
) -> None:
    url = reverse("dashboard")
    client.force_login(supervisor)
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    client.force_login(inspector)
    assert f'href="{url}"' not in client.get(reverse("home")).content.decode()


def test_inspectors_get_403_and_cannot_record(client: Client, inspector) -> None:
    client.force_login(inspector)
    for name in ("dashboard", "snapshot_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("snapshot_create"), {"filter": KAMERBRIEF}).status_code == 403
    with pytest.raises(services.NotPermittedError):
        services.snapshot_create(actor=inspector, params=QueryDict(KAMERBRIEF))
    assert not FigureSnapshot.objects.exists()


def test_anonymous_goes_to_login(client: Client, db) -> None:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------
# The new shared filter parameters


def test_new_filter_parameters_on_the_case_list(client: Client, inspector, supervisor) -> None:
    called = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    record_reached_call(called, inspector, employer_response="nee")
    recognised = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    record_reached_call(recognised, inspector, employer_response="ja")
    unknown_sector = case_in_state(
        State.RECEIVED, inspector=inspector, employer=EmployerFactory(sector_id=None)
    )
    queued = intake(supervisor)

    def refs(params: str) -> set[str]:
        qs = CaseFilter(QueryDict(params), queryset=Case.objects.all()).qs
        return set(qs.values_list("reference", flat=True))

    everything = {c.reference for c in (called, recognised, unknown_sector, queued)}
    assert refs("not_recognised=yes") == {called.reference}
    assert refs("not_recognised=no") == everything - {called.reference}
    assert refs("sector=null") == {unknown_sector.reference}
    assert refs("sector=null&sector=J") == everything
    assert refs("inspector=null") == {queued.reference}
    client.force_login(supervisor)
    page = client.get(f"{reverse('all_cases')}?not_recognised=yes").content.decode()
    assert result_count(page) == 1


# ---------------------------------------------------------------------------
# Recorded figures (snapshots)


def test_snapshot_freezes_figures_paragraph_filter_who_and_when(
    client: Client, inspector, supervisor
) -> None:
    cases = [
        intake(inspector, received_at=local(2021, 2, 1, 9, 0), topic_codes=topics)
        for topics in (("niet_mogen_thuiswerken",), ("werkdruk",), ("niet_mogen_thuiswerken",))
    ]
    services.case_take(case=cases[0], actor=inspector, version=fresh(cases[0]).version)
    services.case_take_into_investigation(
        case=cases[0], actor=inspector, version=fresh(cases[0]).version
    )
    client.force_login(supervisor)
    page = get_dashboard(client, KAMERBRIEF)
    seen = html.unescape(re.search(r'name="seen" value="([^"]*)"', page).group(1))
    response = client.post(
        reverse("snapshot_create"),
        {"filter": KAMERBRIEF, "seen": seen, "label": "Kamervragen februari"},
    )
    snapshot = FigureSnapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("snapshot_detail", kwargs={"pk": snapshot.pk})
    assert (snapshot.received, snapshot.investigated, snapshot.only_not_allowed) == (3, 1, 2)
    assert snapshot.created_by == supervisor
    assert snapshot.label == "Kamervragen februari"
    assert QueryDict(snapshot.filter_query) == QueryDict(KAMERBRIEF)
    assert (snapshot.period_start, snapshot.period_end) == KAMERBRIEF_PERIOD
    assert snapshot.paragraph == seen
    stored = json.dumps(snapshot.figures, sort_keys=True)

    detail_url = reverse("snapshot_detail", kwargs={"pk": snapshot.pk})
    before = client.get(detail_url).content.decode()
    assert number_by_testid(before, "count-received") == 3
    assert number_by_testid(before, "count-investigated") == 1
    assert "figure__link" not in before  # no links to lists of today

    # The cases move on: more taken into investigation, one declined, a new melding.
    for case in cases[1:]:
        services.case_take(case=case, actor=inspector, version=fresh(case).version)
    services.case_take_into_investigation(
        case=cases[1], actor=inspector, version=fresh(cases[1]).version
    )
    services.case_decline(
        case=cases[2], actor=inspector, version=fresh(cases[2]).version, outcome="ingetrokken"
    )
    intake(inspector, received_at=local(2021, 3, 1, 9, 0))
    assert figures_for(KAMERBRIEF).counts.received == 4

    again = FigureSnapshot.objects.get()
    assert json.dumps(again.figures, sort_keys=True) == stored
    assert (again.received, again.investigated, again.paragraph) == (3, 1, seen)
    after = client.get(detail_url).content.decode()
    assert number_by_testid(after, "count-received") == 3
    assert number_by_testid(after, "count-investigated") == 1
    assert number_by_testid(after, "count-declined") == 0
    shown = re.search(r'data-testid="ministry-paragraph">([^<]*)<', after)[1]
    assert html.unescape(shown) == seen
    # The list of recorded figures shows it.
    listing = client.get(reverse("snapshot_list")).content.decode()
    assert f'data-snapshot="{snapshot.pk}"' in listing

    # Frozen: the row cannot be changed or deleted.
    with pytest.raises(AppendOnlyError):
        again.save()
    with pytest.raises(AppendOnlyError):
        FigureSnapshot.objects.update(received=1)
    with pytest.raises(AppendOnlyError):
        again.delete()


def test_recording_writes_an_event_without_melder_data(inspector, supervisor) -> None:
    intake(
        inspector,
        received_at=local(2021, 2, 1, 9, 0),
        melder=services.MelderInput(name="Geheime Melder", email="melder@example.org"),
    )
    snapshot = services.snapshot_create(actor=supervisor, params=QueryDict(KAMERBRIEF))
    event = Event.objects.get(kind=EventKind.FIGURES_FROZEN)
    assert event.actor == supervisor
    assert event.case is None
    assert event.data["snapshot_id"] == snapshot.pk
    assert QueryDict(event.data["filter"]) == QueryDict(KAMERBRIEF)
    check_event_data(event.data)
    text = json.dumps(event.data) + json.dumps(snapshot.figures) + snapshot.paragraph
    assert "Geheime" not in text
    assert "melder@example.org" not in text


def test_recording_needs_csrf(supervisor) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    response = client.post(reverse("snapshot_create"), {"filter": KAMERBRIEF})
    assert response.status_code == 403
    assert not FigureSnapshot.objects.exists()


def test_recording_an_invalid_filter_changes_nothing(client: Client, supervisor) -> None:
    client.force_login(supervisor)
    response = client.post(reverse("snapshot_create"), {"filter": "received_after=gisteren"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard"))
    assert not FigureSnapshot.objects.exists()
    assert not Event.objects.filter(kind=EventKind.FIGURES_FROZEN).exists()


def test_recording_warns_when_figures_changed_since_the_page(
    client: Client, inspector, supervisor
) -> None:
    intake(inspector, received_at=local(2021, 2, 1, 9, 0))
    client.force_login(supervisor)
    page = get_dashboard(client, KAMERBRIEF)
    seen = html.unescape(re.search(r'name="seen" value="([^"]*)"', page).group(1))
    intake(inspector, received_at=local(2021, 2, 2, 9, 0))
    response = client.post(
        reverse("snapshot_create"), {"filter": KAMERBRIEF, "seen": seen}, follow=True
    )
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["warning", "success"]
    assert FigureSnapshot.objects.get().received == 2


def text_by_testid(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert match, testid
    return html.unescape(match.group(1))


def test_snapshot_records_the_schema_version_of_its_figures(inspector, supervisor) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    record_reached_call(case, inspector, employer_response="nee")
    snapshot = services.snapshot_create(actor=supervisor, params=QueryDict(""))
    assert snapshot.schema_version == SCHEMA_VERSION
    figures = Figures.from_json(snapshot.figures)
    assert figures == dashboard_figures(Case.objects.all(), today=figures.overdue_on)
    assert figures.to_json() == snapshot.figures


def test_snapshot_of_an_older_shape_shows_what_it_lacks_as_not_recorded(
    client: Client, supervisor
) -> None:
    """A snapshot opens whatever figures its schema had: the headline counts are in every
    version; any other figure it lacks is shown as not recorded, never as 0."""
    older = {
        "counts": {
            "received": 5,
            "investigated": 3,
            "only_not_allowed": 4,
            "declined": 1,
            "not_triaged": 1,
        },
    }
    figures = Figures.from_json(older)
    assert (figures.overdue, figures.not_recognised, figures.not_recognised_employers) == (
        None,
        None,
        None,
    )
    assert figures.declined_by_outcome is None
    assert (figures.by_state, figures.by_sector, figures.by_inspector, figures.by_week) == (
        None,
        None,
        None,
        None,
    )
    assert figures.to_json() == older
    snapshot = FigureSnapshot.objects.create(
        created_at=timezone.now(),
        created_by=supervisor,
        filter_query=KAMERBRIEF,
        period_start=KAMERBRIEF_PERIOD[0],
        period_end=KAMERBRIEF_PERIOD[1],
        received=5,
        investigated=3,
        only_not_allowed=4,
        paragraph="Sinds 25 januari t/m 9 april 2021 ...",
        figures=older,
        schema_version=1,
    )

    client.force_login(supervisor)
    response = client.get(reverse("snapshot_detail", kwargs={"pk": snapshot.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert number_by_testid(page, "count-received") == 5
    assert number_by_testid(page, "count-investigated") == 3
    assert number_by_testid(page, "count-only-not-allowed") == 4
    assert number_by_testid(page, "count-declined") == 1
    assert number_by_testid(page, "count-not-triaged") == 1
    with translation.override("nl"):
        not_recorded = translation.gettext("not recorded")
        breakdown_not_recorded = translation.gettext("Not recorded in these figures.")
    assert not_recorded != "not recorded"
    assert text_by_testid(page, "count-overdue") == not_recorded
    assert text_by_testid(page, "count-not-recognised") == not_recorded
    assert 'data-testid="count-not-recognised-employers"' not in page
    # The weekly chart and the four breakdowns: no tables, no zeros.
    assert page.count(breakdown_not_recorded) == 5
    for testid in ("week-chart", "weeks", "by-state", "declined-by-outcome", "by-sector"):
        assert f'data-testid="{testid}"' not in page
    assert 'data-testid="by-inspector"' not in page

    # A snapshot that has a figure but not its companion: the count, and a note for the rest.
    partial = json.loads(json.dumps(older))
    partial["counts"]["not_recognised"] = 2
    partial["by_state"] = [["closed", 1], ["received", 1], ["under_investigation", 3]]
    snapshot = FigureSnapshot.objects.create(
        created_at=timezone.now(),
        created_by=supervisor,
        received=5,
        investigated=3,
        only_not_allowed=4,
        paragraph="Tot en met 9 april 2021 ...",
        figures=partial,
        schema_version=1,
    )
    page = client.get(reverse("snapshot_detail", kwargs={"pk": snapshot.pk})).content.decode()
    assert number_by_testid(page, "count-not-recognised") == 2
    with translation.override("nl"):
        employers = translation.gettext("number of employers not recorded")
    assert text_by_testid(page, "count-not-recognised-employers") == employers
    assert 'data-testid="by-state"' in page
    assert page.count(breakdown_not_recorded) == 4


# ---------------------------------------------------------------------------
# The paragraph


def test_paragraph_uses_dutch_dates_and_the_three_numbers(db) -> None:
    from cases.selectors import CaseCounts

    counts = CaseCounts(
        received=746, investigated=627, only_not_allowed=545, declined=60, not_triaged=59
    )
    text = ministry_paragraph(counts, dt.date(2021, 1, 25), dt.date(2021, 4, 9))
    assert re.search(r"\b25 januari\b(?! 2021)", text)
    assert "9 april 2021" in text
    assert [int(n) for n in re.findall(r"\b\d{3}\b", text)] == [746, 627, 545]
    across = ministry_paragraph(counts, dt.date(2020, 12, 28), dt.date(2021, 1, 3))
    assert "28 december 2020" in across and "3 januari 2021" in across
    peak = CaseCounts(
        received=12600, investigated=9871, only_not_allowed=1, declined=0, not_triaged=2728
    )
    year = ministry_paragraph(peak, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert "12.600 meldingen" in year and "9.871" in year and "1 melding " in year


def test_drilldown_for_someone_who_no_longer_handles_meldingen(
    client: Client, inspector, other_inspector, supervisor
) -> None:
    """Someone who left keeps their row in the per-assignee figures; its link still works."""
    for _ in range(2):
        case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    other_inspector.groups.clear()
    other_inspector.is_active = False
    other_inspector.save()

    client.force_login(supervisor)
    links = {html.unescape(href): int(n) for href, n in LINK_RE.findall(get_dashboard(client))}
    href = next(h for h in links if h.endswith(f"inspector={other_inspector.pk}"))
    assert links[href] == 2
    listing = client.get(href)
    assert listing.status_code == 200
    assert result_count(listing.content.decode()) == 2
    assert "Kies een geldige optie" not in listing.content.decode()
