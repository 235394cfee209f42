"""Exports of the kamerbrief_2021 fixture: the Must-show counts, no melder data, the Event
(loaded once per module; issue 14, item 1).

The files are read back independently (tests/spreadsheets.py: Python's csv, the sheet XML
out of the zip), never with the code that wrote them.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.exports.case_rows import COLUMNS
from cases.models import Case, EventKind, Melder, Topic
from tests.helpers import KAMERBRIEF, get_dashboard, last_event_pk, new_events, number_by_testid
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
# The Kamerbrief period on the kamerbrief_2021 fixture


def _only_not_allowed_label() -> str:
    return Topic.objects.get(code="niet_mogen_thuiswerken").label


def test_kamerbrief_csv_746_627_545(teamleider_client: Client) -> None:
    rows = csv_rows(download(teamleider_client, export_url("alle", "csv", KAMERBRIEF)))
    header, data = rows[0], rows[1:]
    assert header == [str(c.label) for c in COLUMNS]
    assert header[0] == "Kenmerk"  # Dutch
    assert not any(row[0] == header[0] for row in data), "exactly one header row"
    assert len(data) == 746
    assert sum(1 for row in data if row[INVESTIGATED]) == 627
    only = _only_not_allowed_label()
    assert sum(1 for row in data if row[TOPICS] == only) == 545
    assert all(len(row) == len(header) for row in data)
    assert len({row[0] for row in data}) == 746


def test_kamerbrief_xlsx_746_627_545(teamleider_client: Client) -> None:
    book = Workbook(download(teamleider_client, export_url("alle", "xlsx", KAMERBRIEF)))
    assert len(book.sheet_names) == 1
    rows = book.rows(0)  # the first sheet
    header, data = rows[0], rows[1:]
    assert header == [str(c.label) for c in COLUMNS]
    assert len(data) == 746
    assert sum(1 for row in data if len(row) > INVESTIGATED and row[INVESTIGATED]) == 627
    only = _only_not_allowed_label()
    assert sum(1 for row in data if row[TOPICS] == only) == 545
    assert "<f>" not in book.sheet_xml(0), "no formulas"


def _melder_texts() -> list[str]:
    texts: list[str] = []
    for melder in Melder.objects.all():
        texts += [t for t in (melder.name, melder.email, melder.phone) if t]
    texts += [d for d in Case.objects.values_list("description", flat=True) if d]
    return texts


def test_no_melder_data_or_description_in_either_file(teamleider_client: Client) -> None:
    texts = _melder_texts()
    assert Melder.objects.count() == 719 and len(texts) > 2000  # the whole fixture
    csv_text_ = "\n".join(
        ";".join(row) for row in csv_rows(download(teamleider_client, export_url("alle", "csv")))
    )
    book = Workbook(download(teamleider_client, export_url("alle", "xlsx")))
    xlsx_text = "\n".join(";".join(row) for row in book.rows(0))
    assert csv_text_.count("\n") == Case.objects.count()  # every case, header included
    for text in texts:
        assert text not in csv_text_, "melder data or a description in the CSV"
        assert text not in xlsx_text, "melder data or a description in the XLSX"


def test_export_follows_the_list_sort(teamleider_client: Client) -> None:
    rows = csv_rows(download(teamleider_client, export_url("alle", "csv", "sort=reference")))
    references = [row[0] for row in rows[1:]]
    assert references == sorted(references)


def test_export_is_an_event_with_filter_and_rows(teamleider_client: Client) -> None:
    since = last_event_pk()
    url = export_url("alle", "csv", f"{KAMERBRIEF}&page=3&investigated=yes")
    response = teamleider_client.get(url)
    assert response.status_code == 200
    [event] = new_events(since)
    assert event.kind == EventKind.EXPORT
    assert event.actor is not None and event.actor.username == "teamleider"
    assert event.case is None
    assert event.data == {
        "export": "all",
        "format": "csv",
        "filter": f"{KAMERBRIEF}&investigated=yes",
        "rows": 627,
    }
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="meldingen-alle_')
    assert "received_after-2021-01-25_received_before-2021-04-09_investigated-yes" in disposition
    assert disposition.endswith(f'_{timezone.localdate().isoformat()}.csv"')
    assert response["Cache-Control"] == "no-store"


def test_no_per_row_queries(teamleider_client: Client) -> None:
    """The same number of queries for 1 row and for every case."""
    counts = []
    for query in ("q=" + Case.objects.order_by("pk").first().reference, ""):  # type: ignore[union-attr]
        with CaptureQueriesContext(connection) as queries:
            download(teamleider_client, export_url("alle", "csv", query))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------------
# The dashboard export


def _dashboard_url(fmt: str, query: str) -> str:
    return f"{reverse('dashboard_export', args=[fmt])}?{query}"


def _sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The CSV's sections after its top lines: title -> header and rows."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows[5:]:  # four top lines and an empty one
        if not row:
            current = None
        elif current is None:
            current = sections[row[0]] = []
        else:
            current.append(row)
    return sections


def test_dashboard_csv_has_every_breakdown_under_filter_and_date(
    teamleider_client: Client,
) -> None:
    since = last_event_pk()
    rows = csv_rows(download(teamleider_client, _dashboard_url("csv", KAMERBRIEF)))
    assert rows[0] == ["Cijfers over meldingen over thuiswerken"]
    assert rows[1][0] == "Filter"
    assert "25 januari 2021" in rows[1][1] and "9 april 2021" in rows[1][1]
    assert rows[2][0] == "Peildatum"
    assert rows[2][1].startswith("stand per ")
    assert rows[3][0] == "Tekst voor het ministerie" and "746" in rows[3][1]
    sections = _sections(rows)
    assert list(sections) == [
        "Cijfers",
        "Niet in onderzoek, per uitkomst",
        "Per status",
        "Per sector",
        "Per behandelaar",
        "Per week",
    ]
    figures = {row[0]: int(row[1]) for row in sections["Cijfers"][1:]}
    assert figures["Ontvangen"] == 746
    assert figures["In onderzoek genomen"] == 627
    assert figures["Enkel ‘niet mogen thuiswerken’"] == 545
    page = get_dashboard(teamleider_client, KAMERBRIEF)
    assert figures["Werkgever herkende zich niet"] == number_by_testid(page, "count-not-recognised")
    employers = re.search(r'data-testid="count-not-recognised-employers">(\d+) werkgever', page)
    assert employers, "no number of employers on the dashboard"
    assert figures["Werkgevers die zich niet herkenden"] == int(employers.group(1))
    for title in ("Per status", "Per sector", "Per behandelaar", "Per week"):
        assert sum(int(row[-1]) for row in sections[title][1:]) == 746, title
    declined = sum(int(row[1]) for row in sections["Niet in onderzoek, per uitkomst"][1:])
    assert declined == figures["Niet in onderzoek genomen"]
    [event] = new_events(since)
    assert event.kind == EventKind.EXPORT
    assert event.data["export"] == "dashboard" and event.data["filter"] == KAMERBRIEF
    assert event.data["rows"] == sum(len(rows) - 1 for rows in sections.values())


def test_dashboard_xlsx_sheet_per_breakdown(teamleider_client: Client) -> None:
    book = Workbook(download(teamleider_client, _dashboard_url("xlsx", KAMERBRIEF)))
    assert book.sheet_names == [
        "Cijfers",
        "Niet in onderzoek, per uitkomst",
        "Per status",
        "Per sector",
        "Per behandelaar",
        "Per week",
    ]
    for index in range(len(book.sheet_names)):
        rows = book.rows(index)
        assert rows[1][0] == "Filter" and "25 januari 2021" in rows[1][1]
        assert rows[2][0] == "Peildatum"
        assert "<f>" not in book.sheet_xml(index)
    figures = {row[0]: int(row[1]) for row in book.rows(0)[5:]}
    assert (figures["Ontvangen"], figures["In onderzoek genomen"]) == (746, 627)
    assert figures["Enkel ‘niet mogen thuiswerken’"] == 545
    assert sum(int(row[-1]) for row in book.rows(2)[5:]) == 746
