"""Employers in a real browser: the repeat signal at intake (the KvK lookup), the employer
page from a case, and assigning an employer's unassigned cases on the surge view."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from cases.models import Case, Event, EventKind
from tests.browser.conftest import check_accessibility, login
from tests.factories import EmployerFactory
from tests.helpers import intake


def test_the_intake_form_warns_about_a_repeat_employer(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    employer = EmployerFactory(name="Steeds Weer B.V.", kvk_number="70000003")
    for _ in range(3):
        intake(supervisor, employer=employer)
    quiet = EmployerFactory(name="Eenmalig B.V.", kvk_number="70000004")
    login(page, live_server, inspector.username)
    page.goto(f"{live_server.url}/meldingen/nieuw/")
    page.get_by_label("KvK-nummer").fill(quiet.kvk_number)
    expect(
        page.get_by_role(
            "group", name=f"Geregistreerde vestigingen van KvK-nummer {quiet.kvk_number}"
        )
    ).to_be_visible()
    expect(page.get_by_test_id("repeat-signal")).to_have_count(0)
    page.get_by_label("KvK-nummer").fill(employer.kvk_number)
    signal = page.get_by_test_id("repeat-signal")
    expect(signal).to_contain_text("Terugkerende werkgever")
    expect(signal).to_contain_text("3 meldingen over deze werkgever (alle vestigingen)")
    check_accessibility(page, "intake-repeat-signal")


def test_from_a_case_to_its_employer_and_assigning_all_unassigned(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    employer = EmployerFactory(name="Piekdrukte B.V.", kvk_number="70000005")
    queue = [intake(supervisor, employer=employer) for _ in range(3)]
    login(page, live_server, supervisor.username)
    page.goto(f"{live_server.url}/meldingen/{queue[0].reference}/")
    page.get_by_test_id("employer-link").click()
    expect(page).to_have_url(f"{live_server.url}/werkgevers/{employer.pk}/")
    expect(page.get_by_test_id("employer-total")).to_have_text("3")
    expect(page.get_by_test_id("timeline-item")).to_have_count(3)
    check_accessibility(page, "employer-page-repeat")
    page.get_by_role("link", name="Werkgevers", exact=True).click()
    row = page.locator(f'[data-testid="surge-row"][data-employer="{employer.pk}"]')
    expect(row.get_by_test_id("surge-unassigned")).to_contain_text("3")
    check_accessibility(page, "surge")
    row.get_by_label("Toewijzen aan").select_option(label=inspector.get_full_name())
    row.get_by_role("button", name="3 meldingen toewijzen").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"3 meldingen over Piekdrukte B.V. zijn toegewezen aan {inspector.get_full_name()}"
    )
    assert set(Case.objects.filter(employer=employer).values_list("assignee", flat=True)) == {
        inspector.pk
    }
    assert Event.objects.filter(case__employer=employer, kind=EventKind.ASSIGNED).count() == 3
    expect(
        page.locator(f'[data-testid="surge-row"][data-employer="{employer.pk}"]').get_by_test_id(
            "surge-unassigned"
        )
    ).to_have_text("0")
    page.set_viewport_size({"width": 390, "height": 900})
    check_accessibility(page, "surge-390")
