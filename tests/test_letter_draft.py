"""`manage.py letter_draft`: the draft letter of any case with a reached call, in any state,
with the issuing checks that would fail on stderr; and, on the kamerbrief_2021 data, drafts
for 30 varied cases addressed correctly to the person spoken to."""

from __future__ import annotations

import json
import random
import re
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import CONTACT_FIELDS, Call, Case, Employer, State
from cases.salutation import PersonName, addressee, in_text, salutation
from tests.helpers import add_agreement, case_in_state, initials_after_form
from tests.test_letters import tool


def draft(reference: str, output: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("letter_draft", reference, output=str(output), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def pdftotext(path: Path) -> str:
    return subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def one_line(text: str) -> str:
    """Whitespace (line ends too) collapsed: a name wrapped at a space is still whole; a
    name broken by hyphenation ("Bakke-\\nrij") is not."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# The command


def test_unknown_reference_is_a_clear_error_with_exit_status_1(db, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        draft("TW-2099-99999", tmp_path / "x.pdf")
    assert info.value.returncode == 1
    assert "Er is geen melding met kenmerk TW-2099-99999." in str(info.value)
    assert "No case with reference TW-2099-99999." in str(info.value)
    assert not (tmp_path / "x.pdf").exists()


def test_case_without_a_reached_call_is_refused(inspector, tmp_path: Path) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    with pytest.raises(CommandError) as info:
        draft(case.reference, tmp_path / "x.pdf")
    assert info.value.returncode == 1
    assert f"Melding {case.reference} heeft nog geen gesprek met de werkgever" in str(info.value)
    assert "has no reached call" in str(info.value)
    assert not (tmp_path / "x.pdf").exists()


def test_draft_is_written_and_failing_checks_go_to_stderr(inspector, tmp_path: Path) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)  # no agreements yet
    path = tmp_path / "concept.pdf"
    out, err = draft(case.reference.lower(), path)  # a reference in lower case is found too
    assert path.read_bytes().startswith(b"%PDF-")
    assert f"Conceptbrief geschreven naar {path}" in out
    assert "agreements (description)" in err
    assert "Leg ten minste één afspraak met een uiterste datum vast" in err
    text = pdftotext(path)
    assert "CONCEPT" in text
    assert "Geachte heer De Vries," in text


def test_draft_of_an_issued_and_closed_case_has_no_failing_checks(
    inspector, tmp_path: Path
) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    if not Call.objects.filter(case=case, reached=True).exists():
        case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    assert Call.objects.filter(case=case, reached=True).exists()
    path = tmp_path / "concept.pdf"
    _out, err = draft(case.reference, path)
    assert err == ""
    assert "CONCEPT" in pdftotext(path)


def test_draft_names_the_person_spoken_to_not_the_contact_on_file(
    inspector, tmp_path: Path
) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    add_agreement(case, inspector)
    Employer.objects.filter(pk=case.employer_id).update(
        contact_form_of_address="heer", contact_initials="K.", contact_surname="Opdossier"
    )
    path = tmp_path / "concept.pdf"
    draft(case.reference, path)
    text = one_line(pdftotext(path))
    assert "t.a.v. J. de Vries" in text
    assert "Geachte heer De Vries," in text
    assert "Opdossier" not in text


def test_unwritable_output_is_a_clear_error(inspector, tmp_path: Path) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    with pytest.raises(CommandError) as info:
        draft(case.reference, tmp_path / "missing" / "x.pdf")
    assert info.value.returncode == 1
    assert "Kan " in str(info.value) and "Cannot write" in str(info.value)


# ---------------------------------------------------------------------------
# Must show: 30 varied drafts from the kamerbrief_2021 data


def _person(row: dict[str, Any]) -> PersonName:
    return PersonName(*(row[name] for name in CONTACT_FIELDS))


# What the 30 cases must include between them, and at least how many of each.
VARIETY: dict[str, tuple[int, Any]] = {
    "heer": (3, lambda r: r["contact_form_of_address"] == "heer"),
    "mevrouw": (3, lambda r: r["contact_form_of_address"] == "mevrouw"),
    "tussenvoegsel": (4, lambda r: bool(r["contact_tussenvoegsel"])),
    "neutral with initials": (
        2,
        lambda r: r["contact_form_of_address"] == "neutral" and r["contact_initials"][-1:] == ".",
    ),
    "neutral with a first name": (
        2,
        lambda r: r["contact_form_of_address"] == "neutral" and r["contact_initials"][-1:] != ".",
    ),
    "title": (3, lambda r: bool(r["contact_title"])),
    "double surname": (3, lambda r: "-" in r["contact_surname"]),
    "two initials": (2, lambda r: r["contact_initials"].count(".") >= 2),
    "someone other than the contact on file": (3, lambda r: r["other_person"]),
    "employer_called": (3, lambda r: r["state"] == State.EMPLOYER_CALLED),
    "agreements_confirmed": (3, lambda r: r["state"] == State.AGREEMENTS_CONFIRMED),
    "closed": (3, lambda r: r["state"] == State.CLOSED),
    "name outside ASCII": (2, lambda r: not r["contact_surname"].isascii()),
}


def _candidates() -> list[dict[str, Any]]:
    """Each case with a reached call, with the person of its last reached call (the one
    the letter is addressed to)."""
    latest: dict[int, dict[str, Any]] = {}
    for row in (
        Call.objects.filter(reached=True)
        .order_by("case_id", "called_at", "pk")
        .values("case_id", *CONTACT_FIELDS)
    ):
        latest[row["case_id"]] = row
    cases = Case.objects.filter(pk__in=latest).values("pk", "reference", "state", "employer_id")
    employers = {e["pk"]: e for e in Employer.objects.values("pk", "name", *CONTACT_FIELDS)}
    rows = []
    for case in cases.order_by("reference"):
        call = latest[case["pk"]]
        employer = employers[case["employer_id"]]
        rows.append(
            {
                **call,
                "reference": case["reference"],
                "state": case["state"],
                "employer_name": employer["name"],
                "other_person": any(call[n] != employer[n] for n in CONTACT_FIELDS),
            }
        )
    return rows


def _thirty_varied(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Greedily the case that covers most of what is still missing, then seeded random
    cases up to 30."""
    chosen: dict[str, dict[str, Any]] = {}

    def missing() -> dict[str, int]:
        have = list(chosen.values())
        counts = {label: sum(1 for r in have if test(r)) for label, (_n, test) in VARIETY.items()}
        return {label: need - counts[label] for label, (need, _t) in VARIETY.items()}

    while any(gap > 0 for gap in missing().values()):
        gaps = missing()
        best = max(
            (r for r in rows if r["reference"] not in chosen),
            key=lambda r: sum(1 for label, gap in gaps.items() if gap > 0 and VARIETY[label][1](r)),
        )
        if not any(gap > 0 and VARIETY[label][1](best) for label, gap in gaps.items()):
            break  # nothing left provides what is missing: the assertion below says what
        chosen[best["reference"]] = best
    rest = [r for r in rows if r["reference"] not in chosen]
    for row in random.Random(2021).sample(rest, 30 - len(chosen)):
        chosen[row["reference"]] = row
    picked = list(chosen.values())
    for label, (need, test) in VARIETY.items():
        assert sum(1 for r in picked if test(r)) >= need, label
    return picked


_DRAFTS: list[tuple[dict[str, Any], str, str]] = []


def thirty_drafts(folder: Path) -> list[tuple[dict[str, Any], str, str]]:
    """The 30 varied cases with the pdftotext output of their drafts and the assigned
    inspector's e-mail address; rendered once per test session (through letter_draft)."""
    if _DRAFTS:
        return _DRAFTS
    picked = _thirty_varied(_candidates())
    emails = dict(
        Case.objects.filter(reference__in=[r["reference"] for r in picked]).values_list(
            "reference", "assignee__email"
        )
    )
    for row in picked:
        path = folder / f"{row['reference']}.pdf"
        draft(row["reference"], path)
        _DRAFTS.append((row, pdftotext(path), emails[row["reference"]] or ""))
    return _DRAFTS


def test_thirty_varied_drafts_from_the_kamerbrief_data(loaded: None, tmp_path: Path) -> None:
    drafts = thirty_drafts(tmp_path)
    assert len({row["reference"] for row, _raw, _email in drafts}) == 30
    for row, raw, email in drafts:
        text = one_line(raw)
        person = _person(row)
        where = (row["reference"], person)
        assert "Geachte de" not in text, where
        assert "Geachte mevrouw mevrouw" not in text, where
        assert not initials_after_form(text), where
        # The salutation, on a line of its own.
        assert salutation(person) in raw.splitlines(), where
        # Unbroken in the address block, the colophon and the closing paragraph.
        assert row["employer_name"] in text, where
        assert f"t.a.v. {addressee(person)}" in raw, where
        assert email and email in raw, where


# Names in the running text are never hyphenated at a line end ("De Graaf-" / "Bouwman",
# which pdftotext gives back as "De GraafBouwman").
def test_thirty_drafts_name_the_person_unbroken_in_running_text(
    loaded: None, tmp_path: Path
) -> None:
    broken = [
        (row["reference"], expected)
        for row, raw, _email in thirty_drafts(tmp_path)
        for expected in (f"gesproken met {in_text(_person(row))} van {row['employer_name']} over",)
        if expected not in one_line(raw)
    ]
    assert broken == []


def test_no_stored_name_in_the_fixture_holds_a_form_of_address() -> None:
    """The committed kamerbrief_2021 fixture has structured contact persons only: no
    contact_name left, and no "de heer"/"mevrouw"/"dhr."/"mw." inside a name field."""
    rows = json.loads((Path(settings.BASE_DIR) / "fixtures" / "kamerbrief_2021.json").read_text())
    people = [r["fields"] for r in rows if r["model"] in ("cases.employer", "cases.call")]
    assert people and not any("contact_name" in fields for fields in people)
    form_words = re.compile(r"\b(?:de heer|heer|mevrouw|mevr|dhr|mw|meneer)\b\.?", re.I)
    named = [f for f in people if f["contact_surname"]]
    assert len(named) > 1000
    for fields in named:
        for name in (
            "contact_title",
            "contact_initials",
            "contact_tussenvoegsel",
            "contact_surname",
        ):
            assert not form_words.search(fields[name]), fields
        assert fields["contact_form_of_address"] in ("heer", "mevrouw", "neutral")
    forms = {f["contact_form_of_address"] for f in named}
    assert forms == {"heer", "mevrouw", "neutral"}
