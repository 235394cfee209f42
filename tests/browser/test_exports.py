"""A team leader downloads a filtered case list and the dashboard's figures, with axe on the
pages that carry the links."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from tests.browser.conftest import ARTIFACTS, check_accessibility, login
from tests.factories import EmployerFactory
from tests.helpers import intake
from tests.spreadsheets import Workbook, csv_rows


def test_team_leader_downloads_list_and_figures(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, supervisor: Any
) -> None:
    start = timezone.make_aware(dt.datetime(2021, 2, 1, 10, 0))
    for i in range(6):
        case = intake(
            supervisor,
            employer=EmployerFactory(name=f"Export {i} B.V." if i else "=HYPERLINK(1)"),
            received_at=start + dt.timedelta(days=i),
        )
        if i % 2:
            services.case_take(case=case, actor=inspector, version=case.version)
    login(page, live_server, supervisor.username)

    page.goto(f"{live_server.url}/meldingen/?received_after=2021-01-25&received_before=2021-04-09")
    expect(page.get_by_test_id("result-count")).to_have_text("6 meldingen")
    check_accessibility(page, "supervisor-all-cases-exports")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("CSV")).click()
    download = info.value
    assert re.fullmatch(
        r"meldingen-alle_received_after-2021-01-25_received_before-2021-04-09_\d{4}-\d\d-\d\d\.csv",
        download.suggested_filename,
    )
    rows = csv_rows(Path(download.path()).read_bytes())
    assert len(rows) == 7
    assert "'=HYPERLINK(1)" in {row[7] for row in rows}

    page.goto(f"{live_server.url}/intake/")
    expect(page.get_by_role("link", name=re.compile("Excel"))).to_be_visible()
    check_accessibility(page, "supervisor-intake-exports")

    page.goto(f"{live_server.url}/dashboard/?received_after=2021-01-25&received_before=2021-04-09")
    check_accessibility(page, "supervisor-dashboard-exports")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Excel")).click()
    download = info.value
    assert download.suggested_filename.startswith("cijfers_received_after-2021-01-25")
    book = Workbook(Path(download.path()).read_bytes())
    assert book.sheet_names[0] == "Cijfers"
    figures = {row[0]: row[1] for row in book.rows(0)[5:]}
    assert figures["Ontvangen"] == "6"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard-export.xlsx").write_bytes(Path(download.path()).read_bytes())
