"""The confirmation letter: content, confidentiality, URL sandbox, archival PDF, issuing,
regeneration, failures and the letter views."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import documents, letters, services
from cases.models import (
    Call,
    Case,
    Employer,
    Event,
    EventKind,
    InspectorProfile,
    Letter,
    SentVia,
    State,
)
from tests.conftest import IN_CI
from tests.factories import EmployerFactory
from tests.helpers import (
    add_agreement,
    case_in_state,
    contact_fields,
    fresh,
    record_reached_call,
)

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# Helpers


def tool(name: str) -> str:
    """Path of a poppler tool; skipped with a reason when missing, but never in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} (Debian package poppler-utils) is not installed"
        if IN_CI:
            pytest.fail(f"{message}; CI must run this test, not skip it")
        pytest.skip(message)
    return path


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(BytesIO(pdf)).pages)


def compact(text: str) -> str:
    """Text without whitespace and hyphens, lower case: line breaks and hyphenation in the
    PDF can neither hide a leak nor fail a presence check."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text).lower()


def contains(pdf_or_text: str, needle: str) -> bool:
    return compact(needle) in compact(pdf_or_text)


@pytest.fixture
def called_case(inspector) -> Case:
    """employer_called, with two agreements."""
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    add_agreement(
        case,
        inspector,
        description="Kantoormedewerkers werken vanaf maandag volledig thuis.",
        days=7,
    )
    add_agreement(
        case,
        inspector,
        description="De werkgever stelt beeldschermen en stoelen beschikbaar.",
        days=21,
    )
    return fresh(case)


@pytest.fixture
def issued(called_case, inspector) -> Letter:
    current = fresh(called_case)
    return services.issue_confirmation_letter(
        case=current, actor=inspector, version=current.version
    )


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1 that nobody accepts from: any connection attempt stays in
    its backlog, so `accepted_any` sees it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


def accepted_any(server: socket.socket) -> bool:
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


# ---------------------------------------------------------------------------
# Content and confidentiality


def test_letter_content(called_case, inspector) -> None:
    pdf = letters.render_confirmation_letter(called_case, today=dt.date(2021, 4, 12))
    text = pdf_text(pdf)
    employer = called_case.employer
    assert contains(text, called_case.reference)
    assert contains(text, employer.name)
    assert contains(text, "12 april 2021")
    assert contains(text, "Bevestiging afspraken thuiswerken")
    assert contains(text, "Ons kenmerk")
    assert contains(text, "Geachte heer De Vries,")
    assert contains(text, "t.a.v. J. de Vries")
    assert contains(text, "gesproken met de heer De Vries van")
    assert contains(text, "18 februari 2021")
    assert contains(text, "www.rijksoverheid.nl/thuiswerkenincoronatijd")
    assert contains(text, "Als de afspraken niet worden nagekomen")
    assert contains(text, inspector.get_full_name())
    assert contains(text, "070 333 4444")
    for agreement in called_case.agreements.all():
        assert contains(text, agreement.description)
        assert contains(text, letters.dutch_date(agreement.due_date))
    call = called_case.calls.get(reached=True)
    assert contains(text, letters.dutch_date(timezone.localdate(call.called_at)))
    assert re.search(r"Pagina 1 van (\d)", text)
    pages = len(pypdf.PdfReader(BytesIO(pdf)).pages)
    assert all(f"Pagina {n} van {pages}" in text for n in range(1, pages + 1))
    assert "CONCEPT" not in text


def test_address_window_uses_postal_address_when_there_is_one(inspector) -> None:
    employer = EmployerFactory(
        postal_street="Postbus",
        postal_number="4321",
        postal_postcode="3500 AA",
        postal_city="Utrecht",
        **contact_fields("mevrouw K. Bakker"),
    )
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector, employer=employer)
    letter = letters.build_confirmation_letter(case, draft=True)
    assert letter.address_lines == ("Postbus 4321", "3500 AA  UTRECHT")
    employer.postal_street = employer.postal_number = employer.postal_city = ""
    employer.postal_postcode = ""
    employer.save()
    letter = letters.build_confirmation_letter(case, draft=True)
    assert letter.address_lines == ("Parnassusplein 5", "2511 VX  DEN HAAG")
    # Addressed to the person spoken to in the call, not to the employer's contact person.
    assert letter.contact_name == "J. de Vries"
    assert letter.salutation == "Geachte heer De Vries,"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0703334444", "070 333 4444"),
        ("+31201234567", "020 123 4567"),
        ("0612345678", "06 1234 5678"),
        ("0111123456", "0111 123 456"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_format_phone(stored: str, shown: str) -> None:
    assert letters.format_phone(stored) == shown


def test_context_is_an_allow_list_of_plain_values(called_case) -> None:
    letter = letters.build_confirmation_letter(called_case)
    assert [f.name for f in dataclasses.fields(letter)] == [
        "title",
        "draft",
        "created",
        "reference",
        "letter_date",
        "employer_name",
        "address_lines",
        "contact_name",
        "salutation",
        "call_date",
        "call_contact_name",
        "agreements",
        "inspector",
    ]
    assert [f.name for f in dataclasses.fields(letter.inspector)] == [
        "name",
        "function_title",
        "team",
        "phone",
        "email",
    ]

    def leaves(value: Any) -> Iterator[Any]:
        if dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                yield from leaves(getattr(value, item.name))
        elif isinstance(value, tuple):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    assert all(isinstance(leaf, str | bool) for leaf in leaves(letter))


def test_building_the_context_never_reads_melder_description_notes_or_measures(
    called_case,
) -> None:
    case = letters.load_case(called_case.pk)
    with CaptureQueriesContext(connection) as queries:
        letters.build_confirmation_letter(case)
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "cases_employer" in sql  # the capture works
    assert "cases_melder" not in sql
    assert '"cases_case"."description"' not in sql
    assert '"cases_call"."notes"' not in sql
    assert '"cases_call"."measures"' not in sql
    assert "description" not in case.__dict__  # load_case does not even fetch it


def _random_token(rng: random.Random, prefix: str) -> str:
    letters_ = "bcdfghjklmnpqrstvwxz"
    return prefix + "".join(rng.choice(letters_) for _ in range(7)).capitalize()


def test_no_melder_data_or_melding_text_in_many_letters(inspector) -> None:
    """Seeded property test: named and anonymous melders, distinctive strings everywhere;
    the letter has the employer's and agreements' data and none of the melder's."""
    rng = random.Random(20210409)
    for i in range(12):
        anonymous = i % 3 == 0
        melder = None
        secrets: list[str] = []
        if not anonymous:
            phone = "06" + "".join(rng.choice("123456789") for _ in range(8))
            name = f"{_random_token(rng, 'Mel')} {_random_token(rng, 'Der')}"
            email = f"{_random_token(rng, 'm').lower()}@melder.example"
            relation = f"Werknemer {_random_token(rng, 'Rel')}"
            melder = services.MelderInput(name=name, email=email, phone=phone, relation=relation)
            secrets += [name, *name.split(), email, phone, relation]
        description = (
            f"Mijn baas {_random_token(rng, 'Desc')} dwingt ons op kantoor te werken "
            f"<b>{_random_token(rng, 'Html')}</b>."
        )
        employer = EmployerFactory(
            name=f"{rng.choice(['Bakkerij', 'Ingenieursbureau', 'Stichting'])} "
            f"{_random_token(rng, 'Wg')} & Zonen B.V.",
            **contact_fields(f"mevrouw {_random_token(rng, 'Cp')}"),
            **(
                {
                    "postal_street": "Postbus",
                    "postal_number": str(rng.randint(1, 9999)),
                    "postal_postcode": "1000 AB",
                    "postal_city": "Amsterdam",
                }
                if rng.random() < 0.5
                else {}
            ),
        )
        case = case_in_state(
            State.UNDER_INVESTIGATION,
            inspector=inspector,
            employer=employer,
            melder=melder,
            description=description,
        )
        notes = f"Notitie {_random_token(rng, 'Note')}"
        measures = f"Maatregel {_random_token(rng, 'Meas')}"
        contact = f"de heer {_random_token(rng, 'Call')}"
        record_reached_call(case, inspector, notes=notes, measures=measures, contact_name=contact)
        secrets += [description, *re.findall(r"(?:Desc|Html)\w+", description), notes, measures]
        secrets += [notes.split()[1], measures.split()[1]]
        agreements = [
            add_agreement(
                case,
                inspector,
                description=(
                    f"Afspraak {_random_token(rng, 'Afs')} over {rng.choice(['ICT', 'roosters'])}"
                ),
                days=rng.randint(1, 60),
            )
            for _ in range(rng.randint(1, 4))
        ]
        current = fresh(case)
        html = letters.letter_html(letters.build_confirmation_letter(current))
        letter = services.issue_confirmation_letter(
            case=current, actor=inspector, version=current.version
        )
        text = pdf_text(documents.read(letter.sha256))
        assert contains(text, case.reference)
        assert contains(text, employer.name)
        assert contains(text, f"t.a.v. {contact}")
        assert contains(text, f"Geachte heer {contact.split()[-1]},")
        assert re.search(r"Pagina 1 van \d", text)
        for agreement in agreements:
            assert contains(text, agreement.description), agreement.description
            assert contains(text, letters.dutch_date(agreement.due_date))
        for secret in secrets:
            assert not contains(text, secret), (i, secret)
            assert not contains(html, secret), (i, secret)


