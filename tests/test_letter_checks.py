"""The checks at issuing (cases/letter_checks.py, cases/leak_guard.py): due dates, the address
in the envelope window (measured with `pdftotext -bbox`), glyph coverage with only bundled
fonts (`pdffonts`), typography (no broken names, agreements on page 1) and the leak guard."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases import leak_guard, letter_checks, letters, services
from cases.letter_checks import LetterChecksError
from cases.models import Case, Event, EventKind, InspectorProfile, Letter, State
from tests.factories import EmployerFactory
from tests.helpers import (
    add_agreement,
    case_in_state,
    freeze,
    fresh,
    last_event_pk,
    new_events,
    record_reached_call,
    snapshot,
)
from tests.test_letters import pdf_text, tool

MM = 72 / 25.4
LONG_NAME = "Stichting Katholiek Primair Onderwijs Stavenisse-Hoogendijk en Omstreken"
LONG_CONTACT = "mevrouw drs. A.B.C. van der Stavenisse-Hoogendijk-Wolfswinkel"


def neutral(
    initials: str, surname: str, tussenvoegsel: str = "", title: str = ""
) -> dict[str, str]:
    """The person spoken to without a form of address ("Geachte Nguyễn Văn Đức,")."""
    return {
        "contact_form_of_address": "neutral",
        "contact_title": title,
        "contact_initials": initials,
        "contact_tussenvoegsel": tussenvoegsel,
        "contact_surname": surname,
    }


def melder(name: str = "", email: str = "", phone: str = "") -> services.MelderInput:
    return services.MelderInput(name=name, email=email, phone=phone)


def ready_case(
    inspector: Any,
    *,
    employer: Any = None,
    agreements: tuple[str, ...] = ("Kantoormedewerkers werken vanaf maandag volledig thuis.",),
    contact: str | dict[str, str] = "de heer P. Bakker",
    **intake: Any,
) -> Case:
    """A case in employer_called with a reached call and the given agreements; `contact` is
    the person spoken to, as text ("mevrouw P. de Boer") or as the structured fields."""
    case = case_in_state(
        State.UNDER_INVESTIGATION,
        inspector=inspector,
        employer=employer or EmployerFactory(),
        **intake,
    )
    if isinstance(contact, str):
        record_reached_call(case, inspector, contact_name=contact)
    else:
        record_reached_call(case, inspector, contact=contact)
    for number, description in enumerate(agreements, start=1):
        add_agreement(fresh(case), inspector, description=description, days=7 * number)
    return fresh(case)


def issue(case: Case, actor: Any) -> Letter:
    current = fresh(case)
    return services.issue_confirmation_letter(case=current, actor=actor, version=current.version)


def refused_issue(case: Case, actor: Any) -> tuple[LetterChecksError, Event]:
    """Issuing must be refused by the checks, store nothing but the decision's Event."""
    before = snapshot(case)
    since = last_event_pk()
    with pytest.raises(LetterChecksError) as info:
        issue(case, actor)
    after = snapshot(case)
    assert after.pop("events") == before.pop("events") + 1
    assert after == before
    (event,) = new_events(since)
    assert event.kind == EventKind.LETTER_CHECKED
    assert event.data["decision"] == "refused"
    return info.value, event


Word = tuple[float, float, float, float, str]


