"""The Dutch salutation rules (`cases.salutation`), as a table, and the parser that moved
the free-text contact names into the structured fields."""

from __future__ import annotations

import pytest

from cases.salutation import (
    PersonName,
    addressee,
    display_name,
    full_name,
    in_text,
    parse_name,
    salutation,
)
from tests.helpers import initials_after_form

H, M, N = "heer", "mevrouw", "neutral"

# (form, title, initials, tussenvoegsel, surname) → salutation, address block, running text
TABLE: list[tuple[tuple[str, str, str, str, str], str, str, str]] = [
    ((H, "", "V.", "", "Wouters"), "Geachte heer Wouters,", "V. Wouters", "de heer Wouters"),
    ((M, "", "", "de", "Haan"), "Geachte mevrouw De Haan,", "mevrouw De Haan", "mevrouw De Haan"),
    ((M, "", "A.", "de", "Haan"), "Geachte mevrouw De Haan,", "A. de Haan", "mevrouw De Haan"),
    (
        (H, "", "J.P.", "van der", "Berg"),
        "Geachte heer Van der Berg,",
        "J.P. van der Berg",
        "de heer Van der Berg",
    ),
    (
        (H, "", "", "van den", "Heuvel"),
        "Geachte heer Van den Heuvel,",
        "de heer Van den Heuvel",
        "de heer Van den Heuvel",
    ),
    ((M, "", "K.", "", "Bakker"), "Geachte mevrouw Bakker,", "K. Bakker", "mevrouw Bakker"),
    ((N, "", "S.", "de", "Vries"), "Geachte S. de Vries,", "S. de Vries", "S. de Vries"),
    ((N, "", "Sam", "de", "Vries"), "Geachte Sam de Vries,", "Sam de Vries", "Sam de Vries"),
    ((N, "", "Lotte", "", "Smit"), "Geachte Lotte Smit,", "Lotte Smit", "Lotte Smit"),
    ((N, "", "", "de", "Vries"), "Geachte heer, mevrouw,", "De Vries", "De Vries"),
    ((N, "", "", "", ""), "Geachte heer, mevrouw,", "", ""),
    (("", "", "", "", ""), "Geachte heer, mevrouw,", "", ""),
    (("", "", "P.", "", "Jansen"), "Geachte heer, mevrouw,", "P. Jansen", "P. Jansen"),
    ((H, "", "", "", ""), "Geachte heer,", "", ""),
    ((M, "", "", "", ""), "Geachte mevrouw,", "", ""),
    # Titles are in the address, never in the salutation.
    (
        (H, "drs.", "V.", "", "Wouters"),
        "Geachte heer Wouters,",
        "drs. V. Wouters",
        "de heer Wouters",
    ),
    (
        (M, "mr.", "A.", "van", "Dijk"),
        "Geachte mevrouw Van Dijk,",
        "mr. A. van Dijk",
        "mevrouw Van Dijk",
    ),
    ((M, "prof. dr.", "E.", "", "Kok"), "Geachte mevrouw Kok,", "prof. dr. E. Kok", "mevrouw Kok"),
    # After a title alone the tussenvoegsel keeps its capital (Onze Taal: "dr. mr. Van der Sluis").
    (
        (H, "ir.", "", "de", "Groot"),
        "Geachte heer De Groot,",
        "de heer ir. De Groot",
        "de heer De Groot",
    ),
    ((N, "dr.", "R.", "", "Maas"), "Geachte R. Maas,", "dr. R. Maas", "dr. R. Maas"),
    # Double surnames: the second part keeps its own spelling.
    (
        (M, "", "A.", "", "Jansen-de Vries"),
        "Geachte mevrouw Jansen-de Vries,",
        "A. Jansen-de Vries",
        "mevrouw Jansen-de Vries",
    ),
    (
        (M, "", "", "van", "Dam-Bakker"),
        "Geachte mevrouw Van Dam-Bakker,",
        "mevrouw Van Dam-Bakker",
        "mevrouw Van Dam-Bakker",
    ),
    (
        (H, "", "T.", "de", "Wit-van Leeuwen"),
        "Geachte heer De Wit-van Leeuwen,",
        "T. de Wit-van Leeuwen",
        "de heer De Wit-van Leeuwen",
    ),
    (
        (N, "", "M.", "", "Smits-van der Meer"),
        "Geachte M. Smits-van der Meer,",
        "M. Smits-van der Meer",
        "M. Smits-van der Meer",
    ),
    # Tussenvoegsels of several words and with an apostrophe.
    (
        (H, "", "", "in 't", "Veld"),
        "Geachte heer In 't Veld,",
        "de heer In 't Veld",
        "de heer In 't Veld",
    ),
    (
        (M, "", "L.", "in 't", "Veld"),
        "Geachte mevrouw In 't Veld,",
        "L. in 't Veld",
        "mevrouw In 't Veld",
    ),
    # 't and d' stay in lower case (Onze Taal: "meneer 't Hart").
    ((H, "", "", "'t", "Hart"), "Geachte heer 't Hart,", "de heer 't Hart", "de heer 't Hart"),
    (
        (M, "", "", "op den", "Akker"),
        "Geachte mevrouw Op den Akker,",
        "mevrouw Op den Akker",
        "mevrouw Op den Akker",
    ),
    (
        (H, "", "G.", "van der", "Linden"),
        "Geachte heer Van der Linden,",
        "G. van der Linden",
        "de heer Van der Linden",
    ),
    # Stored in capitals by someone: still right.
    (
        (M, "", "", "Van Der", "Veen"),
        "Geachte mevrouw Van der Veen,",
        "mevrouw Van der Veen",
        "mevrouw Van der Veen",
    ),
    # A Belgian surname as registered: the whole name in the surname field.
    (
        (M, "", "P.", "", "Van der Meeren"),
        "Geachte mevrouw Van der Meeren,",
        "P. Van der Meeren",
        "mevrouw Van der Meeren",
    ),
    # Names from other languages, letters outside ASCII.
    (
        (H, "", "Ł.", "", "Wiśniewski"),
        "Geachte heer Wiśniewski,",
        "Ł. Wiśniewski",
        "de heer Wiśniewski",
    ),
    ((M, "", "F.", "", "Yılmaz"), "Geachte mevrouw Yılmaz,", "F. Yılmaz", "mevrouw Yılmaz"),
    ((M, "", "", "", "Nguyễn"), "Geachte mevrouw Nguyễn,", "mevrouw Nguyễn", "mevrouw Nguyễn"),
    (
        (H, "", "M.", "", "El Amrani"),
        "Geachte heer El Amrani,",
        "M. El Amrani",
        "de heer El Amrani",
    ),
    ((H, "", "S.", "", "O'Brien"), "Geachte heer O'Brien,", "S. O'Brien", "de heer O'Brien"),
    # Stray whitespace is collapsed.
    (
        (H, " ", "  V. ", " ", " Wouters  "),
        "Geachte heer Wouters,",
        "V. Wouters",
        "de heer Wouters",
    ),
]


