"""The employer page, repeat signals and the surge view (cases/employers.py,
cases/employer_views.py, services.employer_assign_unassigned)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import employers, services
from cases.employers import RepeatWindows, months_before, repeat_signal
from cases.filters import CaseFilter
from cases.models import (
    Agreement,
    AgreementStatus,
    Case,
    Employer,
    Event,
    EventKind,
    State,
)
from tests.factories import EmployerFactory
from tests.helpers import (
    SAMPLE_PDF,
    case_in_state,
    freeze,
    fresh,
    get_dashboard,
    intake,
    local,
    number_by_testid,
    record_reached_call,
    result_count,
)

TODAY = dt.date(2026, 6, 15)


def received_on(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return local(day.year, day.month, day.day, hour, minute)


def break_agreement(case: Case, actor: User, at: dt.datetime) -> Agreement:
    """Record the case's agreement as not kept, and put the moment that was recorded at
    `at` (the services write the current moment)."""
    agreement = fresh(case).agreements.get()
    services.agreement_set_status(
        case=case,
        actor=actor,
        version=fresh(case).version,
        agreement=agreement,
        status=AgreementStatus.NIET_NAGEKOMEN,
    )
    Agreement.objects.filter(pk=agreement.pk).update(status_changed_at=at)
    return Agreement.objects.get(pk=agreement.pk)


def timeline_kinds(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'data-testid="timeline-item" data-kind="([a-z_]+)" data-reference="([^"]+)"', page
    )


# ---------------------------------------------------------------------------
# Windows


def test_windows_end_today_and_include_their_first_day(settings) -> None:
    settings.REPEAT_MELDINGEN_DAYS = 90
    settings.REPEAT_BROKEN_AGREEMENT_MONTHS = 12
    windows = RepeatWindows.ending(dt.date(2026, 11, 30))
    # 2 September .. 30 November: 90 days, both ends included.
    assert windows.meldingen_from == dt.date(2026, 9, 2)
    assert (windows.today - windows.meldingen_from).days + 1 == 90
    assert windows.broken_from == dt.date(2025, 12, 1)


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(dt.date(2026, 11, 30), 12) == dt.date(2025, 11, 30)
    assert months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


# ---------------------------------------------------------------------------
# Repeat signals at their boundaries


@pytest.mark.parametrize(("count", "flagged"), [(2, False), (3, True)])
def test_two_meldingen_are_no_signal_three_are(inspector, count: int, flagged: bool) -> None:
    employer = EmployerFactory()
    for _ in range(count):
        intake(inspector, employer=employer, received_at=received_on(TODAY - dt.timedelta(days=5)))
    signal = repeat_signal(employer, TODAY)
    assert signal.meldingen == count
    assert signal.flagged is flagged
    assert (employer.pk in employers.flagged_among({employer.pk}, TODAY)) is flagged


@pytest.mark.parametrize(
    ("moment", "flagged"),
    [
        # Day 90 counting back from today (today is day 1): its first minute still counts.
        ((89, 0, 0), True),
        # Day 91: its last minute does not.
        ((90, 23, 59), False),
    ],
    ids=["day-90-at-00:00", "day-91-at-23:59"],
)
def test_the_third_melding_on_day_90_counts_on_day_91_not(
    inspector, moment: tuple[int, int, int], flagged: bool
) -> None:
    days_ago, hour, minute = moment
    employer = EmployerFactory()
    intake(inspector, employer=employer, received_at=received_on(TODAY, 9))
    intake(inspector, employer=employer, received_at=received_on(TODAY - dt.timedelta(days=30)))
    intake(
        inspector,
        employer=employer,
        received_at=received_on(TODAY - dt.timedelta(days=days_ago), hour, minute),
    )
    assert repeat_signal(employer, TODAY).flagged is flagged
    assert (employer.pk in employers.flagged_among({employer.pk}, TODAY)) is flagged


def test_meldingen_of_every_establishment_count_together(inspector) -> None:
    main = EmployerFactory(kvk_number="44556677")
    branch = EmployerFactory(kvk_number="44556677", establishment_number="000012345678")
    other = EmployerFactory(kvk_number="44556678")
    for employer in (main, main, branch, other, other):
        intake(inspector, employer=employer, received_at=received_on(TODAY - dt.timedelta(days=2)))
    assert repeat_signal(branch, TODAY).meldingen == 3
    assert employers.flagged_among({main.pk, branch.pk, other.pk}, TODAY) == {main.pk, branch.pk}


@pytest.mark.parametrize(
    ("first_day", "flagged"),
    [(True, True), (False, False)],
    ids=["first-day-of-the-12-months", "the-day-before"],
)
def test_a_broken_agreement_counts_for_12_months(inspector, first_day: bool, flagged: bool) -> None:
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    start = months_before(TODAY, 12) + dt.timedelta(days=1)  # 16 June 2025
    at = (
        received_on(start, 0, 0) if first_day else received_on(start - dt.timedelta(days=1), 23, 59)
    )
    break_agreement(case, inspector, at)
    signal = repeat_signal(case.employer, TODAY)
    assert not signal.many_meldingen  # only the agreement can flag it
    assert signal.broke_agreement is flagged
    assert signal.flagged is flagged


def test_a_kept_agreement_is_no_signal(inspector) -> None:
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    agreement = case.agreements.get()
    services.agreement_set_status(
        case=case,
        actor=inspector,
        version=case.version,
        agreement=agreement,
        status=AgreementStatus.NAGEKOMEN,
    )
    assert not repeat_signal(case.employer).flagged


def test_thresholds_are_settings(settings, inspector) -> None:
    employer = EmployerFactory()
    for _ in range(2):
        intake(inspector, employer=employer, received_at=received_on(TODAY - dt.timedelta(days=20)))
    settings.REPEAT_MELDINGEN = 2
    assert repeat_signal(employer, TODAY).flagged
    settings.REPEAT_MELDINGEN_DAYS = 20  # day 21 is outside
    assert not repeat_signal(employer, TODAY).flagged


def test_an_as_reported_employer_has_no_signal(inspector) -> None:
    reported = services.EmployerInput(name="Onbekend B.V.", city="Utrecht")
    cases = [intake(inspector, reported_employer=reported) for _ in range(3)]
    assert not repeat_signal(cases[0].employer).flagged


# ---------------------------------------------------------------------------
# Where the signal shows: filter, lists, case page, intake, dashboard


@pytest.fixture
def flagged_and_not(inspector) -> tuple[Employer, Employer]:
    """Two employers with cases received lately: three (flagged) and two (not)."""
    flagged, quiet = EmployerFactory(name="Herhaal B.V."), EmployerFactory(name="Rustig B.V.")
    for employer, count in ((flagged, 3), (quiet, 2)):
        for days in range(count):
            intake(
                inspector, employer=employer, received_at=timezone.now() - dt.timedelta(days=days)
            )
    return flagged, quiet


def test_the_filter_repeat_employer(flagged_and_not: tuple[Employer, Employer]) -> None:
    flagged, quiet = flagged_and_not

    def employers_for(value: str) -> set[int]:
        found = CaseFilter({"repeat_employer": value}, queryset=Case.objects.all())
        assert found.is_valid()
        return set(found.qs.values_list("employer_id", flat=True))

    assert employers_for("yes") == {flagged.pk}
    assert employers_for("no") == {quiet.pk}
    assert employers_for("") == {flagged.pk, quiet.pk}
    refused = CaseFilter({"repeat_employer": "misschien"}, queryset=Case.objects.all())
    assert not refused.is_valid()


def test_lists_mark_and_link_the_employer(
    client: Client, supervisor, flagged_and_not: tuple[Employer, Employer]
) -> None:
    flagged, quiet = flagged_and_not
    client.force_login(supervisor)
    page = client.get(reverse("all_cases")).content.decode()
    assert page.count('data-testid="repeat-badge"') == 3
    assert f'<a href="/werkgevers/{flagged.pk}/">{escape(flagged.name)}</a>' in page
    assert f'<a href="/werkgevers/{quiet.pk}/">{escape(quiet.name)}</a>' in page
    only = client.get(reverse("all_cases"), {"repeat_employer": "yes"}).content.decode()
    assert result_count(only) == 3
    assert escape(quiet.name) not in only
    intake_page = client.get(reverse("intake_queue")).content.decode()
    assert intake_page.count('data-testid="repeat-badge"') == 3


def statements(client: Client, url: str) -> list[str]:
    """The SQL of one request, without the savepoints only the test's transaction adds."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_the_list_takes_one_more_query_for_the_signal(
    client: Client, supervisor, flagged_and_not: Any
) -> None:
    """docs/figures.md: a list takes 10 queries; the signal of the page's rows is one more,
    however many rows there are."""
    client.force_login(supervisor)
    few = statements(client, reverse("all_cases"))
    assert len(few) <= 11, few
    for _ in range(20):
        intake(supervisor)
    assert len(statements(client, reverse("all_cases"))) == len(few)