def words_on_pages(pdf: bytes, tmp_path: Path) -> list[list[Word]]:
    """Per page, every word with its box in mm from the top left: (x0, y0, x1, y1, word)."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    xhtml = subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [
            (float(x0) / MM, float(y0) / MM, float(x1) / MM, float(y1) / MM, word)
            for x0, y0, x1, y1, word in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page
            )
        ]
        for page in re.findall(r"<page .*?</page>", xhtml, re.DOTALL)
    ]


def address_words(page: list[Word], employer_name: str) -> list[Word]:
    """The words of the address block: from the employer's name down to the line before
    "Betreft", left of the reference column."""
    first = employer_name.split()[0]
    top = min((w for w in page if w[4] == first and w[0] < 120), key=lambda w: w[1])
    betreft = next(w for w in page if w[4] == "Betreft")
    return [w for w in page if top[1] - 0.5 <= w[1] < betreft[1] - 1 and w[0] < 120]


# ---------------------------------------------------------------------------
# The leak guard: the matching rule


def test_fold_and_words() -> None:
    assert leak_guard.fold("  ÖZLEM\tKılıç-Nguyễn  ") == "ozlem kilic-nguyen"
    assert leak_guard.words("J.  de   VRIES, Łódź") == ["j", "de", "vries", "lodz"]


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        # the full name, written differently: upper case, no diacritics, extra spaces
        ("Özlem Kılıç", "Afspraak met OZLEM    KILIC over thuiswerken.", True),
        ("Nguyễn Văn Đức", "nguyen van  duc werkt voortaan thuis", True),
        ("Jan Pieter de Vries", "Met Jan de Vries is afgesproken ...", True),
        # initial plus surname, with the tussenvoegsel
        ("Jan de Vries", "Mevrouw J. de Vries krijgt een laptop.", True),
        ("Jan Pieter de Vries", "P de Vries", True),
        ("J. Jansen", "De heer j.jansen werkt thuis.", True),
        # never the surname alone
        ("J. Jansen", "Bakkerij Jansen laat het kantoorpersoneel thuiswerken.", False),
        ("Jan de Vries", "De Vries Bouw B.V. stelt laptops beschikbaar.", False),
        ("Jansen", "Jansen", False),
        # another initial, or the name inside a longer word, is not the melder
        ("Jan de Vries", "K. de Vries", False),
        ("Jan de Vries", "Jande Vriesland", False),
    ],
)
def test_name_matching(name: str, text: str, found: bool) -> None:
    data = [
        leak_guard.MelderData(
            names=tuple(tuple(p) for p in leak_guard.name_patterns(name)),
            email="",
            phone="",
            description_runs=frozenset(),
        )
    ]
    assert (leak_guard.NAME in leak_guard.leaks_in(text, data)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Bel 06-12345678 voor overleg.", True),
        ("Bel +31 6 1234 5678 voor overleg.", True),
        ("Bel 0031 (0)6 12 34 56 78.", True),
        ("Bel 06 1234 5679.", False),
        ("Zaaknummer 612345.", False),
    ],
)
def test_phone_matching(text: str, found: bool) -> None:
    data = [leak_guard.MelderData((), "", leak_guard.phone_digits("0612345678"), frozenset())]
    assert (leak_guard.PHONE in leak_guard.leaks_in(text, data)) is found


def test_email_and_description_matching() -> None:
    description = "Mijn leidinggevende zegt dat ik elke dag op kantoor moet komen werken."
    data = [
        leak_guard.MelderData(
            (),
            leak_guard.fold("Z.Celik@Example.NL"),
            "",
            frozenset(leak_guard._runs(leak_guard.words(description), 8)),
        )
    ]
    assert leak_guard.leaks_in("Mail z.celik@example.nl bij vragen", data) == ["email"]
    eight = "ZEGT dat ik elke dag op kantoor moet"
    assert leak_guard.leaks_in(f"De werkgever {eight}.", data) == ["description"]
    seven = "zegt dat ik elke dag op kantoor"
    assert leak_guard.leaks_in(f"De werkgever {seven}.", data) == []


# ---------------------------------------------------------------------------
# The leak guard at issuing


def test_guard_refuses_the_melders_name_written_differently(inspector) -> None:
    case = ready_case(
        inspector,
        melder=melder("Zoë Çelik-Nguyễn", "zoe@example.nl", "0612345678"),
        agreements=(
            "Thuiswerken wordt de norm.",
            "Met ZOE   CELIK-NGUYEN wordt een werkplek thuis ingericht.",
        ),
    )
    error, event = refused_issue(case, inspector)
    assert [(p.check, p.field) for p in error.problems] == [("leak", "agreement_2")]
    assert "afspraak 2" in error.message and "naam van een melder" in error.message
    for secret in ("Zoë", "Çelik", "Nguy", "zoe@example.nl", "0612345678"):
        assert secret.lower() not in error.message.lower()
        assert secret.lower() not in str(event.data).lower()
    assert event.data == {"decision": "refused", "checks": ["leak"], "fields": ["agreement_2"]}
    assert fresh(case).state == State.EMPLOYER_CALLED


def test_guard_does_not_refuse_the_surname_in_the_employers_name(inspector) -> None:
    """Melder "J. Jansen" at "Bakkerij Jansen": the surname alone is not the melder."""
    case = ready_case(
        inspector,
        employer=EmployerFactory(
            name="Bakkerij Jansen",
            contact_initials="K.",
            contact_tussenvoegsel="",
            contact_surname="Bakker",
        ),
        melder=melder("J. Jansen"),
        agreements=("Bakkerij Jansen laat het kantoorpersoneel vanaf maandag thuiswerken.",),
        contact="mevrouw Jansen-Smit",
    )
    since = last_event_pk()
    letter = issue(case, inspector)
    checked = [e for e in new_events(since) if e.kind == EventKind.LETTER_CHECKED]
    assert [e.data for e in checked] == [
        {"decision": "passed", "checks": [], "fields": [], "letter_number": 1}
    ]
    assert contains_words(pdf_text(letters_bytes(letter)), "Bakkerij Jansen")


@pytest.mark.parametrize(
    ("typed", "check_field"),
    [
        ("Bel bij vragen +31 6 1234 5678.", "agreement_1"),
        ("Stuur het rooster naar Z.Celik@Example.nl.", "agreement_1"),
        ("Ik moet elke dag naar kantoor komen terwijl dat niet nodig is.", "agreement_1"),
    ],
)
def test_guard_refuses_email_phone_and_description(inspector, typed, check_field) -> None:
    case = ready_case(
        inspector,
        melder=melder("Z. Celik", "z.celik@example.nl", "06 1234 5678"),
        description="Ik moet elke dag naar kantoor komen terwijl dat niet nodig is voor mijn werk.",
        agreements=(typed,),
    )
    error, _event = refused_issue(case, inspector)
    assert [(p.check, p.field) for p in error.problems] == [("leak", check_field)]


def test_guard_checks_the_contact_person_and_every_melder_of_a_duplicate(
    inspector, supervisor
) -> None:
    case = ready_case(inspector, melder=melder("Anna Smit"), contact="mevrouw A. Smit")
    problems = letter_checks.issuing_problems(case)
    assert [(p.check, p.field) for p in problems] == [("leak", "call_contact_name")]
    # A second melding about the same employer, closed as a duplicate of this one.
    clean = ready_case(inspector, melder=melder("Anna Smit"))
    assert letter_checks.issuing_problems(clean) == []
    other = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, melder=melder("Bram Wouters")
    )
    services.case_close(
        case=other,
        actor=inspector,
        version=fresh(other).version,
        outcome="dubbele_melding",
        main_case=clean,
    )
    assert leak_guard.covered_cases(clean) == [clean.pk, other.pk]
    services.agreement_add(
        case=fresh(clean),
        actor=inspector,
        version=fresh(clean).version,
        description="B. Wouters krijgt een laptop.",
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    problems = letter_checks.issuing_problems(fresh(clean))
    assert [(p.check, p.field) for p in problems] == [("leak", "agreement_2")]


def test_the_person_spoken_to_is_one_field_named_where_it_is_corrected(inspector) -> None:
    """The addressee, the salutation and "gesproken met …" all print the person spoken to:
    a leak there is one problem, pointing to the call's "Gesprekspartner corrigeren"."""
    case = ready_case(
        inspector, melder=melder("Anna Smit"), contact=neutral("A.", "Smit", title="drs.")
    )
    letter = letters.build_confirmation_letter(case, draft=True)
    assert letter.salutation == "Geachte A. Smit,"
    problems = letter_checks.issuing_problems(case, letter)
    assert [(p.check, p.field) for p in problems] == [("leak", "call_contact_name")]
    assert "Gesprekspartner corrigeren" in problems[0].message
    # Only the salutation names the melder: the guard reads it too.
    only_salutation = dataclasses.replace(letter, contact_name="", call_contact_name="")
    problems = letter_checks.issuing_problems(case, only_salutation)
    assert [(p.check, p.field) for p in problems] == [("leak", "call_contact_name")]
    # A draft before any call names the employer's contact person, corrected on the employer.
    before_call = dataclasses.replace(letter, call_date="", call_contact_name="")
    assert [f for f, _t in letter_checks.address_fields(before_call)][1] == (
        "employer_contact_name"
    )
    problems = letter_checks.issuing_problems(case, before_call)
    assert [(p.check, p.field) for p in problems] == [("leak", "employer_contact_name")]
    assert "contactpersoon van de werkgever" in problems[0].message


