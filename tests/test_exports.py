"""CSV and XLSX exports of the case lists and the dashboard (issue 14, item 1).

The files are read back independently (tests/spreadsheets.py: Python's csv, the sheet XML
out of the zip), never with the code that wrote them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cases.exports.case_rows import COLUMNS
from cases.exports.cells import FORMULA_STARTS, csv_text
from cases.models import Event, EventKind
from tests.factories import EmployerFactory
from tests.helpers import intake, last_event_pk, new_events
from tests.spreadsheets import Workbook, csv_rows

INVESTIGATED = [c.key for c in COLUMNS].index("investigated")
TOPICS = [c.key for c in COLUMNS].index("topics")
EMPLOYER = [c.key for c in COLUMNS].index("employer")


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.streaming, "an export is streamed"
    return b"".join(response.streaming_content)


def export_url(scope: str, fmt: str, query: str = "") -> str:
    url = reverse("case_export", kwargs={"scope": scope, "fmt": fmt})
    return f"{url}?{query}" if query else url


@pytest.fixture
def teamleider_client(loaded: None, client: Client) -> Client:
    client.force_login(User.objects.get(username="teamleider"))
    return client


# ---------------------------------------------------------------------------
# Formula injection


@pytest.mark.django_db
def test_formula_like_employer_names_are_inert_text(client: Client, supervisor: Any) -> None:
    names = ['=HYPERLINK("http://x")', "@SUM(1)", "+31 Bouw", "-min", "\tTab", "Gewoon BV"]
    for name in names:
        intake(supervisor, employer=EmployerFactory(name=name))
    client.force_login(supervisor)

    rows = csv_rows(download(client, export_url("alle", "csv", "sort=reference")))
    exported = {row[EMPLOYER] for row in rows[1:]}
    assert exported == {
        '\'=HYPERLINK("http://x")',
        "'@SUM(1)",
        "'+31 Bouw",
        "'-min",
        "'\tTab",
        "Gewoon BV",
    }

    book = Workbook(download(client, export_url("alle", "xlsx")))
    quoted = book.quote_prefixed_styles()
    cells = {cells[EMPLOYER].value: cells[EMPLOYER] for cells in book.cells(0)[1:]}
    assert set(cells) == set(names)
    for name in names:
        cell = cells[name]
        assert cell.is_text and not cell.formula, name
        assert (cell.style in quoted) == (name != "Gewoon BV"), name
    assert "<f>" not in book.sheet_xml(0)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_text_neutralises_every_formula_start(start: str) -> None:
    assert csv_text(f"{start}1+1") == f"'{start}1+1"
    assert csv_text(f"a{start}1") == f"a{start}1"


# ---------------------------------------------------------------------------
# Who may export, and where the links are


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["intake_queue", "my_cases", "all_cases", "dashboard"])
def test_team_leaders_see_csv_and_excel_links(
    client: Client, supervisor: Any, url_name: str
) -> None:
    client.force_login(supervisor)
    page = client.get(reverse(url_name) + "?received_after=2021-01-25").content.decode()
    assert 'data-testid="export-csv"' in page and 'data-testid="export-xlsx"' in page
    assert "CSV</a>" in page and "Excel (.xlsx)</a>" in page
    assert escape("?received_after=2021-01-25") in page


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["intake_queue", "my_cases"])
def test_inspectors_see_no_export_links(client: Client, inspector: Any, url_name: str) -> None:
    client.force_login(inspector)
    page = client.get(reverse(url_name)).content.decode()
    assert "export-csv" not in page and "export-xlsx" not in page


@pytest.mark.django_db
def test_inspector_may_not_export(client: Client, inspector: Any) -> None:
    client.force_login(inspector)
    since = last_event_pk()
    for url in (export_url("intake", "csv"), reverse("dashboard_export", args=["xlsx"])):
        assert client.get(url).status_code == 403
    assert not Event.objects.filter(pk__gt=since, kind=EventKind.EXPORT).exists()


@pytest.mark.django_db
def test_invalid_filter_exports_nothing(client: Client, supervisor: Any) -> None:
    client.force_login(supervisor)
    since = last_event_pk()
    response = client.get(export_url("alle", "csv", "received_after=gisteren"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("all_cases"))
    assert escape("Het filter is ongeldig") in response.content.decode()
    assert not new_events(since)


@pytest.mark.django_db
def test_unknown_list_or_format_is_404(client: Client, supervisor: Any) -> None:
    client.force_login(supervisor)
    assert client.get(export_url("andere", "csv")).status_code == 404
    assert client.get(export_url("alle", "pdf")).status_code == 404


@pytest.mark.django_db
def test_my_cases_export_holds_only_mine(client: Client, supervisor: Any, inspector: Any) -> None:
    from cases import services

    mine = intake(supervisor)
    services.case_take(case=mine, actor=supervisor, version=mine.version)
    other = intake(supervisor)
    services.case_take(case=other, actor=inspector, version=other.version)
    intake(supervisor)  # in the intake queue
    client.force_login(supervisor)
    for scope, expected in (("mijn", {mine.reference}), ("alle", None), ("intake", None)):
        rows = csv_rows(download(client, export_url(scope, "csv")))
        references = {row[0] for row in rows[1:]}
        if expected is not None:
            assert references == expected
    intake_refs = {row[0] for row in csv_rows(download(client, export_url("intake", "csv")))[1:]}
    assert mine.reference not in intake_refs and other.reference not in intake_refs
    assert len(intake_refs) == 1


@pytest.mark.django_db
def test_xlsx_too_large_for_a_sheet_is_refused(
    client: Client, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cases import export_views

    monkeypatch.setattr(export_views, "XLSX_MAX_ROWS", 3)  # a header and two rows
    for _ in range(3):
        intake(supervisor)
    client.force_login(supervisor)
    since = last_event_pk()
    response = client.get(export_url("alle", "xlsx"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("all_cases"))
    page = response.content.decode()
    assert escape("Excel kan hoogstens 2 rijen per blad bevatten") in page
    assert escape("deze lijst heeft 3 meldingen") in page
    assert not new_events(since)
    rows = csv_rows(download(client, export_url("alle", "csv")))  # CSV has no limit
    assert len(rows) == 4