def test_user_text_is_escaped_and_fetches_nothing(inspector, listener) -> None:
    port = listener.getsockname()[1]
    hostile = (
        f'<script>alert("x")</script> <img src="http://127.0.0.1:{port}/pixel.png"> '
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"> A & B'
    )
    employer = EmployerFactory(name="<b>Vet</b> & Co B.V.")
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector, employer=employer)
    add_agreement(case, inspector, description=hostile, days=10)
    pdf = letters.render_confirmation_letter(fresh(case))
    text = pdf_text(pdf)
    assert contains(text, '<script>alert("x")</script>')
    assert contains(text, f'<img src="http://127.0.0.1:{port}/pixel.png">')
    assert contains(text, "A & B")
    assert contains(text, "<b>Vet</b> & Co B.V.")
    assert not accepted_any(listener)


# ---------------------------------------------------------------------------
# URL sandbox (raw HTML and CSS given straight to the renderer)


@pytest.fixture
def asset_root(tmp_path: Path) -> Path:
    """An asset folder with one allowed stylesheet, and a secret file outside it."""
    root = tmp_path / "assets"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text('body::after { content: "ALLOWED-ASSET-APPLIED"; }')
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.css").write_text('body::before { content: "LEAKED-OUTSIDE-FILE"; }')
    (root / "css" / "link.css").symlink_to(outside / "evil.css")
    return root