# ---------------------------------------------------------------------------
# Due dates


def test_a_due_date_before_the_letter_date_is_refused(inspector, monkeypatch) -> None:
    case = ready_case(inspector, agreements=("Eerste afspraak.", "Tweede afspraak."))
    due_first = timezone.localdate() + dt.timedelta(days=7)
    later = timezone.now() + dt.timedelta(days=10)
    freeze(monkeypatch, later)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: timezone.localtime(later).date())
    error, event = refused_issue(case, inspector)
    assert [(p.check, p.field) for p in error.problems] == [("due_date", "agreement_1")]
    assert letters.dutch_date(due_first) in error.message
    assert event.data["checks"] == ["due_date"]


# ---------------------------------------------------------------------------
# The address in the envelope window


def address_line_count(case: Case) -> int:
    letter = letters.build_confirmation_letter(case, draft=True)
    fields = letter_checks.address_fields(letter)
    return sum(len(letter_checks.wrap(text)[0]) for _field, text in fields)


def test_a_six_line_address_fits_the_window_by_measured_coordinates(
    inspector, tmp_path: Path
) -> None:
    employer = EmployerFactory(
        name=LONG_NAME,
        visit_street="Burgemeester van Rappardstraat",
        visit_number="117-119",
        visit_city="Stavenisse-Hoogendijk",
    )
    # The letter is addressed to the person spoken to: the long name is the call's.
    case = ready_case(inspector, employer=employer, contact=LONG_CONTACT)
    assert address_line_count(case) == 6
    assert letter_checks.issuing_problems(case) == []
    letter = issue(case, inspector)
    page = words_on_pages(letters_bytes(letter), tmp_path)[0]
    block = address_words(page, LONG_NAME)
    lines = sorted({round(w[1], 1) for w in block})
    assert len(lines) == 6, lines
    # DIN 5008 form B: the recipient from 50 mm (glyph boxes reach 0.3 mm above) down to
    # 90 mm, inside the window (page x 20-110 mm).
    assert all(w[1] >= 49 and w[3] <= 90 for w in block), block
    assert all(w[0] >= 20 and w[2] <= 110 for w in block), block
    assert block[-1][4] == "STAVENISSE-HOOGENDIJK"


