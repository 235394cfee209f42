"""The checks a confirmation letter must pass before it is issued.

`issuing_problems(case, letter)` returns every failed check; issuing (`cases.services.letters`)
refuses when there is any, the draft preview prints them on its first page, and the
`letter_draft` command prints them. The checks read the letter's context — the exact text
that is rendered — so they run before the lock on what will be stored; the version check and
the letter's own unchanged-check under the lock make sure nothing changed since.

1. **Due dates**: no agreement is due before the letter's date.
2. **Address**: the address block fits the envelope window. It is set in the bundled font at
   10 pt in a field `ADDRESS_WIDTH_MM` wide, breaking only between words; measured with the
   font's own advance widths (no kerning, so never narrower than the PDF), it may take at most
   `ADDRESS_MAX_LINES` lines (DIN 5008 form B: 6 lines of 13 pt from 50 mm, ending by 78 mm,
   inside the window's 45–90 mm), and no single word may be wider than the field.
3. **Glyphs**: every character the letter prints is in one of the bundled fonts (a missing one
   would be a box: the sandbox never falls back to a system font).
4. **Leak guard** (`cases.leak_guard`): the text the inspector typed that the letter prints
   (agreements, the contact person, whom the inspector spoke to) names no melder of any case
   the letter covers.

Messages are Dutch, name the check and the field, and never contain melder data.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import leak_guard, letters
from cases.errors import ServiceError
from cases.events import record_event
from cases.letters import ConfirmationLetter
from cases.models import Agreement, Case, EventKind
from cases.types import Actor

ADDRESS_WIDTH_MM = 85.0
ADDRESS_MAX_LINES = 6
ADDRESS_FONT_PT = 10.0
PT_PER_MM = 72 / 25.4

# The bundled regular faces, in the order of the letter's font-family list.
FONT_FILES = (
    "fonts/source-sans-3-latin-400-normal.woff2",
    "fonts/source-sans-3-latin-ext-400-normal.woff2",
    "fonts/source-sans-3-vietnamese-400-normal.woff2",
)

DUE_DATE, ADDRESS, GLYPHS, LEAK = "due_date", "address", "glyphs", "leak"
_POSTCODE_RE = re.compile(r"\d{4}\s?[A-Z]{2}\b")


@dataclass(frozen=True)
class IssuingProblem:
    """One failed check: `check` and `field` are codes (for Events and tests), `message` is
    the Dutch sentence for the user."""

    check: str
    field: str
    message: str


# ---------------------------------------------------------------------------
# The bundled fonts' metrics


@functools.lru_cache(maxsize=1)
def _font_metrics() -> tuple[tuple[dict[int, int], int], ...]:
    """Per bundled face: advance width (font units) per code point, and units per em."""
    from fontTools.ttLib import TTFont

    faces = []
    for name in FONT_FILES:
        font = TTFont(BytesIO((letters.ASSET_ROOT / name).read_bytes()))
        cmap = font.getBestCmap()
        hmtx = font["hmtx"]
        widths = {code: hmtx[glyph][0] for code, glyph in cmap.items()}
        faces.append((widths, font["head"].unitsPerEm))
    return tuple(faces)


def _advance(char: str) -> float | None:
    """The width of `char` in em, from the first face that has it; None when none has."""
    code = ord(char)
    for widths, units in _font_metrics():
        if code in widths:
            return widths[code] / units
    return None


def missing_glyphs(text: str) -> list[str]:
    """The characters of `text` that no bundled font has (whitespace aside), in order."""
    missing: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace() or char in missing:
            continue
        if _advance(char) is None:
            missing.append(char)
    return missing


def text_width_mm(text: str, size_pt: float = ADDRESS_FONT_PT) -> float:
    """Width of `text` set in the bundled font (a missing glyph counts as 1 em)."""
    ems = sum(_advance(c) or 1.0 for c in unicodedata.normalize("NFC", text))
    return ems * size_pt / PT_PER_MM


def wrap(text: str, width_mm: float = ADDRESS_WIDTH_MM) -> tuple[list[str], bool]:
    """Greedy word wrap as the PDF does it: (lines, whether every word fits the width)."""
    lines: list[str] = []
    fits = True
    for word in text.split():
        if text_width_mm(word) > width_mm:
            fits = False
        if lines and text_width_mm(f"{lines[-1]} {word}") <= width_mm:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines, fits


# ---------------------------------------------------------------------------
# The fields a letter prints


def _agreement_field(number: int) -> str:
    return f"agreement_{number}"


def field_label(field: str) -> str:
    """The Dutch name of a field, as the user finds it on the case page."""
    if field.startswith("agreement_"):
        return _("agreement {number}").format(number=field.removeprefix("agreement_"))
    # The addressee, the salutation and "gesproken met …" all name the person spoken to in
    # the last reached call, corrected with the call's own action; a draft before any call
    # names the employer's contact person, corrected on the employer.
    spoken_to = _(
        "the person spoken to in the call (correct it with ‘Correct the person spoken to’)"
    )
    labels = {
        "employer_name": _("the employer's name"),
        "contact_name": spoken_to,  # the addressee
        "employer_contact_name": _("the employer's contact person"),
        "address_street": _("the street (or PO box) and number of the address"),
        "address_place": _("the postcode and city of the address"),
        "call_contact_name": spoken_to,
        "inspector": _("the inspector's name, function, team or e-mail address"),
    }
    return labels.get(field, field)


def check_label(check: str) -> str:
    labels = {
        DUE_DATE: _("due dates"),
        ADDRESS: _("address in the envelope window"),
        GLYPHS: _("characters the font cannot print"),
        LEAK: _("personal data of a melder"),
    }
    return labels.get(check, check)


def _called(letter: ConfirmationLetter) -> bool:
    """Whether the letter names the person spoken to in a reached call (else, in a draft
    before any call, the employer's contact person)."""
    return bool(letter.call_date)


def address_fields(letter: ConfirmationLetter) -> list[tuple[str, str]]:
    """The address block's lines before wrapping, with the field each comes from."""
    fields = [("employer_name", letter.employer_name)]
    if letter.contact_name:
        field = "contact_name" if _called(letter) else "employer_contact_name"
        fields.append((field, f"t.a.v. {letter.contact_name}"))
    lines = letter.address_lines
    if len(lines) == 2:
        fields.extend([("address_street", lines[0]), ("address_place", lines[1])])
    elif lines:
        # Only one of the two: the place line starts with the postcode or is the city in
        # capitals.
        place = bool(_POSTCODE_RE.match(lines[0])) or lines[0].isupper()
        fields.append(("address_place" if place else "address_street", lines[0]))
    return fields


def typed_fields(letter: ConfirmationLetter) -> list[tuple[str, str]]:
    """Text the inspector typed that the letter prints: what the leak guard reads.

    The person spoken to is printed three ways — the addressee ("drs. A. Smit"), the
    salutation ("Geachte A. Smit," when neutral) and the running text ("mevrouw Smit") —
    each read under one field, so a leak is reported once, where it is corrected."""
    person = "call_contact_name" if _called(letter) else "employer_contact_name"
    fields = [
        (person, letter.contact_name),
        (person, letter.salutation),
        (person, letter.call_contact_name),
    ]
    fields.extend(
        (_agreement_field(n), a.description) for n, a in enumerate(letter.agreements, start=1)
    )
    return [(field, text) for field, text in fields if text]


def printed_fields(letter: ConfirmationLetter) -> list[tuple[str, str]]:
    inspector = letter.inspector
    return [
        *address_fields(letter),
        # The person spoken to under the address's code: one problem per person.
        *(
            ("contact_name" if field == "call_contact_name" else field, text)
            for field, text in typed_fields(letter)
        ),
        (
            "inspector",
            " ".join((inspector.name, inspector.function_title, inspector.team, inspector.email)),
        ),
    ]


# ---------------------------------------------------------------------------
# The checks


def address_problems(letter: ConfirmationLetter) -> list[IssuingProblem]:
    problems: list[IssuingProblem] = []
    total = 0
    longest = ("employer_name", 0)
    for field, text in address_fields(letter):
        lines, fits = wrap(text)
        total += len(lines)
        if len(lines) > longest[1]:
            longest = (field, len(lines))
        if not fits:
            problems.append(
                IssuingProblem(
                    ADDRESS,
                    field,
                    _(
                        "Address: {field} has a word that is too long for the envelope window "
                        "({width} mm). Shorten {field}."
                    ).format(field=field_label(field), width=int(ADDRESS_WIDTH_MM)),
                )
            )
    if total > ADDRESS_MAX_LINES:
        field = longest[0]
        problems.append(
            IssuingProblem(
                ADDRESS,
                field,
                _(
                    "Address: the address takes {lines} lines; at most {limit} fit in the "
                    "envelope window. Shorten {field}."
                ).format(lines=total, limit=ADDRESS_MAX_LINES, field=field_label(field)),
            )
        )
    return problems


def due_date_problems(case: Case | int, letter_date: dt.date) -> list[IssuingProblem]:
    pk = case.pk if isinstance(case, Case) else case
    dates = Agreement.objects.filter(case_id=pk).order_by("due_date", "pk")
    return [
        IssuingProblem(
            DUE_DATE,
            _agreement_field(number),
            _(
                "Due date: agreement {number} is due on {due}, before the date of the letter "
                "({today}). Change its due date."
            ).format(
                number=number, due=letters.dutch_date(due), today=letters.dutch_date(letter_date)
            ),
        )
        for number, due in enumerate(dates.values_list("due_date", flat=True), start=1)
        if due < letter_date
    ]


def _by_field(fields: list[tuple[str, str]]) -> dict[str, str]:
    """The texts of each field, one per line, in the order of their first appearance."""
    merged: dict[str, list[str]] = {}
    for field, text in fields:
        merged.setdefault(field, []).append(text)
    return {field: "\n".join(texts) for field, texts in merged.items()}


def glyph_problems(letter: ConfirmationLetter) -> list[IssuingProblem]:
    problems = []
    for field, text in _by_field(printed_fields(letter)).items():
        missing = missing_glyphs(text)
        if missing:
            shown = ", ".join(f"‘{c}’ (U+{ord(c):04X})" for c in missing[:5])
            problems.append(
                IssuingProblem(
                    GLYPHS,
                    field,
                    _(
                        "Characters: {field} contains characters the letter's font cannot "
                        "print: {characters}. Write them differently."
                    ).format(field=field_label(field), characters=shown),
                )
            )
    return problems


def leak_problems(letter: ConfirmationLetter, cases: Sequence[Case | int]) -> list[IssuingProblem]:
    melders = leak_guard.melder_data(cases)
    kinds = {
        leak_guard.NAME: _("a melder's name"),
        leak_guard.EMAIL: _("a melder's e-mail address"),
        leak_guard.PHONE: _("a melder's phone number"),
        leak_guard.DESCRIPTION: _("words from the melding's description"),
    }
    found_by_field: dict[str, list[str]] = {}
    for field, text in typed_fields(letter):
        # Each text on its own: words of two texts never make a name together.
        found_by_field.setdefault(field, []).extend(leak_guard.leaks_in(text, melders))
    problems = []
    for field, kinds_found in found_by_field.items():
        found = sorted(set(kinds_found), key=list(kinds).index)
        if found:
            problems.append(
                IssuingProblem(
                    LEAK,
                    field,
                    _(
                        "Personal data: {field} contains {what}. The employer may never see "
                        "who made the melding: remove it."
                    ).format(field=field_label(field), what=", ".join(kinds[k] for k in found)),
                )
            )
    return problems


def issuing_problems(
    case: Case,
    letter: ConfirmationLetter | None = None,
    *,
    today: dt.date | None = None,
    cases: Sequence[Case | int] | None = None,
) -> list[IssuingProblem]:
    """Every check the letter fails, in the order of the module docstring; empty when it may
    be issued. `letter` is the context that was (or will be) rendered; `cases` the cases the
    letter covers (default: the case and its duplicates)."""
    letter_date = today or timezone.localdate()
    if letter is None:
        letter = letters.build_confirmation_letter(case, draft=True, today=letter_date)
    return [
        *due_date_problems(case, letter_date),
        *address_problems(letter),
        *glyph_problems(letter),
        *leak_problems(letter, cases if cases is not None else leak_guard.covered_cases(case)),
    ]


# ---------------------------------------------------------------------------
# Refusing and recording


class LetterChecksError(ServiceError):
    """Issuing refused: `problems` lists the failed checks; the message names each."""

    code = "letter_checks"

    def __init__(self, problems: Sequence[IssuingProblem]) -> None:
        super().__init__(refusal_message(problems))
        self.problems = tuple(problems)

    @property
    def messages(self) -> list[str]:
        """The refusal, then one sentence per failed check (for a list on the page)."""
        return [_("The letter has not been issued and nothing has been changed.")] + [
            p.message for p in self.problems
        ]


def decision_data(problems: Sequence[IssuingProblem]) -> dict[str, Any]:
    """The Event's data: the decision and the failed checks and fields (codes only)."""
    return {
        "decision": "refused" if problems else "passed",
        "checks": sorted({p.check for p in problems}),
        "fields": sorted({p.field for p in problems}),
    }


def record_refusal(case: Case, actor: Actor, problems: Sequence[IssuingProblem]) -> None:
    """The Event of a refused letter. Written on its own: nothing else is stored."""
    record_event(
        kind=EventKind.LETTER_CHECKED, actor=actor, case=case, data=decision_data(problems)
    )


def refusal_message(problems: Sequence[IssuingProblem]) -> str:
    intro = _("The letter has not been issued and nothing has been changed.")
    return " ".join([intro, *(p.message for p in problems)])