def test_sandbox_serves_the_asset_folder_and_data_urls(asset_root: Path) -> None:
    fetcher = letters.make_url_fetcher(asset_root)
    html = (
        '<html lang="nl"><head><title>t</title><link rel="stylesheet" href="css/ok.css">'
        '<link rel="stylesheet" href="data:text/css,p::after{content:%22DATA-URL-OK%22}">'
        "</head><body><p>Tekst</p></body></html>"
    )
    text = pdf_text(letters.render_pdf(html, asset_root=asset_root, url_fetcher=fetcher))
    assert "ALLOWED-ASSET-APPLIED" in text
    assert "DATA-URL-OK" in text
    assert fetcher.served == ["css/ok.css", "data:"]
    assert fetcher.refused == []


def test_sandbox_refuses_network_and_files_outside_the_folder(
    asset_root: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    base = f"127.0.0.1:{port}"
    evil = (asset_root.parent / "outside" / "evil.css").as_uri()
    escape = "../" * 12 + str(asset_root.parent / "outside" / "evil.css").lstrip("/")
    html = f"""<html lang="nl"><head><title>t</title>
      <link rel="stylesheet" href="http://{base}/link.css">
      <link rel="stylesheet" href="https://{base}/link-s.css">
      <link rel="stylesheet" href="{evil}">
      <link rel="stylesheet" href="{escape}">
      <link rel="stylesheet" href="css/link.css">
      <link rel="stylesheet" href="css/%2e%2e/%2e%2e/outside/evil.css">
      <link rel="attachment" href="file:///etc/passwd">
      <style>
        @import url("http://{base}/import.css");
        @import url("{evil}");
        @font-face {{ font-family: Remote; src: url(http://{base}/font.woff2); }}
        @font-face {{ font-family: Local; src: url(file:///etc/passwd); }}
        body {{ background: url(https://{base}/bg.png); font-family: Remote, Local; }}
        h1 {{ background-image: url("ftp://{base}/x.png"); }}
      </style></head>
      <body><h1>Kop</h1><p style="background: url(http://{base}/inline.png)">Tekst</p>
      <img src="http://{base}/img.png" alt="a">
      <img src="file:///etc/passwd" alt="b">
      <img src="../../../../../../etc/hostname" alt="c">
      <img src="//{base}/scheme-relative.png" alt="d">
      <object data="http://{base}/object.svg"></object>
      <embed src="https://{base}/embed.svg">
      <svg width="10" height="10"><image href="http://{base}/svg.png" width="10" height="10"/>
      </svg>
      </body></html>"""
    fetcher = letters.make_url_fetcher(asset_root)
    pdf = letters.render_pdf(html, asset_root=asset_root, url_fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Tekst" in text
    assert "LEAKED-OUTSIDE-FILE" not in text
    assert b"root:x:0:0" not in pdf
    assert not accepted_any(listener)
    assert fetcher.served == []
    refused = "\n".join(fetcher.refused)
    for needle in (
        "link.css",
        "link-s.css",
        "import.css",
        "font.woff2",
        "bg.png",
        "ftp://",
        "inline.png",
        "img.png",
        "/etc/passwd",
        "/etc/hostname",
        "scheme-relative.png",
        "evil.css",
        "object.svg",
        "embed.svg",
    ):
        assert needle in refused, needle


def test_the_listener_does_see_a_fetch_without_the_sandbox(
    listener: socket.socket, monkeypatch
) -> None:
    """Control for the test above: WeasyPrint's own fetcher does connect."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)

    port = listener.getsockname()[1]
    html = f'<html><body><img src="http://127.0.0.1:{port}/img.png"></body></html>'
    HTML(string=html, url_fetcher=URLFetcher(timeout=0.5)).write_pdf()
    assert accepted_any(listener)


def test_letter_renders_only_from_the_bundled_folder(called_case, monkeypatch) -> None:
    fetchers: list[Any] = []
    original = letters.make_url_fetcher

    def spy(root: Path | None = None) -> Any:
        fetchers.append(original(root))
        return fetchers[-1]

    monkeypatch.setattr(letters, "make_url_fetcher", spy)
    letters.render_confirmation_letter(called_case)
    (fetcher,) = fetchers
    assert fetcher.root == (ROOT / "static" / "letters").resolve()
    assert fetcher.refused == []
    assert "letter.css" in fetcher.served
    assert sum(name.startswith("fonts/") for name in fetcher.served) == 6


def test_weasyprint_is_imported_lazily() -> None:
    code = (
        "import django, sys; django.setup(); "
        "import cases.letters, cases.letter_views, cases.urls, cases.services; "
        "sys.exit(1 if 'weasyprint' in sys.modules else 0)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "inspectie.settings",
        "DEBUG": "true",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()


# ---------------------------------------------------------------------------
# Archival, tagged PDF with embedded fonts


def test_pdf_is_tagged_archival_with_language_and_title(issued: Letter) -> None:
    pdf = documents.read(issued.sha256)
    reader = pypdf.PdfReader(BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "nl"
    assert "/OutputIntents" in catalog
    assert reader.metadata.title == f"Bevestiging afspraken thuiswerken – {issued.case.reference}"
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp
    assert 'pdfaid:conformance="A"' in xmp
    assert "Bevestiging afspraken thuiswerken" in xmp


def test_all_fonts_are_the_bundled_ones_and_embedded(issued: Letter, tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(documents.read(issued.sha256))
    output = subprocess.run(  # noqa: S603
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    header, _rule, *rows = output.splitlines()
    emb = header.index("emb")
    assert len(rows) >= 2  # regular and bold
    for row in rows:
        assert row[emb : emb + 3] == "yes", row
        assert "Source-Sans-3" in row.split()[0], row


def test_latin_ext_names_use_their_own_embedded_font(inspector, tmp_path: Path) -> None:
    """Regression: two @font-face files under one family name were merged by WeasyPrint into
    one PDF font, so ł, ę, ś were drawn with wrong glyphs. The extension subset has a family
    of its own and must show up as a separate embedded font."""
    employer = EmployerFactory(
        name="Zakłady Mięsne Łódź", **contact_fields("de heer Ł. Wiśniewski")
    )
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector, employer=employer)
    path = tmp_path / "letter.pdf"
    path.write_bytes(letters.render_confirmation_letter(case, draft=True))
    output = subprocess.run(  # noqa: S603
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    names = [row.split()[0].split("+", 1)[1] for row in output.splitlines()[2:]]
    assert "Source-Sans-3-Ext" in names, names
    assert all(row.split()[-5] == "yes" for row in output.splitlines()[2:])
    assert contains(pdf_text(path.read_bytes()), "Zakłady Mięsne Łódź")


def test_address_sits_in_the_envelope_window_and_pages_have_footers(
    issued: Letter, tmp_path: Path
) -> None:
    """DL/C5 window on the left: 90 × 45 mm, 20 mm from the left, recipient 50–90 mm down."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(documents.read(issued.sha256))
    xhtml = subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    mm = 72 / 25.4
    pages = re.findall(r"<page .*?</page>", xhtml, re.DOTALL)
    words = [
        (float(x0) / mm, float(y0) / mm, float(x1) / mm, float(y1) / mm, word)
        for x0, y0, x1, y1, word in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
            pages[0],
        )
    ]
    employer = issued.case.employer
    first_word = employer.name.split()[0]
    top = min((w for w in words if w[4] == first_word), key=lambda w: w[1])
    retour = next(w for w in words if w[4] == "Retouradres")
    city = next(w for w in words if w[4] == employer.visit_city.split()[-1].upper())
    # DIN 5008 form B address field: 45-90 mm from the top, inside the window's 20-110 mm.
    assert 44 <= retour[1] < top[1] < city[1] < city[3] <= 90, (retour, top, city)
    address = [w for w in words if top[1] <= w[1] <= city[1] and w[0] < 120]
    assert all(w[0] > 20 and w[2] <= 110 for w in address), address
    betreft = next(w for w in words if w[4] == "Betreft")
    assert betreft[1] > 92
    body_right = max(w[2] for w in words if w[1] > 95 and w[0] < 140)
    assert body_right < 142  # the main column stays clear of the reference column
    assert len(pages) >= 1
    for number, page in enumerate(pages, start=1):
        assert f">{number}<" in page and ">Pagina<" in page


def test_template_version_is_bumped_on_change() -> None:
    """Letters record TEMPLATE_VERSION. When the template or its stylesheet changes, bump
    TEMPLATE_VERSION and put the new fingerprint here."""
    assert letters.TEMPLATE_VERSION == "bevestiging-afspraken-1.1"
    assert letters.template_fingerprint() == EXPECTED_FINGERPRINT, (
        "The letter template changed: bump letters.TEMPLATE_VERSION and update "
        f"EXPECTED_FINGERPRINT to {letters.template_fingerprint()}"
    )


EXPECTED_FINGERPRINT = "68cc695c321ad6405c3f6241b414b2d8b895906d36619bdc1329e680b7ae3d6b"


# ---------------------------------------------------------------------------
# Issuing, regeneration, failures


def test_issue_stores_letter_and_transition_together(issued: Letter, inspector) -> None:
    case = fresh(issued.case)
    assert case.state == State.AGREEMENTS_CONFIRMED
    assert issued.number == 1
    assert issued.template_version == letters.TEMPLATE_VERSION
    assert issued.generated_by == inspector
    content = documents.read(issued.sha256)
    assert hashlib.sha256(content).hexdigest() == issued.sha256
    assert len(content) == issued.size
    assert content.startswith(b"%PDF-")
    assert documents.path_for(issued.sha256).is_relative_to(settings.DOCUMENT_ROOT)
    confirm = Event.objects.get(case=case, kind=EventKind.CONFIRM_AGREEMENTS)
    assert confirm.data["sha256"] == issued.sha256
    assert confirm.data["template_version"] == letters.TEMPLATE_VERSION


@pytest.mark.django_db(transaction=True)
def test_rendering_happens_outside_any_transaction(inspector, monkeypatch) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    add_agreement(
        case, inspector, description="Iedereen met een kantoorfunctie werkt thuis.", days=5
    )
    seen: list[bool] = []
    original = letters.render_pdf

    def spy(html: str, **kwargs: Any) -> bytes:
        seen.append(connection.in_atomic_block)
        return original(html, **kwargs)

    monkeypatch.setattr(letters, "render_pdf", spy)
    current = fresh(case)
    services.issue_confirmation_letter(case=current, actor=inspector, version=current.version)
    assert seen == [False]
    assert fresh(case).state == State.AGREEMENTS_CONFIRMED


def _snapshot(case: Case) -> tuple[str, int, int, int]:
    """(state, version, letters, events) of the case: what a refused issue or regeneration
    leaves as it was. Narrower than tests.helpers.snapshot, and read by position."""
    current = fresh(case)
    return (
        current.state,
        current.version,
        Letter.objects.filter(case=case).count(),
        Event.objects.filter(case=case).count(),
    )


def test_render_failure_leaves_the_case_in_employer_called(
    called_case, inspector, monkeypatch
) -> None:
    import weasyprint

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    before = _snapshot(called_case)
    with pytest.raises(services.ServiceError) as excinfo:
        services.issue_confirmation_letter(
            case=called_case, actor=inspector, version=called_case.version
        )
    assert excinfo.value.code == "render_failed"
    assert "De brief kon niet worden gemaakt" in excinfo.value.message
    assert _snapshot(called_case) == before
    assert before[0] == State.EMPLOYER_CALLED and before[2] == 0


def test_storage_failure_leaves_the_case_in_employer_called(
    called_case, inspector, settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.DOCUMENT_ROOT = blocker / "documents"
    before = _snapshot(called_case)
    with pytest.raises(services.ServiceError) as excinfo:
        services.issue_confirmation_letter(
            case=called_case, actor=inspector, version=called_case.version
        )
    assert "kon niet worden opgeslagen" in excinfo.value.message
    assert _snapshot(called_case) == before
    assert before[0] == State.EMPLOYER_CALLED and before[2] == 0


def _edit_while_rendering(monkeypatch: Any, edit: Any) -> None:
    """Run `edit` (another user's change, committed) while the PDF is being rendered."""
    real = letters.render_pdf

    def render_and_edit(*args: Any, **kwargs: Any) -> bytes:
        pdf = real(*args, **kwargs)
        edit()
        return pdf

    monkeypatch.setattr(letters, "render_pdf", render_and_edit)


def test_letter_data_edited_during_rendering_is_refused(
    called_case, inspector, monkeypatch
) -> None:
    """An employer edit does not touch the case version; the check under the lock sees that
    the rendered letter is out of date and nothing is issued."""
    _edit_while_rendering(
        monkeypatch,
        lambda: Employer.objects.filter(pk=called_case.employer_id).update(
            postal_street="Nieuwe Postbusweg", postal_number="7"
        ),
    )
    before = _snapshot(called_case)
    with pytest.raises(services.ServiceError) as excinfo:
        services.issue_confirmation_letter(
            case=called_case, actor=inspector, version=called_case.version
        )
    assert excinfo.value.code == "letter_outdated"
    assert "gewijzigd" in excinfo.value.message
    assert _snapshot(called_case) == before

    monkeypatch.undo()  # the next try renders the new address and is issued
    letter = services.issue_confirmation_letter(
        case=called_case, actor=inspector, version=called_case.version
    )
    assert "Nieuwe Postbusweg 7" in pdf_text(documents.read(letter.sha256))


def test_regeneration_refused_when_the_inspector_details_change_meanwhile(
    issued: Letter, inspector, supervisor, monkeypatch
) -> None:
    case = fresh(issued.case)
    _edit_while_rendering(
        monkeypatch,
        lambda: InspectorProfile.objects.update_or_create(
            user=inspector, defaults={"phone": "0701234567"}
        ),
    )
    before = _snapshot(case)
    with pytest.raises(services.ServiceError) as excinfo:
        services.regenerate_confirmation_letter(
            case=case, actor=supervisor, version=case.version, reason="Adres gewijzigd"
        )
    assert excinfo.value.code == "letter_outdated"
    assert _snapshot(case) == before


def test_edits_outside_the_letter_do_not_block_issuing(called_case, inspector, monkeypatch) -> None:
    """The employer's sector is not in the letter, so changing it does not matter here."""
    _edit_while_rendering(
        monkeypatch,
        lambda: Employer.objects.filter(pk=called_case.employer_id).update(sector_id="K"),
    )
    letter = services.issue_confirmation_letter(
        case=called_case, actor=inspector, version=called_case.version
    )
    assert fresh(called_case).state == State.AGREEMENTS_CONFIRMED
    assert letter.number == 1


def test_stale_version_is_refused_and_changes_nothing(called_case, inspector) -> None:
    before = _snapshot(called_case)
    with pytest.raises(services.StaleVersionError):
        services.issue_confirmation_letter(
            case=called_case, actor=inspector, version=called_case.version - 1
        )
    assert _snapshot(called_case) == before


def test_refused_before_rendering_when_nothing_to_confirm(inspector, monkeypatch) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)  # no agreements

    def must_not_render(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("rendered a letter for a refused request")

    monkeypatch.setattr(letters, "render_pdf", must_not_render)
    with pytest.raises(services.InvalidStateError, match="ten minste één afspraak"):
        services.issue_confirmation_letter(case=case, actor=inspector, version=case.version)


def test_another_inspector_cannot_issue(called_case, other_inspector) -> None:
    before = _snapshot(called_case)
    with pytest.raises(services.NotPermittedError):
        services.issue_confirmation_letter(
            case=called_case, actor=other_inspector, version=called_case.version
        )
    assert _snapshot(called_case) == before


def test_regeneration_makes_version_2_and_leaves_version_1_untouched(
    issued: Letter, supervisor
) -> None:
    v1_bytes = documents.read(issued.sha256)
    v1_row = Letter.objects.values().get(pk=issued.pk)
    # The data behind the letter corrected afterwards (here directly in the database).
    Call.objects.filter(case=issued.case, reached=True).update(
        **contact_fields("mevrouw A. Gecorrigeerd")
    )
    case = fresh(issued.case)
    v2 = services.regenerate_confirmation_letter(
        case=case, actor=supervisor, version=case.version, reason="Contactpersoon gecorrigeerd"
    )
    assert v2.number == 2
    assert v2.reason == "Contactpersoon gecorrigeerd"
    assert v2.generated_by == supervisor
    assert v2.sha256 != issued.sha256
    assert Letter.objects.values().get(pk=issued.pk) == v1_row
    assert documents.read(issued.sha256) == v1_bytes
    assert hashlib.sha256(documents.path_for(issued.sha256).read_bytes()).hexdigest() == (
        issued.sha256
    )
    assert contains(pdf_text(documents.read(v2.sha256)), "A. Gecorrigeerd")
    assert not contains(pdf_text(v1_bytes), "Gecorrigeerd")
    event = Event.objects.filter(case=case, kind=EventKind.LETTER_GENERATED).latest("pk")
    assert event.actor == supervisor
    assert event.data["letter_number"] == 2
    assert event.data["reason"] == "Contactpersoon gecorrigeerd"
    assert fresh(case).state == State.AGREEMENTS_CONFIRMED


def test_regeneration_is_supervisor_only_and_needs_a_reason(
    issued: Letter, inspector, supervisor, monkeypatch
) -> None:
    case = fresh(issued.case)
    before = _snapshot(case)
    with pytest.raises(services.NotPermittedError):
        services.regenerate_confirmation_letter(
            case=case, actor=inspector, version=case.version, reason="Waarom niet"
        )
    with pytest.raises(ValidationError):
        services.regenerate_confirmation_letter(
            case=case, actor=supervisor, version=case.version, reason="   "
        )
    # The service itself refuses too, also when handed a rendered PDF directly.
    with pytest.raises(services.NotPermittedError):
        services.letter_regenerate(
            case=case,
            actor=inspector,
            version=case.version,
            reason="Omweg",
            letter_pdf=documents.read(issued.sha256),
            template_version=letters.TEMPLATE_VERSION,
        )
    assert _snapshot(case) == before


# ---------------------------------------------------------------------------
# Views


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_download_for_the_assigned_inspector(client, issued: Letter, inspector) -> None:
    client.force_login(inspector)
    url = reverse(
        "letter_download", kwargs={"reference": issued.case.reference, "number": issued.number}
    )
    downloads = Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED)
    assert downloads.count() == 0
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{issued.case.reference}-brief-v1.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == documents.read(issued.sha256)
    event = downloads.get()
    assert event.actor == inspector
    assert event.case_id == issued.case_id
    assert event.data == {
        "letter_id": issued.pk,
        "letter_number": 1,
        "sha256": issued.sha256,
    }


def test_download_is_never_a_public_url(issued: Letter) -> None:
    import inspectie.settings as configured

    url = reverse(
        "letter_download", kwargs={"reference": issued.case.reference, "number": issued.number}
    )
    assert url.startswith("/meldingen/")
    assert not url.startswith("/" + settings.STATIC_URL.strip("/"))
    assert settings.MEDIA_URL in ("", "/") or not url.startswith(settings.MEDIA_URL)
    default_root = Path(configured.DOCUMENT_ROOT).resolve()
    public = [Path(configured.STATIC_ROOT), *map(Path, configured.STATICFILES_DIRS)]
    if getattr(configured, "MEDIA_ROOT", ""):
        public.append(Path(configured.MEDIA_ROOT))
    for folder in public:
        assert not default_root.is_relative_to(folder.resolve()), folder


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_inspector", 404), ("no_role_user", 403), ("anonymous", 302)],
)
def test_download_needs_permission(client, issued: Letter, request, who, status) -> None:
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    url = reverse(
        "letter_download", kwargs={"reference": issued.case.reference, "number": issued.number}
    )
    response = client.get(url)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    assert not Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).exists()