def test_a_nine_line_address_is_refused_naming_the_field(inspector, tmp_path: Path) -> None:
    employer = EmployerFactory(
        name=f"{LONG_NAME} afdeling Voortgezet Speciaal Onderwijs en Kinderopvang "
        "Zuid-Beveland, locatie Stavenisse-Noord en Hoogendijk-Zuid",
        visit_street="Burgemeester van Rappardstraat",
        visit_number="117-119",
        visit_city="Stavenisse-Hoogendijk",
    )
    case = ready_case(
        inspector,
        employer=employer,
        contact=neutral(
            "A.B.C.",
            "Stavenisse-Hoogendijk-Wolfswinkel en Van den Oudenrijn",
            tussenvoegsel="van der",
            title="drs.",
        ),
    )
    assert address_line_count(case) == 9
    error, event = refused_issue(case, inspector)
    assert [(p.check, p.field) for p in error.problems] == [("address", "employer_name")]
    assert "9 regels" in error.message and "de naam van de werkgever" in error.message
    assert event.data["fields"] == ["employer_name"]
    # The draft shows the problem, and shows why: the last lines fall below the window.
    pdf = letters.render_draft(case)
    assert "Controle vóór verzending" in pdf_text(pdf)
    assert "9 regels" in " ".join(pdf_text(pdf).split())
    block = address_words(words_on_pages(pdf, tmp_path)[0], employer.name)
    assert max(w[3] for w in block) > 90


