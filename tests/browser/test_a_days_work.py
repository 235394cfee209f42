"""A day's work without friction, in a real browser: the employer lookup at intake, the
header search, the deadlines view, the error summary, the error pages, and every page at
1366, 390 and 320 px (no sideways scrolling, axe clean, a screenshot of each)."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case, State
from cases.services import MelderInput
from cases.services.bundles import bundle_attach
from tests.browser.conftest import assert_no_horizontal_scroll, check_accessibility, login
from tests.factories import EmployerFactory
from tests.helpers import add_agreement, case_in_state, intake

LONG_EMAIL = "medewerker.salarisadministratie.afdeling.noord@zeer-lange-domeinnaam.example"


def test_intake_by_kvk_number_alone_for_an_employer_with_establishments(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any
) -> None:
    first = EmployerFactory(name="Ketenbedrijf B.V.", kvk_number="60000002")
    first.establishment_number = "000012345678"
    first.visit_city = "Utrecht"
    first.save()
    second = EmployerFactory(
        name="Ketenbedrijf B.V.",
        kvk_number="60000002",
        establishment_number="000087654321",
        visit_city="Zwolle",
    )
    login(page, live_server, inspector.username)
    page.get_by_role("link", name="Nieuwe melding").click()
    page.get_by_label("Telefoon", exact=True).check()
    page.get_by_label("Niet mogen thuiswerken").check()
    page.get_by_label("Omschrijving van de melding").fill("Iedereen moet naar kantoor komen.")
    page.get_by_label("KvK-nummer").fill("60000002")
    choices = page.get_by_role("group", name="Geregistreerde vestigingen van KvK-nummer 60000002")
    expect(choices).to_be_visible()
    expect(choices.get_by_role("radio")).to_have_count(3)  # two establishments and "another"
    check_accessibility(page, "intake-kvk-establishments")
    choices.get_by_label(re.compile("Zwolle")).check()
    page.get_by_label("De melder wil anoniem blijven").check()
    page.get_by_role("button", name="Melding registreren").click()
    case = Case.objects.get()
    assert case.employer == second
    message = page.get_by_role("status").first
    expect(message).to_contain_text(f"Melding {case.reference} is geregistreerd")
    message.get_by_role("link", name=f"Melding {case.reference} openen").click()
    expect(page).to_have_url(f"{live_server.url}/meldingen/{case.reference}/")
    expect(page.locator("#werkgever")).to_contain_text("000087654321")


def test_header_search_goes_to_the_case(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any
) -> None:
    case = case_in_state(
        State.UNDER_INVESTIGATION,
        inspector=inspector,
        employer=EmployerFactory(name="Zoekbaar B.V."),
    )
    login(page, live_server, inspector.username)
    search = page.get_by_role("search")
    search.get_by_label("Zoeken").fill(case.reference.lower())
    search.get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(f"{live_server.url}/meldingen/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    page.get_by_role("search").get_by_label("Zoeken").fill("Zoekbaar")
    page.get_by_role("search").get_by_role("button", name="Zoeken").click()
    expect(page).to_have_url(re.compile(r"/meldingen/mijn/\?q=Zoekbaar$"))
    expect(page.get_by_test_id("result-count")).to_have_text("1 melding")
    tag = page.get_by_role("link", name=re.compile("Zoeken: Zoekbaar"))
    expect(tag).to_be_visible()
    check_accessibility(page, "search-results")
    tag.click()
    expect(page).to_have_url(re.compile(r"/meldingen/mijn/\?$"))


def test_the_deadlines_view(page: Any, live_server: Any, csp_watch: Any, inspector: Any) -> None:
    late = case_in_state(
        State.RECEIVED,
        inspector=inspector,
        received_at=timezone.now() - timezone.timedelta(days=40),
    )
    confirmed = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    called = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    add_agreement(called, inspector, description="Thuiswerkbeleid op intranet", days=2)
    login(page, live_server, inspector.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn termijnen"
    ).click()
    expect(page.get_by_role("heading", name="Mijn termijnen", level=1)).to_be_visible()
    overdue = page.get_by_test_id("deadlines-verstreken")
    expect(overdue.get_by_role("heading", name=re.compile("Verstreken"))).to_be_visible()
    expect(overdue.get_by_role("link", name=late.reference)).to_be_visible()
    everything = page.get_by_test_id("deadline")
    expect(everything).to_have_count(3)
    expect(page.get_by_text("Thuiswerkbeleid op intranet")).to_be_visible()
    expect(page.get_by_role("link", name=confirmed.reference)).to_be_visible()
    check_accessibility(page, "my-deadlines")
    page.get_by_role("link", name=called.reference).click()
    expect(page).to_have_url(f"{live_server.url}/meldingen/{called.reference}/")


def test_the_error_summary_takes_focus_and_links_to_the_fields(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any
) -> None:
    login(page, live_server, inspector.username)
    page.goto(f"{live_server.url}/meldingen/nieuw/")
    page.get_by_label("Omschrijving van de melding").fill("")
    page.get_by_role("button", name="Melding registreren").click()
    summary = page.get_by_role("alert").filter(has_text="De melding is nog niet opgeslagen")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Kanaal:")).click()
    expect(page.get_by_role("group", name="Kanaal").get_by_role("radio").first).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Omschrijving van de melding:")).click()
    expect(page.get_by_label("Omschrijving van de melding")).to_be_focused()
    check_accessibility(page, "intake-error-summary")


def test_the_404_and_403_pages(page: Any, live_server: Any, csp_watch: Any, inspector: Any):
    login(page, live_server, inspector.username)
    page.goto(f"{live_server.url}/meldingen/TW-1999-00001/")
    expect(page.get_by_role("heading", name="Pagina niet gevonden", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()
    check_accessibility(page, "error-404")
    page.goto(f"{live_server.url}/dashboard/")
    expect(
        page.get_by_role("heading", name="U heeft geen toegang tot deze pagina", level=1)
    ).to_be_visible()
    check_accessibility(page, "error-403")
    page.get_by_role("link", name="Naar de startpagina").click()
    expect(page).to_have_url(f"{live_server.url}/")
    # A NUL byte in the query: 400, in the site's layout.
    page.goto(f"{live_server.url}/meldingen/?q=%00")
    expect(page.get_by_role("heading", name="Verzoek niet begrepen", level=1)).to_be_visible()
    expect(page.get_by_text("Foutcode 400")).to_be_visible()
    check_accessibility(page, "error-400")
    # A form sent without its CSRF token (as after a long pause): "the form has expired".
    page.evaluate(
        """() => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = "/meldingen/nieuw/";
            document.body.append(form);
            form.submit();
        }"""
    )
    expect(page.get_by_role("heading", name="Het formulier is verlopen", level=1)).to_be_visible()
    check_accessibility(page, "error-403-csrf")


# ---------------------------------------------------------------------------
# Every page, at three widths, as an inspector and as a team leader


def _cases_for_every_page(inspector: Any, supervisor: Any) -> dict[str, Case]:
    long = EmployerFactory(
        name="Internationale Vereniging voor Samenwerkende Zorgaanbieders Noordoost-Nederland",
        contact_email=LONG_EMAIL,
    )
    melder = MelderInput(name="Anne-Marie van den Heuvel-Oosterhuis", email=LONG_EMAIL)
    cases = {
        "received": case_in_state(State.RECEIVED, inspector=inspector, melder=melder),
        "investigation": case_in_state(
            State.UNDER_INVESTIGATION, inspector=inspector, employer=long, melder=melder
        ),
        "called": case_in_state(State.EMPLOYER_CALLED, inspector=inspector, employer=long),
        "confirmed": case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector),
        "closed": case_in_state(State.CLOSED, inspector=inspector),
        "queue": intake(supervisor),
    }
    add_agreement(cases["called"], inspector, description="Alle kantoorfuncties werken thuis.")
    # Bundled handling: a lead with one case attached and one more to offer (its section, the
    # table and the attach form), and the attached case (the lead named, the detach button).
    together = EmployerFactory(name="Samenwerkende Scholengemeenschap Oost")
    cases["bundle-lead"] = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, employer=together
    )
    cases["bundle-attached"] = case_in_state(State.RECEIVED, inspector=inspector, employer=together)
    intake(supervisor, employer=together)
    bundle_attach(
        case=cases["bundle-lead"],
        actor=inspector,
        version=cases["bundle-lead"].version,
        cases=[cases["bundle-attached"].pk],
    )
    # A third melding about the long-named employer, in the intake queue: a repeat signal on
    # its pages, and something to assign on the surge view.
    intake(supervisor, employer=long)
    return cases


def _pages(cases: dict[str, Case], team_leader: bool) -> dict[str, str]:
    pages = {
        "home": "/",
        "intake": "/intake/",
        "my-cases": "/meldingen/mijn/",
        "my-deadlines": "/meldingen/termijnen/",
        "new-case": "/meldingen/nieuw/",
        "search": "/meldingen/mijn/?q=Vereniging&state=received&topic=werkdruk",
        "not-found": "/meldingen/TW-1999-00001/",
    }
    pages.update({f"case-{name}": f"/meldingen/{c.reference}/" for name, c in cases.items()})
    # The employer page: the long name, with a call, an agreement, and the repeat signal.
    pages["employer"] = f"/werkgevers/{cases['called'].employer_id}/"
    if team_leader:
        pages.update(
            {
                "all-cases": "/meldingen/",
                "dashboard": "/dashboard/?received_after=2021-01-25&received_before=2021-04-09",
                "dashboard-known-on": "/dashboard/?received_after=2021-01-25"
                f"&received_before=2021-04-09&known_on={timezone.localdate().isoformat()}",
                "snapshots": "/dashboard/cijfers/",
                "surge": "/werkgevers/drukte/",
            }
        )
    else:
        pages["forbidden"] = "/dashboard/"
    return pages


def _every_page(page: Any, live_server: Any, role: str, pages: dict[str, str]) -> None:
    for width in (1366, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            expected = 403 if name == "forbidden" else 404 if name == "not-found" else 200
            assert response.status == expected, (name, response.status)
            label = f"every-page-{role}-{width}-{name}"
            if width != 1366:
                assert_no_horizontal_scroll(page, label)
            if width != 320:
                # Open the forms and panels, so that axe (and the screenshot) sees them too.
                # (By every <details>: a list of the closed ones' summaries is by position and
                # shifts as each one opens, which left every other form closed.)
                for details in page.locator("details").all():
                    summary = details.locator("> summary")
                    if details.get_attribute("open") is None and summary.is_visible():
                        summary.click()
                if width != 1366:
                    assert_no_horizontal_scroll(page, f"{label} (opened)")
                check_accessibility(page, label)


def test_every_page_fits_a_phone_and_is_accessible_for_an_inspector(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    cases = _cases_for_every_page(inspector, supervisor)
    login(page, live_server, inspector.username)
    _every_page(page, live_server, "inspector", _pages(cases, team_leader=False))


def test_every_page_fits_a_phone_and_is_accessible_for_a_team_leader(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    cases = _cases_for_every_page(inspector, supervisor)
    snapshot = services.snapshot_create(
        actor=supervisor,
        params=QueryDict("received_after=2021-01-25&received_before=2021-04-09"),
        label="Kamerbrief 1172",
    )
    login(page, live_server, supervisor.username)
    pages = _pages(cases, team_leader=True)
    pages["snapshot"] = f"/dashboard/cijfers/{snapshot.pk}/"
    _every_page(page, live_server, "team-leader", pages)


def test_the_login_page_fits_a_phone(page: Any, live_server: Any, csp_watch: Any, db: Any):
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/inloggen/")
        assert_no_horizontal_scroll(page, f"login-{width}")
        check_accessibility(page, f"every-page-anonymous-{width}-login")


def _focus_ring(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {outline: s.outlineColor, width: s.outlineWidth, shadow: s.boxShadow};
        }"""
    )


def test_focus_is_visible_everywhere_and_follows_the_page_on_a_phone(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any
) -> None:
    """A yellow ring inside a black one (one of them has 3:1 against any background here),
    and on a phone the Tab order goes from the case's heading to its actions panel."""
    case = case_in_state(State.RECEIVED, inspector=inspector)
    login(page, live_server, inspector.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/meldingen/{case.reference}/")
    page.locator(".breadcrumb a").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="In onderzoek nemen")).to_be_focused()
    ring = _focus_ring(page)  # on the light grey of the actions panel
    assert ring["outline"] == "rgb(27, 27, 27)" and ring["width"] == "3px"
    assert "rgb(255, 182, 18)" in ring["shadow"]
    page.keyboard.press("Shift+Tab")
    expect(page.locator(".breadcrumb a")).to_be_focused()
    assert _focus_ring(page)["outline"] == "rgb(27, 27, 27)"  # on white
    page.get_by_role("search").get_by_label("Zoeken").focus()  # in the dark blue header
    ring = _focus_ring(page)
    assert ring["outline"] == "rgb(255, 182, 18)" and "rgb(27, 27, 27)" in ring["shadow"]