def test_the_case_page_shows_why(
    client: Client, supervisor, flagged_and_not: tuple[Employer, Employer]
) -> None:
    flagged, quiet = flagged_and_not
    client.force_login(supervisor)
    case = Case.objects.filter(employer=flagged).first()
    assert case is not None
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'data-testid="repeat-signal"' in page
    assert "3 meldingen over deze werkgever (alle vestigingen)" in page
    assert f'href="/werkgevers/{flagged.pk}/"' in page
    other = Case.objects.filter(employer=quiet).first()
    assert other is not None
    page = client.get(reverse("case_detail", args=[other.reference])).content.decode()
    assert 'data-testid="repeat-signal"' not in page


def test_the_intake_lookup_gives_the_signal(
    client: Client, inspector, flagged_and_not: tuple[Employer, Employer]
) -> None:
    flagged, quiet = flagged_and_not
    client.force_login(inspector)
    data = json.loads(client.get(reverse("employer_lookup"), {"kvk": flagged.kvk_number}).content)
    assert len(data["repeat_signal"]) == 1
    assert data["repeat_signal"][0].startswith("3 meldingen over deze werkgever")
    data = json.loads(client.get(reverse("employer_lookup"), {"kvk": quiet.kvk_number}).content)
    assert data["repeat_signal"] == []
    assert data["employers"]
    # Without JavaScript: the form sent back with the KvK number shows it as well.
    page = client.post(reverse("case_create"), {"kvk_number": flagged.kvk_number}).content.decode()
    assert 'data-testid="repeat-signal"' in page


