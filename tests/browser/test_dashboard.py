"""The supervisor dashboard, a drill-down and recorded figures in a real browser, with axe."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Outcome, State
from tests.browser.conftest import ARTIFACTS, check_accessibility, login
from tests.factories import EmployerFactory
from tests.helpers import fresh, intake, record_reached_call


def _cases_in_the_kamerbrief_period(inspector: Any, supervisor: Any) -> dict[str, int]:
    """26 meldingen over ten weeks of the period, in several states, sectors and topics."""
    start = timezone.make_aware(dt.datetime(2021, 1, 25, 9, 30))
    investigated = declined = only = 0
    for i in range(26):
        topics = ("niet_mogen_thuiswerken",) if i % 3 else ("niet_mogen_thuiswerken", "werkdruk")
        only += i % 3 != 0
        case = intake(
            supervisor,
            employer=EmployerFactory(sector_id="JKQNG"[i % 5]),
            topic_codes=topics,
            received_at=start + dt.timedelta(days=(i * 71) % 74, hours=i % 7),
        )
        if i % 4 == 3:
            continue  # stays in the intake queue
        case = services.case_take(case=case, actor=inspector, version=case.version)
        if i % 5 == 1:
            services.case_decline(
                case=case, actor=inspector, version=case.version, outcome=Outcome.INGETROKKEN
            )
            declined += 1
            continue
        case = services.case_take_into_investigation(
            case=case, actor=inspector, version=case.version
        )
        investigated += 1
        if i % 2 == 0:
            record_reached_call(case, inspector, employer_response="nee" if i % 6 == 0 else "ja")
    assert fresh(case).state in {State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED}
    return {"received": 26, "investigated": investigated, "only": only, "declined": declined}


def test_supervisor_reads_drills_down_and_records_figures(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    expected = _cases_in_the_kamerbrief_period(inspector, supervisor)
    login(page, live_server, supervisor.username)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    check_accessibility(page, "supervisor-dashboard")

    page.get_by_test_id("preset-kamerbrief").click()
    expect(page).to_have_url(re.compile(r"received_after=2021-01-25&received_before=2021-04-09"))
    expect(page.get_by_test_id("count-received")).to_have_text(str(expected["received"]))
    expect(page.get_by_test_id("count-investigated")).to_have_text(str(expected["investigated"]))
    expect(page.get_by_test_id("count-only-not-allowed")).to_have_text(str(expected["only"]))
    expect(page.get_by_test_id("count-declined")).to_have_text(str(expected["declined"]))
    expect(page.get_by_test_id("ministry-paragraph")).to_contain_text("25 januari")
    page_paragraph = " ".join(page.get_by_test_id("ministry-paragraph").input_value().split())
    expect(page.get_by_test_id("week-chart")).to_be_visible()
    # Open the table alternative and the filters, so axe checks them too.
    page.locator("details.chart__table > summary").click()
    expect(page.get_by_test_id("weeks")).to_be_visible()
    page.locator("details.definitions > summary").click()
    page.locator("details.filters > summary").click()
    check_accessibility(page, "supervisor-dashboard-kamerbrief")

    # The reference date: as known at the end of today, the same figures, said so, without
    # links to today's lists; as known yesterday, none of these meldingen (registered today).
    today = timezone.localdate()
    page.get_by_label("Cijfers zoals bekend op").fill(today.isoformat())
    page.get_by_role("button", name="Toon de cijfers van toen").click()
    expect(page).to_have_url(re.compile(rf"received_before=2021-04-09&known_on={today}"))
    expect(page.get_by_test_id("count-received")).to_have_text(str(expected["received"]))
    expect(page.get_by_test_id("count-investigated")).to_have_text(str(expected["investigated"]))
    expect(page.get_by_test_id("known-on-note")).to_contain_text("geen geschiedenis")
    expect(page.get_by_test_id("ministry-paragraph")).to_contain_text("Dit is de stand per")
    page.locator("details.definitions > summary").click()
    check_accessibility(page, "supervisor-dashboard-known-on")
    yesterday = today - dt.timedelta(days=1)
    page.get_by_label("Cijfers zoals bekend op").fill(yesterday.isoformat())
    page.get_by_role("button", name="Toon de cijfers van toen").click()
    expect(page.get_by_test_id("count-received")).to_have_text("0")
    page.get_by_label("Cijfers zoals bekend op").fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Toon de cijfers van toen").click()
    expect(page.locator(".field__errors")).to_contain_text("niet na vandaag")
    check_accessibility(page, "supervisor-dashboard-known-on-error")
    page.get_by_test_id("known-on-clear").click()
    expect(page).to_have_url(re.compile(r"received_before=2021-04-09$"))

    # The figures report of the same filter: a PDF download, made with the page's figures.
    report_link = page.get_by_test_id("figures-report")
    expect(report_link).to_contain_text("PDF")
    with page.expect_download() as info:
        report_link.click()
    download = info.value
    assert re.fullmatch(
        r"cijfers-thuiswerken_2021-01-25_2021-04-09_\d{8}-\d{4}\.pdf", download.suggested_filename
    )
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(pdf)).pages)
    assert page_paragraph in " ".join(text.split())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "figures-report.pdf").write_bytes(pdf)

    # Drill down: the list shows the same number.
    page.get_by_test_id("count-investigated").click()
    expect(page).to_have_url(re.compile(r"/meldingen/\?.*investigated=yes"))
    expect(page.get_by_test_id("result-count")).to_have_text(
        f"{expected['investigated']} meldingen"
    )
    page.go_back()

    # Record the figures; the detail page shows exactly them.
    page.locator("#snapshot-label").fill("Kamerbrief 1172, controle")
    page.get_by_test_id("snapshot-create").click()
    expect(page).to_have_url(re.compile(r"/dashboard/cijfers/\d+/$"))
    expect(page.get_by_test_id("count-received")).to_have_text(str(expected["received"]))
    expect(page.get_by_test_id("count-investigated")).to_have_text(str(expected["investigated"]))
    page.locator("details.chart__table > summary").click()
    check_accessibility(page, "supervisor-snapshot-detail")

    page.locator(".breadcrumb a").click()
    expect(page.get_by_test_id("snapshots")).to_contain_text("Kamerbrief 1172, controle")
    check_accessibility(page, "supervisor-snapshot-list")

    # A narrow screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/?received_after=2021-01-25&received_before=2021-04-09")
    check_accessibility(page, "supervisor-dashboard-narrow")