def test_each_address_line_is_named_by_its_field(inspector) -> None:
    letter = letters.build_confirmation_letter(ready_case(inspector), draft=True)

    def fields(**changes: Any) -> list[str]:
        changed = dataclasses.replace(letter, **changes)
        return [field for field, _text in letter_checks.address_fields(changed)]

    street, place = "address_street", "address_place"
    assert fields() == ["employer_name", "contact_name", street, place]
    assert fields(contact_name="", address_lines=("DEN HAAG",)) == ["employer_name", place]
    assert fields(address_lines=("2511 VX  DEN HAAG",))[-1] == place
    assert fields(address_lines=("Parnassusplein 5",))[-1] == street
    assert fields(contact_name="", address_lines=()) == ["employer_name"]


def test_a_word_too_wide_for_the_window_is_refused(inspector) -> None:
    name = "Schoonmaakbedrijfsondersteuningsdienstverleningsorganisatie BV"
    employer = EmployerFactory(name=name)
    case = ready_case(inspector, employer=employer)
    problems = letter_checks.issuing_problems(case)
    assert [(p.check, p.field) for p in problems] == [("address", "employer_name")]
    assert "te lang" in problems[0].message


# ---------------------------------------------------------------------------
# Glyphs: only bundled fonts

PANGRAM = {
    "employer": "Phở Đặng Thị Ngọc Hân Łódź Şükrü Çağlar",
    "contact": "Nguyễn Văn Đức",  # neutral: given names "Nguyễn Văn", surname "Đức"
    "agreement": (
        "Tiếng Việt: Trần Thị Ánh Tuyết, Lê Hữu Phước, Vũ Hoàng Ỷ, Đỗ Quốc Bảo. "
        "Polski: Zażółć gęślą jaźń, Wiśniewski. Türkçe: Öztürk, Yılmaz, İstanbul, Gülşen Ağaoğlu. "
        "Nederlands: Ĳsselmeer, Zoë, café, coöperatie."
    ),
}


def test_a_vietnamese_polish_turkish_pangram_uses_only_bundled_fonts(
    inspector, tmp_path: Path
) -> None:
    case = ready_case(
        inspector,
        employer=EmployerFactory(name=PANGRAM["employer"], visit_city="Đà Nẵng"),
        agreements=(PANGRAM["agreement"],),
        contact=neutral("Nguyễn Văn", "Đức"),
    )
    assert letter_checks.issuing_problems(case) == []
    pdf = letters_bytes(issue(case, inspector))
    path = tmp_path / "pangram.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(  # noqa: S603
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    names = [row.split()[0].split("+", 1)[1] for row in output.splitlines()[2:]]
    assert set(names) <= {
        "Source-Sans-3,",  # WeasyPrint's name for the regular latin face
        "Source-Sans-3",
        "Source-Sans-3-Bold",
        "Source-Sans-3-Ext",
        "Source-Sans-3-Ext-Bold",
        "Source-Sans-3-Viet",
        "Source-Sans-3-Viet-Bold",
    }, names
    assert "Source-Sans-3-Viet" in names
    text = " ".join(pdf_text(pdf).split())
    for value in PANGRAM.values():
        for word in value.split():
            assert word in text, word