def test_the_dashboard_counts_flagged_employers_with_a_drill_down(
    client: Client, supervisor, inspector, flagged_and_not: tuple[Employer, Employer]
) -> None:
    flagged, _quiet = flagged_and_not
    branch = EmployerFactory(kvk_number=flagged.kvk_number, establishment_number="000000000001")
    intake(inspector, employer=branch)  # the same KvK number: still one employer
    broken = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    break_agreement(broken, inspector, timezone.now())
    client.force_login(supervisor)
    page = get_dashboard(client)
    assert number_by_testid(page, "count-repeat-employers") == 2
    link = re.search(r'href="(/meldingen/\?[^"]*repeat_employer=yes[^"]*)"', page)
    assert link
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert (
        result_count(listed)
        == Case.objects.filter(
            employer__kvk_number__in=[flagged.kvk_number, broken.employer.kvk_number]
        ).count()
    )


# ---------------------------------------------------------------------------
# The employer page


def test_the_timeline_is_newest_first_across_cases(
    monkeypatch: pytest.MonkeyPatch, client: Client, inspector
) -> None:
    employer = EmployerFactory()
    start = timezone.now() - dt.timedelta(days=10)
    freeze(monkeypatch, start)
    first = intake(inspector, employer=employer, received_at=start - dt.timedelta(hours=1))
    first = services.case_take(case=first, actor=inspector, version=first.version)
    first = services.case_take_into_investigation(
        case=first, actor=inspector, version=first.version
    )
    freeze(monkeypatch, start + dt.timedelta(days=2))
    record_reached_call(first, inspector, called_at=start + dt.timedelta(days=2))
    monkeypatch.undo()  # the clock runs again
    second = intake(inspector, employer=employer, received_at=timezone.now() - dt.timedelta(days=2))
    services.case_take(case=second, actor=inspector, version=second.version)
    services.agreement_add(
        case=first,
        actor=inspector,
        version=fresh(first).version,
        description="Kantoorpersoneel werkt thuis.",
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )
    services.case_confirm_agreements(
        case=first,
        actor=inspector,
        version=fresh(first).version,
        letter_pdf=SAMPLE_PDF,
        template_version="test",
    )
    break_agreement(first, inspector, timezone.now() + dt.timedelta(seconds=1))
    client.force_login(inspector)
    page = client.get(reverse("employer_detail", args=[employer.pk])).content.decode()
    assert timeline_kinds(page) == [
        ("agreement_status", first.reference),
        ("letter", first.reference),
        ("agreement", first.reference),
        ("melding", second.reference),
        ("call", first.reference),
        ("melding", first.reference),
    ]
    assert "Afspraak niet nagekomen" in page
    assert 'data-testid="repeat-signal"' in page  # the broken agreement


