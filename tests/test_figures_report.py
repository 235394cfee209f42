"""The figures report (PDF) of the dashboard: on the kamerbrief_2021 fixture (loaded once per
module), the same figures and paragraph as the dashboard, the project's PDF checks (the
letters'), the chart as vector graphics, no melder data, an Event per report, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import figures_report, letters, services
from cases.dashboard.current import current_figures
from cases.dashboard.presentation import present
from cases.models import Event, EventKind, Melder
from tests.helpers import KAMERBRIEF, get_dashboard
from tests.test_letters import compact, contains, pdf_text, tool


@pytest.fixture
def teamleider(loaded: None) -> User:
    return User.objects.get(username="teamleider")


@pytest.fixture
def teamleider_client(teamleider: User, client: Client) -> Client:
    client.force_login(teamleider)
    return client


def get_report(client: Client, query: str = KAMERBRIEF) -> Any:
    response = client.get(f"{reverse('figures_report')}?{query}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return response


def layout_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_dashboard_links_to_the_report_for_its_filter(teamleider_client: Client) -> None:
    page = get_dashboard(teamleider_client, KAMERBRIEF + "&sector=J")
    link = re.search(r'<a [^>]*href="([^"]*)" data-testid="figures-report"[^>]*>([^<]*)</a>', page)
    assert link, "no link to the figures report"
    assert "PDF" in link.group(2)
    href = html.unescape(link.group(1))
    path, query = href.split("?", 1)
    assert path == reverse("figures_report")
    assert QueryDict(query) == QueryDict(KAMERBRIEF + "&sector=J")


def test_report_has_the_paragraph_and_every_headline_figure(
    teamleider_client: Client, teamleider: User, tmp_path: Path
) -> None:
    page = get_dashboard(teamleider_client, KAMERBRIEF)
    paragraph = html.unescape(
        re.search(r'data-testid="ministry-paragraph">([^<]*)<', page).group(1)
    ).strip()
    response = get_report(teamleider_client)
    pdf = response.content
    text = layout_text(pdf, tmp_path)

    assert "746 meldingen" in paragraph
    assert contains(text, paragraph), "the paragraph is not in the report"
    _filter, current = current_figures(teamleider, QueryDict(KAMERBRIEF))
    board = present(current.figures, None, start=current.start, end=current.end)
    counts = {cell.key: cell.count for cell in board.headline}
    assert (counts["received"], counts["investigated"], counts["only_not_allowed"]) == (
        746,
        627,
        545,
    )
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for cell in board.headline:
        # The label and its number on one line of the figures table.
        pattern = re.compile(rf"^{re.escape(cell.label)}( \(.*\))? {cell.count}$")
        assert any(pattern.match(line) for line in lines), (cell.label, cell.count)
    # The breakdowns as tables, each with its total; the filter, reference date and author.
    for title in ("Huidige status", "Per sector", "Per behandelaar", "per uitkomst"):
        assert title in text
    assert sum(" ".join(line.split()) == "Totaal ontvangen 746" for line in text.splitlines()) >= 3
    assert "Totaal niet in onderzoek genomen 111" in lines
    assert "Anouk Verbeek (teamleider)" in text
    assert re.search(r"Peildatum\s+\d{1,2} \w+ \d{4}: de cijfers zoals ze stonden", text)
    assert "Filter                     geen, naast de periode" in text or re.search(
        r"Filter\s+geen, naast de periode", text
    )
    # Every definition of the dashboard.
    for cell in board.headline:
        assert contains(text, cell.definition), cell.key
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert re.fullmatch(r"cijfers-thuiswerken_2021-01-25_2021-04-09_\d{8}-\d{4}\.pdf", name)


def test_report_passes_the_letters_pdf_checks(teamleider_client: Client, tmp_path: Path) -> None:
    pdf = get_report(teamleider_client).content
    reader = pypdf.PdfReader(BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "nl"
    assert "/OutputIntents" in catalog
    title = "Cijfers thuiswerkmeldingen – ontvangen van 25 januari 2021 t/m 9 april 2021"
    assert reader.metadata.title == title
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp
    assert 'pdfaid:conformance="A"' in xmp
    assert "Cijfers thuiswerkmeldingen" in xmp
    # The chart is a tagged figure whose alternative text describes it.
    figures = [node for node in _structure(catalog["/StructTreeRoot"]) if node["/S"] == "/Figure"]
    assert [str(node["/Alt"]) for node in figures] == [
        "Staafdiagram van het aantal ontvangen meldingen per week (maandag t/m zondag), van "
        "25 januari 2021 t/m 11 april 2021. De tabel in de bijlage geeft dezelfde aantallen."
    ]

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(  # noqa: S603
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    header, _rule, *rows = output.splitlines()
    emb = header.index("emb")
    assert len(rows) >= 2  # regular and bold
    for row in rows:
        assert row[emb : emb + 3] == "yes", row
        assert "Source-Sans-3" in row.split()[0], row


def _structure(node: Any) -> list[Any]:
    """Every element of a PDF's structure tree."""
    node = node.get_object()
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return []
    kids = node.get("/K")
    kids = kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids] if kids else []
    found = [node] if "/S" in node else []
    for kid in kids:
        if hasattr(kid, "get_object"):
            found += _structure(kid)
    return found