def test_download_by_a_supervisor_and_unknown_version(client, issued: Letter, supervisor) -> None:
    client.force_login(supervisor)
    kwargs = {"reference": issued.case.reference}
    assert client.get(reverse("letter_download", kwargs={**kwargs, "number": 1})).status_code == (
        200
    )
    assert client.get(reverse("letter_download", kwargs={**kwargs, "number": 2})).status_code == (
        404
    )


def test_preview_is_a_draft_and_stores_nothing(client, called_case, inspector) -> None:
    client.force_login(inspector)
    before = _snapshot(called_case)
    response = client.get(reverse("letter_preview", kwargs={"reference": called_case.reference}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    assert "CONCEPT" in text
    assert contains(text, called_case.employer.name)
    assert pypdf.PdfReader(BytesIO(response.content)).metadata.title.startswith("CONCEPT")
    assert _snapshot(called_case) == before


def test_preview_permissions_and_state(client, called_case, other_inspector, inspector) -> None:
    url = reverse("letter_preview", kwargs={"reference": called_case.reference})
    client.force_login(other_inspector)
    assert client.get(url).status_code == 404
    early = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    client.force_login(inspector)
    response = client.get(reverse("letter_preview", kwargs={"reference": early.reference}))
    assert response.status_code == 302
    assert any("conceptbrief" in m for m in _messages(response))


def action_url(case: Case, action: str) -> str:
    """Issuing, recording as sent and regenerating are actions on the case's action route."""
    return reverse("case_action", kwargs={"reference": case.reference, "action": action})


def page_says(response: Any, text: str) -> bool:
    """`text` (escaped as the page escapes it) is on the page that was shown again."""
    return escape(text) in response.content.decode()


def test_confirm_view_issues_the_letter(client, called_case, inspector) -> None:
    client.force_login(inspector)
    url = action_url(called_case, "letter_confirm")
    assert client.get(url).status_code == 405
    response = client.post(url, {"version": called_case.version, "next": "/meldingen/mijn/"})
    assert response.status_code == 302
    assert response["Location"] == "/meldingen/mijn/"
    assert fresh(called_case).state == State.AGREEMENTS_CONFIRMED
    assert Letter.objects.filter(case=called_case, number=1).exists()
    assert any("brief 1 is gemaakt" in m for m in _messages(response))


def test_confirm_view_stale_version_and_unsafe_next(client, called_case, inspector) -> None:
    client.force_login(inspector)
    url = action_url(called_case, "letter_confirm")
    response = client.post(
        url, {"version": called_case.version + 5, "next": "https://evil.example/"}
    )
    # Refused: the case page again (409, what changed), never a redirect to another site.
    assert response.status_code == 409
    assert "evil.example" not in response.get("Location", "")
    assert page_says(response, "intussen gewijzigd")
    assert fresh(called_case).state == State.EMPLOYER_CALLED
    assert not Letter.objects.filter(case=called_case).exists()


def test_csrf_is_enforced_on_confirm(called_case, inspector) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    url = action_url(called_case, "letter_confirm")
    assert client.post(url, {"version": called_case.version}).status_code == 403
    assert fresh(called_case).state == State.EMPLOYER_CALLED


def test_regenerate_view_is_supervisor_only(client, issued: Letter, inspector, supervisor) -> None:
    case = fresh(issued.case)
    url = action_url(case, "letter_regenerate")
    client.force_login(inspector)
    response = client.post(url, {"version": case.version, "reason": "Adres gewijzigd"})
    # Refused on the case page, like every action this role may not take.
    assert response.status_code == 200
    assert page_says(response, "Alleen een teamleider mag een brief opnieuw maken.")
    assert Letter.objects.filter(case=case).count() == 1
    client.force_login(supervisor)
    response = client.post(url, {"version": case.version, "reason": ""})
    assert response.status_code == 200
    assert page_says(response, "Dit veld is verplicht.")
    assert Letter.objects.filter(case=case).count() == 1
    response = client.post(url, {"version": case.version, "reason": "Adres gewijzigd"})
    assert response.status_code == 302
    assert Letter.objects.filter(case=case).count() == 2
    assert any("Brief 2 is gemaakt" in m for m in _messages(response))


def test_mark_sent_view_validates_and_records(client, issued: Letter, inspector) -> None:
    client.force_login(inspector)
    case = fresh(issued.case)
    url = action_url(case, "letter_mark_sent")
    today = timezone.localdate()
    cases = [
        ({"sent_at": (today + dt.timedelta(days=3)).isoformat(), "sent_via": SentVia.POST},
         "De verzenddatum ligt in de toekomst."),
        ({"sent_at": today.isoformat(), "sent_via": ""}, "Kies hoe de brief is verzonden."),
        ({"sent_at": "", "sent_via": SentVia.POST}, "Vul de verzenddatum in."),
        ({"sent_at": "31-02-2021", "sent_via": SentVia.POST}, "Voer een geldige datum in."),
        ({"sent_at": today.isoformat(), "sent_via": "duif"}, "Kies hoe de brief is verzonden."),
    ]  # fmt: skip
    for data, message in cases:
        response = client.post(url, {"version": case.version, "letter": issued.number, **data})
        assert response.status_code == 200
        assert page_says(response, message), (data, message)
        assert Letter.objects.get(pk=issued.pk).sent_at is None
    assert not Event.objects.filter(kind=EventKind.LETTER_SENT).exists()
    response = client.post(
        url,
        {
            "version": case.version,
            "letter": issued.number,
            "sent_at": today.isoformat(),
            "sent_via": SentVia.POST,
        },
    )
    assert response.status_code == 302
    letter = Letter.objects.get(pk=issued.pk)
    assert (letter.sent_at, letter.sent_via) == (today, SentVia.POST)
    event = Event.objects.get(kind=EventKind.LETTER_SENT)
    assert event.actor == inspector
    assert event.data["letter_number"] == 1
    assert any("verzonden" in m for m in _messages(response))


def test_mark_sent_needs_act_permission(
    client, issued: Letter, other_inspector, functional_admin
) -> None:
    url = action_url(issued.case, "letter_mark_sent")
    data = {
        "version": fresh(issued.case).version,
        "letter": issued.number,
        "sent_at": "2021-04-12",
        "sent_via": "post",
    }
    client.force_login(other_inspector)
    assert client.post(url, data).status_code == 404
    client.force_login(functional_admin)
    assert client.post(url, data).status_code == 403
    assert Letter.objects.get(pk=issued.pk).sent_at is None


def test_download_of_a_damaged_document_is_refused_in_dutch(
    client, issued: Letter, inspector
) -> None:
    path = documents.path_for(issued.sha256)
    path.chmod(0o600)
    path.write_bytes(b"%PDF-1.7 tampered")
    client.force_login(inspector)
    url = reverse(
        "letter_download", kwargs={"reference": issued.case.reference, "number": issued.number}
    )
    response = client.get(url)
    assert response.status_code == 302
    assert any("kon niet worden gelezen" in m for m in _messages(response))
    assert not Event.objects.filter(kind=EventKind.LETTER_DOWNLOADED).exists()