@pytest.mark.parametrize(
    ("parts", "expected_salutation", "expected_address", "expected_text"),
    TABLE,
    ids=[
        f"{i:02d}-{'-'.join(p.strip() for p in row[0] if p.strip()) or 'nothing'}"
        for i, row in enumerate(TABLE)
    ],
)
def test_salutation_table(
    parts: tuple[str, str, str, str, str],
    expected_salutation: str,
    expected_address: str,
    expected_text: str,
) -> None:
    name = PersonName(*parts)
    assert salutation(name) == expected_salutation
    assert addressee(name) == expected_address
    assert in_text(name) == expected_text


def test_table_is_large_and_never_shows_the_known_mistakes() -> None:
    assert len(TABLE) >= 30
    for _parts, *written in TABLE:
        said = written[0]
        assert not said.startswith(("Geachte de ", "Geachte mevrouw mevrouw", "Geachte heer heer"))
        for text in written:
            assert not initials_after_form(text), text
    # The pattern itself finds what it must.
    assert initials_after_form("Geachte de heer V. Wouters,")
    assert initials_after_form("mevrouw Ł. Wiśniewska")
    assert initials_after_form("t.a.v. de heer\nTh. Jansen")
    assert not initials_after_form("mevrouw De Haan")
    assert not initials_after_form("de heer ir. De Groot")