def test_another_inspectors_cases_are_only_counted(
    client: Client, inspector, other_inspector, supervisor
) -> None:
    main = EmployerFactory(kvk_number="55667788")
    branch = EmployerFactory(kvk_number="55667788", establishment_number="000000000002")
    mine = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, employer=main)
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector, employer=branch)
    client.force_login(inspector)
    page = client.get(reverse("employer_detail", args=[branch.pk])).content.decode()
    assert number_by_testid(page, "employer-total") == 2
    assert mine.reference in page
    assert theirs.reference not in page
    assert 'data-testid="employer-hidden"' in page
    assert page.count('data-testid="establishment"') == 2
    client.force_login(supervisor)
    page = client.get(reverse("employer_detail", args=[branch.pk])).content.decode()
    assert theirs.reference in page and mine.reference in page
    assert 'data-testid="employer-hidden"' not in page


def test_no_melder_data_on_the_employer_page(client: Client, supervisor, inspector) -> None:
    employer = EmployerFactory()
    melder = services.MelderInput(
        name="Zeer Herkenbare Melder", email="melder@prive.example", phone="0612345678"
    )
    case = intake(inspector, employer=employer, melder=melder, description="Geheime omschrijving")
    record_view_before = Event.objects.filter(kind=EventKind.MELDER_VIEWED).count()
    client.force_login(supervisor)
    page = client.get(reverse("employer_detail", args=[employer.pk])).content.decode()
    assert case.reference in page
    for secret in ("Zeer Herkenbare Melder", "melder@prive.example", "0612345678", "Geheime"):
        assert escape(secret) not in page
    assert Event.objects.filter(kind=EventKind.MELDER_VIEWED).count() == record_view_before


def test_the_employer_page_takes_a_fixed_number_of_queries(
    client: Client, supervisor, inspector
) -> None:
    employer = EmployerFactory()
    client.force_login(supervisor)
    case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector, employer=employer)
    few = statements(client, reverse("employer_detail", args=[employer.pk]))
    for state in (State.RECEIVED, State.EMPLOYER_CALLED, State.AGREEMENTS_CONFIRMED):
        case_in_state(state, inspector=inspector, employer=employer)
    assert len(statements(client, reverse("employer_detail", args=[employer.pk]))) == len(few)
    assert len(few) <= 16, few


def test_every_employer_name_on_the_deadlines_page_links(client: Client, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    page = client.get(reverse("my_deadlines")).content.decode()
    assert f'<a href="/werkgevers/{case.employer_id}/">{escape(case.employer.name)}</a>' in page


# ---------------------------------------------------------------------------
# The surge view and assigning all of an employer's unassigned meldingen


def surge_post(client: Client, employer: Employer, assignee: Any, cases: list[Case]) -> Any:
    return client.post(
        reverse("surge_assign", args=[employer.pk]),
        {
            "assignee": assignee.pk if assignee else "",
            "case": [f"{c.reference}:{fresh(c).version}" for c in cases],
        },
        follow=True,
    )


def test_the_surge_view_lists_the_busiest_employers_first(
    client: Client, supervisor, inspector
) -> None:
    busy, calm = EmployerFactory(name="Druk B.V."), EmployerFactory(name="Kalm B.V.")
    branch = EmployerFactory(kvk_number=busy.kvk_number, establishment_number="000000000003")
    for employer in (busy, busy, branch, calm):
        intake(supervisor, employer=employer)
    case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, employer=calm)
    case_in_state(State.CLOSED, inspector=inspector, employer=calm)  # not open: not counted
    client.force_login(supervisor)
    page = client.get(reverse("surge")).content.decode()
    rows = re.findall(r'data-testid="surge-row" data-employer="(\d+)"', page)
    assert rows == [str(busy.pk), str(calm.pk)]
    opens = [int(n) for n in re.findall(r'data-testid="surge-open">(\d+)<', page)]
    unassigned = [int(n) for n in re.findall(r'data-testid="surge-unassigned">(\d+)', page)]
    assert opens == [3, 2]
    assert unassigned == [3, 1]
    # Both had three meldingen in the last 90 days (a closed one counts: it was received).
    assert page.count('data-testid="repeat-badge"') == 2