def test_the_weekly_chart_is_vector_graphics(teamleider_client: Client, tmp_path: Path) -> None:
    """No raster image anywhere; the chart's axis labels are text, its bars drawn paths."""
    pdf = get_report(teamleider_client).content
    reader = pypdf.PdfReader(BytesIO(pdf))
    assert all(not page.images for page in reader.pages)
    text = layout_text(pdf, tmp_path)
    chart_page = next(page for page in text.split("\f") if "Ontvangen meldingen per week" in page)
    for label in ("25 jan", "8 feb", "22 mrt", "5 apr"):
        assert label in chart_page, label
    # Eleven weeks (25 January - 11 April): a rectangle filled in the bars' colour (#154273)
    # per week, drawn in the page's content stream.
    index = text.split("\f").index(chart_page)
    content = reader.pages[index].get_contents().get_data().decode("latin-1")
    bars = re.findall(r"0\.082353 0\.258824 0\.45098 rg\n(?:.*\n){0,6}?[\d. ]+ re\nf\n", content)
    assert len(bars) == 11
    # The same numbers as a table in the appendix, adding up to the total.
    assert re.search(r"Week 4 van 2021\s+25 jan – 31 jan 2021\s+\d+", text)
    assert re.search(r"Totaal ontvangen\s+746", text.split("Bijlage")[-1])


def test_no_melder_data_in_the_report(teamleider_client: Client) -> None:
    text = compact(pdf_text(get_report(teamleider_client).content))
    melders = Melder.objects.values_list("name", "email", "phone")
    assert melders.exists()
    for values in melders:
        for value in values:
            if value and len(compact(value)) > 3:
                assert compact(value) not in text, value
    for description in Melder.objects.values_list("case__description", flat=True)[:200]:
        assert compact(description)[:60] not in text