def test_display_name_is_what_screens_show() -> None:
    assert display_name(PersonName(H, "drs.", "V.", "", "Wouters")) == "de heer drs. V. Wouters"
    assert display_name(PersonName(M, "", "", "de", "Haan")) == "mevrouw De Haan"
    assert display_name(PersonName(N, "", "S.", "de", "Vries")) == "S. de Vries"
    assert display_name(PersonName(H)) == ""


def test_full_name_has_no_form_of_address() -> None:
    assert full_name(PersonName(H, "drs.", "V.", "", "Wouters")) == "drs. V. Wouters"
    assert full_name(PersonName(M, "", "", "de", "Haan")) == "De Haan"


PARSE: list[tuple[str, tuple[str, str, str, str, str]]] = [
    ("de heer V. Wouters", (H, "", "V.", "", "Wouters")),
    ("De heer V. Wouters", (H, "", "V.", "", "Wouters")),
    ("mevrouw De Haan", (M, "", "", "de", "Haan")),
    ("mevrouw P. de Boer", (M, "", "P.", "de", "Boer")),
    ("dhr. J.P. van der Berg", (H, "", "J.P.", "van der", "Berg")),
    ("Dhr J. Jansen", (H, "", "J.", "", "Jansen")),
    ("mw. A. Jansen-de Vries", (M, "", "A.", "", "Jansen-de Vries")),
    ("Mw drs. K. Bakker", (M, "drs.", "K.", "", "Bakker")),
    ("mevr. mr. A. van Dijk", (M, "mr.", "A.", "van", "Dijk")),
    ("de heer prof. dr. E. Kok", (H, "prof. dr.", "E.", "", "Kok")),
    ("meneer 't Hart", (H, "", "", "'t", "Hart")),
    ("mevrouw L. in 't Veld", (M, "", "L.", "in 't", "Veld")),
    ("Sanne de Wit", ("", "", "Sanne", "de", "Wit")),
    ("S. de Vries", ("", "", "S.", "de", "Vries")),
    ("Wouters", ("", "", "", "", "Wouters")),
    ("de heer Ł. Wiśniewski", (H, "", "Ł.", "", "Wiśniewski")),
    ("de heer Th. O'Brien", (H, "", "Th.", "", "O'Brien")),
    ("ir. R. Maas", ("", "ir.", "R.", "", "Maas")),
    ("de heer", (H, "", "", "", "")),
    ("", ("", "", "", "", "")),
]


@pytest.mark.parametrize(("text", "parts"), PARSE, ids=[t or "empty" for t, _p in PARSE])
def test_parse_name(text: str, parts: tuple[str, str, str, str, str]) -> None:
    parsed = parse_name(text)
    assert parsed.name.parts() == parts
    assert parsed.problem == ""


@pytest.mark.parametrize(
    ("text", "kept_form", "kept"),
    [
        ("afdeling personeelszaken", "", "afdeling personeelszaken"),
        ("de heer afdeling HR", H, "afdeling HR"),
        ("hr@bakkerij.example", "", "hr@bakkerij.example"),
        ("mevrouw jansen", M, "jansen"),
        ("Receptie 2e verdieping", "", "Receptie 2e verdieping"),
    ],
)
def test_what_cannot_be_parsed_is_kept_and_reported(text: str, kept_form: str, kept: str) -> None:
    parsed = parse_name(text)
    assert parsed.problem
    assert parsed.name == PersonName(form=kept_form, surname=kept)


def test_uncertain_split_is_reported() -> None:
    parsed = parse_name("Mohamed El Amrani")
    assert parsed.problem  # first names "Mohamed El", or surname "El Amrani"?
    assert parsed.name.surname