def test_assign_all_unassigned_writes_an_event_on_each(
    client: Client, supervisor, inspector, other_inspector
) -> None:
    employer = EmployerFactory()
    queue = [intake(supervisor, employer=employer) for _ in range(3)]
    taken = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector, employer=employer)
    client.force_login(supervisor)
    response = surge_post(client, employer, inspector, queue)
    assert "3 meldingen over" in response.content.decode()
    for case in queue:
        now = fresh(case)
        assert now.assignee_id == inspector.pk
        assert now.version == case.version + 1
        event = Event.objects.filter(case=case, kind=EventKind.ASSIGNED).get()
        assert event.actor_id == supervisor.pk
        assert event.data == {"assignee_id": inspector.pk, "previous_assignee_id": None}
    assert fresh(taken).assignee_id == other_inspector.pk


def test_assign_all_changes_nothing_when_one_was_taken_meanwhile(
    client: Client, supervisor, inspector, other_inspector
) -> None:
    employer = EmployerFactory()
    queue = [intake(supervisor, employer=employer) for _ in range(3)]
    seen = [f"{c.reference}:{c.version}" for c in queue]
    services.case_take(case=queue[1], actor=other_inspector, version=queue[1].version)
    client.force_login(supervisor)
    response = client.post(
        reverse("surge_assign", args=[employer.pk]),
        {"assignee": inspector.pk, "case": seen},
        follow=True,
    )
    page = response.content.decode()
    assert f"Intussen is {queue[1].reference} toegewezen of gewijzigd" in page
    assert fresh(queue[0]).assignee_id is None and fresh(queue[2]).assignee_id is None


def test_assign_all_changes_nothing_when_a_melding_came_in_meanwhile(
    client: Client, supervisor, inspector
) -> None:
    employer = EmployerFactory()
    queue = [intake(supervisor, employer=employer) for _ in range(2)]
    seen = [f"{c.reference}:{c.version}" for c in queue]
    late = intake(supervisor, employer=employer)
    client.force_login(supervisor)
    response = client.post(
        reverse("surge_assign", args=[employer.pk]),
        {"assignee": inspector.pk, "case": seen},
        follow=True,
    )
    assert f"Intussen is {late.reference} binnengekomen" in response.content.decode()
    assert not Case.objects.filter(employer=employer, assignee__isnull=False).exists()


def test_assign_all_needs_someone_who_handles_cases(
    client: Client, supervisor, functional_admin
) -> None:
    employer = EmployerFactory()
    queue = [intake(supervisor, employer=employer)]
    client.force_login(supervisor)
    page = surge_post(client, employer, None, queue).content.decode()
    assert "Kies wie deze meldingen behandelt." in page
    page = surge_post(client, employer, functional_admin, queue).content.decode()
    assert "Kies iemand die meldingen behandelt." in page
    assert fresh(queue[0]).assignee_id is None


def test_the_service_refuses_an_inspector(inspector, other_inspector, supervisor) -> None:
    employer = EmployerFactory()
    case = intake(supervisor, employer=employer)
    with pytest.raises(services.NotPermittedError):
        services.employer_assign_unassigned(
            employer=employer,
            actor=inspector,
            assignee=other_inspector,
            versions={case.reference: case.version},
        )
    assert fresh(case).assignee_id is None
