"""An inspector's and a supervisor's day in a real browser, with axe on every page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from cases.models import Case, Melder, State
from tests.browser.conftest import check_accessibility, login
from tests.factories import EmployerFactory
from tests.helpers import case_in_state, intake


def employer_names(*names: str) -> list[re.Pattern[str]]:
    """Employer cells in this order: each starts with "<name> B.V." (a city may follow)."""
    return [re.compile(rf"^\s*{re.escape(name)} B\.V\.") for name in names]


def test_login_page_is_accessible(page: Any, live_server: Any, csp_watch: Any, db: Any) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/inloggen/\?next=/$"))
    check_accessibility(page, "login")
    page.get_by_label("Gebruikersnaam").fill("niemand")
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("onjuist")
    check_accessibility(page, "login-error")


def test_inspector_registers_and_takes_meldingen(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    login(page, live_server, inspector.username)
    check_accessibility(page, "inspector-home")

    # A named melding, first with mistakes: errors per field, input kept.
    page.get_by_role("link", name="Nieuwe melding").click()
    check_accessibility(page, "inspector-intake-form")
    page.get_by_label("Telefoon", exact=True).check()
    page.get_by_label("Niet mogen thuiswerken").check()
    page.get_by_label("Omschrijving van de melding").fill("Werkgever verbiedt thuiswerken.")
    page.get_by_label("KvK-nummer").fill("1234")
    page.get_by_label("Naam werkgever").fill("Browserbedrijf B.V.")
    page.get_by_label("Naam melder").fill("Mila Melder")
    page.get_by_label("E-mailadres melder").fill("geen-adres")
    page.get_by_role("button", name="Melding registreren").click()
    expect(page.get_by_role("alert").first).to_contain_text("nog niet opgeslagen")
    # Next to the fields (the error summary at the top repeats them as links).
    errors = page.locator(".field__errors")
    expect(errors.get_by_text("Een KvK-nummer bestaat uit precies 8 cijfers")).to_be_visible()
    expect(errors.get_by_text("Vul een geldig e-mailadres in.")).to_be_visible()
    expect(page.get_by_label("KvK-nummer")).to_have_value("1234")
    expect(page.get_by_label("Naam melder")).to_have_value("Mila Melder")
    expect(page.get_by_label("Niet mogen thuiswerken")).to_be_checked()
    check_accessibility(page, "inspector-intake-errors")
    assert not Case.objects.exists()

    page.get_by_label("KvK-nummer").fill("")
    page.get_by_label("E-mailadres melder").fill("mila@mail.example")
    page.get_by_role("button", name="Melding registreren").click()
    expect(page).to_have_url(f"{live_server.url}/intake/")
    named = Case.objects.get()
    expect(page.get_by_role("status").first).to_contain_text(named.reference)
    assert Melder.objects.get(case=named).name == "Mila Melder"

    # An anonymous melding.
    page.get_by_role("link", name="Nieuwe melding").click()
    page.get_by_label("Webformulier").check()
    page.get_by_label("Werkdruk / psychosociale arbeidsbelasting").check()
    page.get_by_label("Omschrijving van de melding").fill("Anoniem: te hoge werkdruk.")
    page.get_by_label("Naam werkgever").fill("Anoniem Bedrijf B.V.")
    page.get_by_label("De melder wil anoniem blijven").check()
    page.get_by_role("button", name="Melding registreren").click()
    expect(page).to_have_url(f"{live_server.url}/intake/")
    anonymous = Case.objects.exclude(pk=named.pk).get()
    assert not Melder.objects.filter(case=anonymous).exists()

    # The intake queue shows both, without melder data; take one.
    check_accessibility(page, "inspector-intake-queue")
    expect(page.get_by_text("Mila Melder")).to_have_count(0)
    row = page.locator(f'tr[data-reference="{named.reference}"]')
    row.get_by_role("button", name=re.compile("Oppakken")).click()
    expect(page.get_by_role("status").first).to_contain_text("opgepakt")
    assert Case.objects.get(pk=named.pk).assignee == inspector

    page.get_by_role("link", name="Mijn meldingen").click()
    expect(page.locator(f'tr[data-reference="{named.reference}"]')).to_be_visible()
    check_accessibility(page, "inspector-my-cases")


def test_supervisor_filters_and_sorts_all_meldingen(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    alpha = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, employer=EmployerFactory(name="Alfa B.V.")
    )
    omega = case_in_state(
        State.RECEIVED,
        inspector=inspector,
        employer=EmployerFactory(name="Omega B.V.", sector_id="K"),
        topic_codes=("werkdruk",),
    )
    queued = intake(supervisor, employer=EmployerFactory(name="Midden B.V."))
    login(page, live_server, supervisor.username)
    page.get_by_role("link", name="Alle meldingen").click()
    check_accessibility(page, "supervisor-all-cases")
    expect(page.get_by_test_id("result-count")).to_have_text("3 meldingen")

    # Sorting navigates; the web-first assertion waits for the new page instead of
    # reading the rows of the page that is being replaced.
    employer_cells = page.locator("tbody tr td:nth-child(3)")
    # The column's sort link (the menu's "Werkgevers" is a link too).
    employer_sort = page.locator("thead a.sort-link", has_text="Werkgever")
    employer_sort.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=employer(&|$)"))
    expect(employer_cells).to_have_text(employer_names("Alfa", "Midden", "Omega"))
    employer_sort.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-employer(&|$)"))
    expect(employer_cells).to_have_text(employer_names("Omega", "Midden", "Alfa"))

    page.get_by_text("Filteren", exact=True).click()
    page.get_by_role("group", name="Status").get_by_label("In onderzoek").check()
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 melding")
    expect(page.locator(f'tr[data-reference="{alpha.reference}"]')).to_be_visible()
    check_accessibility(page, "supervisor-all-cases-filtered")

    page.get_by_role("link", name="Filters wissen").click()
    page.get_by_text("Filteren", exact=True).click()
    # The filter panel's search field (the header has a search box of its own).
    page.locator("details.filters").get_by_label("Zoeken").fill("Omega")
    page.get_by_role("button", name="Filter toepassen").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 melding")
    expect(page.locator(f'tr[data-reference="{omega.reference}"]')).to_be_visible()

    page.get_by_role("link", name="Intake").click()
    expect(page.locator(f'tr[data-reference="{queued.reference}"]')).to_be_visible()
    check_accessibility(page, "supervisor-intake-queue")
    page.get_by_role("link", name="Nieuwe melding").click()
    check_accessibility(page, "supervisor-intake-form")
    page.get_by_role("link", name="Start").click()
    check_accessibility(page, "supervisor-home")