def test_each_report_is_an_event(teamleider_client: Client, teamleider: User) -> None:
    before = Event.objects.filter(kind=EventKind.FIGURES_REPORT).count()
    pdf = get_report(teamleider_client, KAMERBRIEF + "&channel=webformulier").content
    events = Event.objects.filter(kind=EventKind.FIGURES_REPORT).order_by("pk")
    assert events.count() == before + 1
    event = events.last()
    assert event.actor == teamleider
    assert event.case is None
    assert QueryDict(event.data["filter"]) == QueryDict(KAMERBRIEF + "&channel=webformulier")
    assert event.data["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert event.data["template_version"] == figures_report.TEMPLATE_VERSION


def test_filters_and_user_text_are_shown_escaped_and_fetch_nothing(
    teamleider_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetchers: list[Any] = []
    original = letters.make_url_fetcher

    def spy(root: Path | None = None) -> Any:
        fetchers.append(original(root))
        return fetchers[-1]

    monkeypatch.setattr(letters, "make_url_fetcher", spy)
    query = KAMERBRIEF + "&q=" + '<img src="http://127.0.0.1:9/x.png">&sector=J'
    pdf = get_report(teamleider_client, query).content
    text = pdf_text(pdf)
    assert contains(text, '<img src="http://127.0.0.1:9/x.png">')
    assert contains(text, "J – Informatie en communicatie")
    assert contains(text, "Naast de periode zijn filters actief")
    (fetcher,) = fetchers
    assert fetcher.refused == []
    assert set(fetcher.served) <= {
        "report.css",
        *(f"fonts/{p.name}" for p in (letters.ASSET_ROOT / "fonts").glob("*.woff2")),
    }


def test_an_invalid_filter_goes_back_to_the_dashboard_in_dutch(teamleider_client: Client) -> None:
    before = Event.objects.filter(kind=EventKind.FIGURES_REPORT).count()
    response = teamleider_client.get(f"{reverse('figures_report')}?received_after=2021-13-40")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard") + "?")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Het filter is ongeldig; verbeter het eerst."
    ]
    assert Event.objects.filter(kind=EventKind.FIGURES_REPORT).count() == before


def test_a_failed_rendering_records_nothing(
    teamleider_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(figures_report, "render_pdf", broken)
    before = Event.objects.filter(kind=EventKind.FIGURES_REPORT).count()
    response = teamleider_client.get(f"{reverse('figures_report')}?{KAMERBRIEF}")
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("De cijferrapportage kon niet worden gemaakt.")
    assert Event.objects.filter(kind=EventKind.FIGURES_REPORT).count() == before


def test_only_team_leaders_make_it(loaded: None) -> None:
    inspector = User.objects.get(username="inspecteur1")
    with pytest.raises(services.NotPermittedError):
        services.figures_report_make(actor=inspector, params=QueryDict(KAMERBRIEF))


def test_template_version_is_bumped_on_change() -> None:
    """Reports record TEMPLATE_VERSION in their Event. When the template or its stylesheet
    changes, bump TEMPLATE_VERSION and update the fingerprint here."""
    assert figures_report.TEMPLATE_VERSION == "cijferrapportage-1.0"
    assert figures_report.template_fingerprint() == (
        "2c6a789623e894e8c25903c59e41eeb8cadeb322ff713ab3c62f34bc1963da68"
    )


def test_a_period_without_cases_says_so(teamleider_client: Client) -> None:
    text = pdf_text(
        get_report(
            teamleider_client, "received_after=2024-01-01&received_before=2024-01-31"
        ).content
    )
    assert contains(text, "Sinds 1 januari t/m 31 januari 2024 heeft de Inspectie SZW 0 meldingen")
    assert contains(text, "Weken van 1 januari 2024 t/m 4 februari 2024.")
    assert compact(text).count(compact("Geen meldingen.")) == 2  # per sector, per assignee


def test_the_reference_date_is_now_or_the_known_on_day(teamleider: User) -> None:
    """Without `known_on` the report's figures stand as the report is made; with it, they
    are as known at the end of that day (the dashboard's own figures: 742 received on the
    Kamerbrief period as known on 9 April 2021), and the report says what that means."""
    _filter, current = current_figures(teamleider, QueryDict(KAMERBRIEF))
    assert current is not None and current.known_on is None
    at = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 15))
    today = figures_report.build_figures_report(
        dataclasses.replace(current, reference_date=at.date()), produced_by="A", at=at
    )
    assert today.reference_text == (
        "30 november 2026: de cijfers zoals ze stonden toen deze rapportage werd gemaakt"
    )
    _filter, then = current_figures(teamleider, QueryDict(f"{KAMERBRIEF}&known_on=2021-04-09"))
    assert then is not None and then.known_on == dt.date(2021, 4, 9)
    assert then.reference_date == dt.date(2021, 4, 9)
    assert then.query.urlencode().endswith("known_on=2021-04-09")
    past = figures_report.build_figures_report(then, produced_by="A", at=at)
    assert past.reference_text.startswith("Stand per 9 april 2021, eind van de dag")
    assert "geen geschiedenis" in past.reference_text
    assert "Dit is de stand per 9 april 2021." in past.paragraph
    assert {figure.label: figure.count for figure in past.headline}["Ontvangen"] == "742"
    assert past.produced == "30 november 2026, 09:15"
