"""The Kamerbrief process on the case page, in a real browser, with axe in every state."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, EventKind, Outcome, State
from cases.services import MelderInput
from tests.browser.conftest import check_accessibility, login
from tests.helpers import intake


def open_action(page: Any, name: str) -> Any:
    """The <details> of an action, opened; returns its locator."""
    block = page.locator(f'details[data-action="{name}"]').first
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    return block


def state_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).state


def test_inspector_handles_a_melding_from_intake_to_closing(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    case = intake(
        supervisor,
        melder=MelderInput(name="Browser Melder", email="browser@mail.example"),
        description="Mijn afdeling moet elke dag naar kantoor.",
    )
    login(page, live_server, inspector.username)
    page.goto(f"{live_server.url}/meldingen/{case.reference}/")
    expect(page.get_by_test_id("melder")).to_have_count(0)
    check_accessibility(page, "case-queue")
    page.get_by_role("button", name="Melding oppakken").click()
    expect(page.get_by_test_id("melder")).to_contain_text("Browser Melder")
    check_accessibility(page, "case-received")

    page.get_by_role("button", name="In onderzoek nemen").click()
    expect(page.get_by_test_id("case-state")).to_have_text("In onderzoek")
    check_accessibility(page, "case-under-investigation")

    earlier = timezone.localtime() - dt.timedelta(days=1)
    attempt = open_action(page, "call_attempt")
    attempt.get_by_label("Datum").fill(earlier.date().isoformat())
    attempt.get_by_label("Tijd").fill("10:15")
    attempt.get_by_role("button").click()
    expect(page.get_by_test_id("call")).to_have_count(1)

    call = open_action(page, "call")
    call.get_by_label("Mevrouw", exact=True).check()
    call.get_by_label("Voorletters of voornaam").fill("A.")
    call.get_by_label("Tussenvoegsel").fill("de")
    call.get_by_label("Achternaam").fill("Boer")
    call.get_by_label(re.compile("strikt noodzakelijk")).check()
    call.get_by_label("Herkent zich gedeeltelijk in de melding").check()
    call.get_by_label("Getoonde maatregelen").fill("Rooster met thuiswerkdagen")
    check_accessibility(page, "case-call-form")
    call.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Werkgever gebeld")
    check_accessibility(page, "case-employer-called")
    expect(page.get_by_test_id("call").nth(1)).to_contain_text("Gesproken met mevrouw A. de Boer")

    # The person spoken to was someone else: corrected on the call, before the letter.
    correct = open_action(page, "call_edit")
    correct.get_by_label("Neutraal (geen aanspreekvorm)").check()
    correct.get_by_label("Voorletters of voornaam").fill("Sam")
    correct.get_by_label("Achternaam").fill("Bergsma")
    correct.get_by_label("Tussenvoegsel").fill("")
    check_accessibility(page, "case-call-edit")
    correct.get_by_role("button", name="Gesprekspartner opslaan").click()
    expect(page.get_by_test_id("call").nth(1)).to_contain_text("Gesproken met Sam Bergsma")

    due = (timezone.localdate() + dt.timedelta(days=21)).isoformat()
    texts = ("Kantoorpersoneel werkt thuis", "Thuiswerkbeleid naar alle medewerkers")
    for count, text in enumerate(texts, start=1):
        add = open_action(page, "agreement_add")
        add.get_by_label("Afspraak").fill(text)
        add.get_by_label("Uiterlijk").fill(due)
        add.get_by_role("button").click()
        # Wait for the page after the post before opening the next form.
        expect(page.get_by_test_id("agreement")).to_have_count(count)

    page.get_by_role("button", name="Afspraken bevestigen en brief versturen").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Afspraken per brief bevestigd")
    expect(page.get_by_test_id("letter")).to_have_count(1)
    check_accessibility(page, "case-agreements-confirmed")

    for index in range(2):
        block = page.locator('details[data-action="agreement_status"]').nth(index)
        block.locator("summary").click()
        block.get_by_label("Nagekomen", exact=True).check()
        block.get_by_role("button").click()
        expect(page.get_by_role("status").first).to_contain_text("vastgelegd")
        status_cell = page.get_by_test_id("agreement").nth(index).locator("td").nth(2)
        expect(status_cell).to_have_text("Nagekomen")
    close = open_action(page, "close")
    close.get_by_label("Afspraken nagekomen").check()
    close.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("Afgesloten")
    expect(page.get_by_test_id("case-outcome")).to_contain_text("Afspraken nagekomen")
    check_accessibility(page, "case-closed")
    assert Case.objects.get(pk=case.pk).outcome == Outcome.AFSPRAKEN_NAGEKOMEN

    page.get_by_role("button", name="Uitloggen").click()
    login(page, live_server, supervisor.username)
    page.goto(f"{live_server.url}/meldingen/{case.reference}/")
    reopen = open_action(page, "reopen")
    reopen.get_by_label("Reden voor heropenen").fill("Nieuwe melding over dezelfde afdeling")
    reopen.get_by_role("button").click()
    expect(page.get_by_test_id("case-state")).to_have_text("In onderzoek")
    check_accessibility(page, "case-reopened")
    kinds = list(Case.objects.get(pk=case.pk).events.values_list("kind", flat=True))
    assert kinds.count(EventKind.REOPEN) == 1


def test_decline_and_stale_page_from_two_browsers(
    browser: Any, live_server: Any, inspector: Any, supervisor: Any
) -> None:
    case = intake(supervisor)
    first = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    second = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    mine, theirs = first.new_page(), second.new_page()
    login(mine, live_server, inspector.username)
    login(theirs, live_server, supervisor.username)
    mine.goto(f"{live_server.url}/meldingen/{case.reference}/")
    mine.get_by_role("button", name="Melding oppakken").click()
    expect(mine.get_by_test_id("case-state")).to_have_text("Ontvangen")

    # Both have the page open; the supervisor acts first.
    theirs.goto(f"{live_server.url}/meldingen/{case.reference}/")
    decline = open_action(mine, "decline")
    decline.get_by_label("Onvoldoende informatie").check()
    theirs.get_by_role("button", name="In onderzoek nemen").click()
    expect(theirs.get_by_test_id("case-state")).to_have_text("In onderzoek")

    decline.get_by_role("button").click()
    expect(mine.get_by_role("alert").first).to_contain_text("intussen gewijzigd")
    expect(mine.locator("#stale")).to_contain_text("In onderzoek genomen")
    expect(mine.get_by_label("Onvoldoende informatie")).to_be_checked()
    check_accessibility(mine, "case-stale")
    assert state_of(case) == State.UNDER_INVESTIGATION

    # A plain decline on another case.
    other = intake(supervisor)
    theirs.goto(f"{live_server.url}/meldingen/{other.reference}/")
    assign = open_action(theirs, "assign")
    assign.get_by_label("Toewijzen aan").select_option(label=inspector.get_full_name())
    assign.get_by_role("button").click()
    expect(theirs.get_by_role("status").first).to_contain_text("toegewezen")
    decline = open_action(theirs, "decline")
    decline.get_by_label("Buiten bevoegdheid").check()
    decline.get_by_role("button").click()
    expect(theirs.get_by_test_id("case-state")).to_have_text("Afgesloten")
    check_accessibility(theirs, "case-declined")
    first.close()
    second.close()
