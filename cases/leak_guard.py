"""The leak guard: does text the inspector typed, which a letter prints, name a melder?

Used when a letter is issued (`cases.letter_checks`). It takes a *list* of cases, so a letter
that covers several meldingen (a bundled letter to one employer) checks against every melder
of every one of them.

The matching rule (also in docs/product.md, "Letters"):

- Both sides are normalised the same way: Unicode compatibility decomposition, diacritics
  removed (ł, ø, đ, ı, æ, œ, ß mapped to their plain letters), case-folded; then split into
  words (runs of letters and digits), which also collapses whitespace and drops punctuation.
  "JANSEN", "Jansén" and "J.  Jansen" all become the words `j jansen`.
- **Full name**: the melder's name as a whole-word sequence (at least two words), and also
  each given name followed directly by the surname ("Jan de Vries" for "Jan Pieter de Vries").
- **Initial plus surname**: one letter, the initial of one of the given names, directly
  followed by the surname with its tussenvoegsels ("J. de Vries", "P de Vries").
- **Never the surname alone**: "Bakkerij Jansen" does not match melder "J. Jansen".
- **E-mail address**: the melder's address anywhere in the text, case-insensitive.
- **Phone number**: every run of digits in the text (digits separated only by spaces, dots,
  hyphens, slashes or brackets count as one run), with a leading +31 or 0031 mapped to 0; a
  run of 9 or more digits that contains the melder's number without its leading 0 (its last
  nine digits) matches.
- **Description**: any 8 consecutive words of the melding's description.

The result names the field and what kind of data matched, never the data itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q

from cases.models import Case, Melder

DESCRIPTION_RUN = 8
PHONE_MIN_DIGITS = 9

# Letters that compatibility decomposition leaves alone.
_PLAIN = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ı": "i",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        "ħ": "h",
        "Ħ": "h",
    }
)
_WORD_RE = re.compile(r"[^\W_]+")
# Digits with single separators between them: "06-1234 5678", "(070) 333.44.44".
_DIGIT_RUN_RE = re.compile(r"\+?\d(?:[\s./()\-]?\d)*")

# Tussenvoegsels (and their common foreign counterparts): part of the surname.
TUSSENVOEGSELS = frozenset(
    [
        "van",
        "de",
        "der",
        "den",
        "het",
        "ten",
        "ter",
        "te",
        "in",
        "t",
        "op",
        "aan",
        "bij",
        "uit",
        "voor",
        "la",
        "le",
        "les",
        "du",
        "des",
        "da",
        "di",
        "do",
        "dos",
        "del",
        "della",
        "el",
        "al",
        "von",
        "zu",
        "zum",
        "zur",
    ]
)


def fold(text: str) -> str:
    """Case-folded, without diacritics, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def words(text: str) -> list[str]:
    return _WORD_RE.findall(fold(text))


def _contains_run(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    if n == 0 or n > len(haystack):
        return False
    first = needle[0]
    return any(
        haystack[i] == first and list(haystack[i : i + n]) == list(needle)
        for i in range(len(haystack) - n + 1)
    )


def _split_name(name_words: list[str]) -> tuple[list[str], list[str]]:
    """(given names or initials, surname with its tussenvoegsels)."""
    end = len(name_words) - 1
    start = end
    while start > 1 and name_words[start - 1] in TUSSENVOEGSELS:
        start -= 1
    return name_words[:start], name_words[start:]


def name_patterns(name: str) -> list[list[str]]:
    """The word sequences that identify a person called `name`; never the surname alone."""
    name_words = words(name)
    if len(name_words) < 2:
        return []
    given, surname = _split_name(name_words)
    patterns = [name_words]
    for word in given:
        patterns.append([word, *surname])
        patterns.append([word[0], *surname])
    unique: list[list[str]] = []
    for pattern in patterns:
        if pattern not in unique:
            unique.append(pattern)
    return unique


def phone_digits(value: str) -> str:
    """A number's digits without the country or trunk prefix: +31 6 1234 5678 → 612345678."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+"):
        digits = digits.removeprefix("31")
    else:
        digits = digits.removeprefix("0031")
    return digits.lstrip("0")


def _digit_runs(text: str) -> Iterable[str]:
    for match in _DIGIT_RUN_RE.finditer(text):
        run = match.group()
        digits = re.sub(r"\D", "", run)
        if run.startswith("+31"):
            digits = "0" + digits[2:]
        elif digits.startswith("0031"):
            digits = "0" + digits[4:]
        if len(digits) >= PHONE_MIN_DIGITS:
            yield digits


@dataclass(frozen=True)
class MelderData:
    """What the guard looks for, already normalised; held only while checking."""

    names: tuple[tuple[str, ...], ...]
    email: str
    phone: str
    description_runs: frozenset[tuple[str, ...]]


def _runs(text_words: Sequence[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(text_words[i : i + size]) for i in range(len(text_words) - size + 1)}


def melder_data(cases: Sequence[Case | int]) -> list[MelderData]:
    """The melders and descriptions of `cases` (one query each)."""
    ids = [c.pk if isinstance(c, Case) else c for c in cases]
    melders: dict[int, tuple[str, str, str]] = {
        case_id: (name, email, phone)
        for case_id, name, email, phone in Melder.objects.filter(case_id__in=ids).values_list(
            "case_id", "name", "email", "phone"
        )
    }
    result = []
    for case_id, description in Case.objects.filter(pk__in=ids).values_list("pk", "description"):
        name, email, phone = melders.get(case_id, ("", "", ""))
        result.append(
            MelderData(
                names=tuple(tuple(p) for p in name_patterns(name)),
                email=fold(email),
                phone=phone_digits(phone),
                description_runs=frozenset(_runs(words(description or ""), DESCRIPTION_RUN)),
            )
        )
    return result


# What matched, as shown to the user (never the matched data itself).
NAME, EMAIL, PHONE, DESCRIPTION = "name", "email", "phone", "description"


def leaks_in(text: str, melders: Sequence[MelderData]) -> list[str]:
    """The kinds of melder data (NAME, EMAIL, PHONE, DESCRIPTION) found in `text`."""
    text_words = words(text)
    folded = fold(text)
    runs = list(_digit_runs(text))
    found: list[str] = []
    for melder in melders:
        if any(_contains_run(text_words, pattern) for pattern in melder.names):
            found.append(NAME)
        if melder.email and melder.email in folded:
            found.append(EMAIL)
        if len(melder.phone) >= PHONE_MIN_DIGITS - 1 and any(melder.phone in r for r in runs):
            found.append(PHONE)
        if melder.description_runs and not melder.description_runs.isdisjoint(
            _runs(text_words, DESCRIPTION_RUN)
        ):
            found.append(DESCRIPTION)
    return sorted(set(found), key=(NAME, EMAIL, PHONE, DESCRIPTION).index)


def covered_cases(case: Case | int) -> list[int]:
    """The cases a letter for `case` covers: the case, the meldingen closed as its duplicates
    and the cases handled together with it (their melders reported the same employer)."""
    pk = case.pk if isinstance(case, Case) else case
    others = (
        Case.objects.filter(Q(main_case_id=pk) | Q(bundle_lead_id=pk))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [pk, *others]