def test_a_character_no_bundled_font_has_is_refused_and_never_drawn_by_a_system_font(
    inspector, tmp_path: Path
) -> None:
    case = ready_case(inspector, agreements=("Het rooster staat op het prikbord 中.",))
    problems = letter_checks.issuing_problems(case)
    assert [(p.check, p.field) for p in problems] == [("glyphs", "agreement_1")]
    assert "U+4E2D" in problems[0].message
    path = tmp_path / "draft.pdf"
    path.write_bytes(letters.render_draft(case))
    output = subprocess.run(  # noqa: S603
        [tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert all("Source-Sans-3" in row.split()[0] for row in output.splitlines()[2:]), output


# ---------------------------------------------------------------------------
# Typography


def letters_bytes(letter: Letter) -> bytes:
    from cases import documents

    return documents.read(letter.sha256)


def contains_words(text: str, value: str) -> bool:
    """`value` appears in the PDF's text with every word whole (a line break may fall only
    between words)."""
    return " ".join(value.split()) in " ".join(text.split())


@pytest.mark.parametrize("padding", [0, 9, 17, 26])
def test_names_emails_and_phone_numbers_are_never_broken(
    inspector, padding: int, tmp_path: Path
) -> None:
    """The employer's name lands at a different place in the opening paragraph each time."""
    InspectorProfile.objects.update_or_create(
        user=inspector, defaults={"phone": "0703334444", "team": "Team Zuid-Holland"}
    )
    inspector.email = "sanne.dewit-stavenisse@inspectieszw.example"
    inspector.save()
    name = "Stavenisse-Hoogendijk Bakkerij Inspectiediensten B.V."
    contact = "K. " + "Abcdefghijklmnopqrstuvwxyz"[: 3 + padding % 23] + " Verhoeven-Stavenisse"
    case = ready_case(inspector, employer=EmployerFactory(name=name), contact=f"de heer {contact}")
    pdf = letters.render_confirmation_letter(case)
    text = pdf_text(pdf)
    for value in (name, contact, inspector.email, "Inspectie SZW", case.reference):
        assert contains_words(text, value), value
    # No word is split over two lines, with or without a hyphen.
    lines = [line for page in words_on_pages(pdf, tmp_path) for line in page]
    words = {w[4] for w in lines}
    for part in ("Stavenisse-Hoogendijk", "Inspectiediensten", "Verhoeven-Stavenisse"):
        assert part in words, part
    assert "070 333 4444" in text  # on one line
    assert not re.search(r"070 333\s*\n|070\s*\n", text)


def test_the_agreements_are_on_page_one_when_they_fit(inspector, tmp_path: Path) -> None:
    case = ready_case(
        inspector,
        agreements=(
            "Kantoormedewerkers werken vanaf maandag volledig thuis.",
            "De werkgever stelt beeldschermen en stoelen beschikbaar.",
            "Teamoverleg gebeurt voortaan via videobellen.",
        ),
    )
    pages = words_on_pages(letters.render_confirmation_letter(case), tmp_path)
    first = {w[4] for w in pages[0]}
    for word in ("Kantoormedewerkers", "beeldschermen", "videobellen.", "Uiterlijk"):
        assert word in first, word
    for agreement in fresh(case).agreements.all():
        assert letters.dutch_date(agreement.due_date).split()[1] in first


# ---------------------------------------------------------------------------
# The preview


def test_the_preview_shows_the_failed_checks(client, inspector) -> None:
    case = ready_case(
        inspector,
        melder=melder("Anna Smit"),
        agreements=("Anna Smit krijgt een laptop.",),
    )
    client.force_login(inspector)
    response = client.get(reverse("letter_preview", args=[case.reference]))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "Controle vóór verzending" in text
    assert "Persoonsgegevens: afspraak 1 bevat de naam van een melder" in text
    assert "Anna Smit krijgt" in text  # the draft itself still shows what was typed
    assert not Event.objects.filter(kind=EventKind.LETTER_CHECKED).exists()


def test_the_case_page_names_the_failed_check_and_the_timeline_records_it(
    client, inspector
) -> None:
    case = ready_case(
        inspector,
        melder=melder("Anna Smit", phone="0612345678"),
        agreements=("Thuiswerken wordt de norm.", "Bel bij vragen 06 1234 5678."),
    )
    client.force_login(inspector)
    url = reverse("case_action", kwargs={"reference": case.reference, "action": "letter_confirm"})
    response = client.post(url, {"version": fresh(case).version})
    assert response.status_code == 200  # the case page again, with the refusal
    page = response.content.decode()
    assert escape("De brief is niet uitgegeven en er is niets gewijzigd.") in page
    assert escape("Persoonsgegevens: afspraak 2 bevat het telefoonnummer van een melder.") in page
    assert fresh(case).state == State.EMPLOYER_CALLED
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert escape("Brief gecontroleerd vóór uitgifte") in page
    assert escape("Geweigerd door: persoonsgegevens van een melder") in page
    assert escape("In: afspraak 2") in page
