"""Dutch forms of address: the salutation of a letter and how a person is named in it.

Pure functions on a `PersonName` (no database, no translation: letters are Dutch):

- `salutation(name)`: "Geachte heer Wouters,", "Geachte mevrouw De Haan,",
  "Geachte S. de Vries," (neutral, with initials or a first name), "Geachte heer, mevrouw,"
  (nothing usable known);
- `addressee(name)`: the person in the address block, "drs. V. Wouters", "S. de Vries",
  "mevrouw De Haan" (a form of address only when no initials or first name are known);
- `in_text(name)`: the person in running text, "de heer Wouters", "mevrouw De Haan",
  "S. de Vries";
- `display_name(name)`: the person on screens, "de heer drs. V. Wouters";
- `full_name(name)`: the name without form of address, "drs. V. Wouters";
- `parse_name(text)`: a free-text name ("de heer V. Wouters", "Mw. drs. A. van der Berg")
  split into the structured fields, with a problem description when it could not be
  parsed with confidence (used by the data migration that introduced the fields).

The rules (Taalunie/Onze Taal usage, as in the Rijkshuisstijl letters):

- a tussenvoegsel is written in lower case after initials or a first name ("S. de Vries")
  and with a capital when nothing precedes it ("mevrouw De Haan", also after a title:
  "dr. De Groot"); only its first word gets the capital ("Van der Meer"); 't and d' stay
  in lower case ("meneer 't Hart"); in a double surname the second part keeps its own
  spelling ("Jansen-de Vries");
- a Belgian surname is written as registered ("P. Van der Meeren"): it goes into the surname
  field as a whole, with no separate tussenvoegsel;
- the salutation never holds initials or titles: "Geachte heer Wouters," for
  "de heer drs. V. Wouters"; titles appear in the address block only; a letter never
  puts "heer" or "mevrouw" right before initials (the address block names the person by
  initials and name, the running text by form of address and surname);
- neutral form of address: the name with initials or first name ("Geachte S. de Vries,");
  without those, or when nothing is known, "Geachte heer, mevrouw,".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

HEER = "heer"
MEVROUW = "mevrouw"
NEUTRAL = "neutral"
FORMS = (HEER, MEVROUW, NEUTRAL)
UNKNOWN_SALUTATION = "Geachte heer, mevrouw,"
_FORM_WORD = {HEER: "de heer", MEVROUW: "mevrouw"}


@dataclass(frozen=True)
class PersonName:
    """A contact person: form of address ("heer", "mevrouw", "neutral" or "" when not
    known), title(s) before the name ("drs.", "mr. dr."), initials or first name,
    tussenvoegsel ("van der", stored in lower case) and surname."""

    form: str = ""
    title: str = ""
    initials: str = ""
    tussenvoegsel: str = ""
    surname: str = ""

    def cleaned(self) -> PersonName:
        """Whitespace collapsed in every part."""
        return PersonName(*(" ".join(part.split()) for part in self.parts()))

    def parts(self) -> tuple[str, str, str, str, str]:
        return (self.form, self.title, self.initials, self.tussenvoegsel, self.surname)

    @property
    def is_empty(self) -> bool:
        return not any(self.cleaned().parts()[1:])


def _capitalise_first(text: str) -> str:
    """The first letter in upper case ("van der" → "Van der"), except in the short forms
    't and d', which are always written in lower case ("meneer 't Hart")."""
    if text.startswith(("'t", "’t", "d'", "d’")):
        return text
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1 :]
    return text


def family_name(name: PersonName, *, after_given: bool) -> str:
    """Tussenvoegsel and surname: "de Vries" after initials or a first name, "De Vries"
    when nothing precedes them."""
    name = name.cleaned()
    tussenvoegsel = name.tussenvoegsel.lower()
    if tussenvoegsel and not after_given:
        tussenvoegsel = _capitalise_first(tussenvoegsel)
    return " ".join(part for part in (tussenvoegsel, name.surname) if part)


def full_name(name: PersonName) -> str:
    """Title, initials or first name, tussenvoegsel and surname: "drs. V. de Wit"."""
    name = name.cleaned()
    family = family_name(name, after_given=bool(name.initials))
    return " ".join(part for part in (name.title, name.initials, family) if part)


def display_name(name: PersonName) -> str:
    """The person as screens show them: "de heer drs. V. Wouters", "mevrouw De Haan",
    "S. de Vries"; "" when nothing is known."""
    name = name.cleaned()
    person = full_name(name)
    if name.form in (HEER, MEVROUW) and person:
        return f"{_FORM_WORD[name.form]} {person}"
    return person


def addressee(name: PersonName) -> str:
    """The person in the letter's address block ("t.a.v. …"): with initials or a first name
    the name alone, without a form of address ("drs. V. Wouters", "S. de Vries"); with only a
    surname, the form of address before it ("de heer De Groot"); "" when nothing is known."""
    name = name.cleaned()
    person = full_name(name)
    if name.initials or name.form not in (HEER, MEVROUW):
        return person
    return f"{_FORM_WORD[name.form]} {person}" if person else ""


def in_text(name: PersonName) -> str:
    """The person in running text ("gesproken met …"): the form of address and the surname,
    "de heer Wouters", "mevrouw De Haan"; neutral or unknown, the name as in the address
    ("S. de Vries"); "" when no name is known."""
    name = name.cleaned()
    if name.form in (HEER, MEVROUW) and name.surname:
        return f"{_FORM_WORD[name.form]} {family_name(name, after_given=False)}"
    return full_name(name) if name.surname else ""


def salutation(name: PersonName) -> str:
    """The salutation of a letter to `name`, with its comma (see the module docstring)."""
    name = name.cleaned()
    surname_known = bool(name.surname)
    if name.form in (HEER, MEVROUW):
        if not surname_known:
            return f"Geachte {name.form},"
        return f"Geachte {name.form} {family_name(name, after_given=False)},"
    if name.form == NEUTRAL and surname_known and name.initials:
        return f"Geachte {name.initials} {family_name(name, after_given=True)},"
    return UNKNOWN_SALUTATION


# ---------------------------------------------------------------------------
# Parsing a free-text name (the data migration to the structured fields)

# Forms of address as people type them, longest first (matched case-insensitively).
_FORM_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("de", "heer/mevrouw"), ""),
    (("heer/mevrouw",), ""),
    (("de", "heer"), HEER),
    (("heer",), HEER),
    (("dhr.",), HEER),
    (("dhr",), HEER),
    (("hr.",), HEER),
    (("meneer",), HEER),
    (("mevrouw",), MEVROUW),
    (("mevr.",), MEVROUW),
    (("mevr",), MEVROUW),
    (("mw.",), MEVROUW),
    (("mw",), MEVROUW),
    (("mej.",), MEVROUW),
    (("mevrouw/de", "heer"), ""),
)
# Titles before the name ("mr." is meester in de rechten, never "Mister").
TITLES = frozenset(
    {"drs.", "mr.", "dr.", "ir.", "ing.", "prof.", "ds.", "bc.", "kand.", "dr.ir.", "mr.drs."}
)
# Words a tussenvoegsel is made of ("van der", "in 't", "op den", "de la", "von").
TUSSENVOEGSEL_WORDS = frozenset(
    {
        "van",
        "de",
        "den",
        "der",
        "het",
        "'t",
        "te",
        "ten",
        "ter",
        "in",
        "op",
        "uit",
        "aan",
        "bij",
        "onder",
        "over",
        "voor",
        "la",
        "le",
        "les",
        "du",
        "des",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "von",
        "zu",
        "vom",
        "d'",
    }
)
_NAME_WORD_RE = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")


@dataclass(frozen=True)
class ParsedName:
    """`name` as parsed; `problem` says (in English, for the migration's report) why the
    text was not parsed with confidence ("" when it was)."""

    name: PersonName
    problem: str = ""


def match_form_of_address(words: list[str]) -> tuple[str, int]:
    """The form of address the words start with, and how many words it takes ("", 0 if
    none)."""
    lowered = [w.lower() for w in words]
    for pattern, form in _FORM_WORDS:
        if tuple(lowered[: len(pattern)]) == pattern:
            return form, len(pattern)
    return "", 0


def holds_form_of_address(text: str) -> bool:
    """A name field that starts with a form of address and goes on ("de heer Jansen",
    "mw. A."); the surname "Heer" on its own is not one."""
    words = text.split()
    _form, used = match_form_of_address(words)
    return 0 < used < len(words)


def _is_initials(word: str) -> bool:
    """ "V.", "J.P.", "Th.", "IJ.", "Ł.": letter groups of one to three, each with a dot."""
    if not word.endswith(".") or word.lower() in TITLES:
        return False
    groups = word[:-1].split(".")
    return all(0 < len(g) <= 3 and g.isalpha() and g[0].isupper() for g in groups)


def _is_name_word(word: str) -> bool:
    return bool(_NAME_WORD_RE.match(word)) and word[0].isupper()


def parse_name(text: str) -> ParsedName:
    """Split a free-text contact name into a `PersonName`.

    Recognises a form of address at the start ("de heer", "heer", "dhr.", "meneer",
    "mevrouw", "mevr.", "mw.", "mej."), titles ("drs.", "mr.", "dr.", "ir.", "ing.",
    "prof.", …), initials ("V.", "J.P.", "Th.") or first names, a tussenvoegsel made of the
    usual words ("van der", "in 't", "de la") and the surname (which may itself be double:
    "Jansen-de Vries"). When the text does not look like a person's name ("afdeling
    personeelszaken", an e-mail address, a name in lower case) the remainder is kept in
    the surname, nothing is lost, and `problem` says what is wrong.
    """
    words = " ".join(text.replace(",", " ").split()).split(" ") if text.strip() else []
    if not words:
        return ParsedName(PersonName())
    form, used = match_form_of_address(words)
    rest = words[used:]
    titles: list[str] = []
    while rest and rest[0].lower() in TITLES:
        titles.append(rest.pop(0).lower())
    if not rest:
        problem = "" if form else "no name"
        return ParsedName(PersonName(form=form, title=" ".join(titles)), problem)

    # Initials (or first names) up to the tussenvoegsel or the last word.
    given: list[str] = []
    first_names = 0
    while rest and _is_initials(rest[0]):
        given.append(rest.pop(0))
    if not given:
        # First names: capitalised words before a tussenvoegsel, or all but the last word.
        index = next(
            (i for i, w in enumerate(rest) if w.lower() in TUSSENVOEGSEL_WORDS and i > 0),
            len(rest) - 1,
        )
        candidates = rest[:index]
        if candidates and all(
            _is_name_word(w) and w.lower() not in TUSSENVOEGSEL_WORDS for w in candidates
        ):
            given, rest = candidates, rest[index:]
            first_names = len(given)
    tussen: list[str] = []
    while len(rest) > 1 and rest[0].lower() in TUSSENVOEGSEL_WORDS:
        tussen.append(rest.pop(0).lower())
    surname = " ".join(rest)
    parsed = PersonName(
        form=form,
        title=" ".join(titles),
        initials=" ".join(given),
        tussenvoegsel=" ".join(tussen),
        surname=surname,
    )
    if not rest or not all(_is_name_word(w) for w in rest):
        # Keep the whole text after the form of address in the surname, for a person to
        # correct: "afdeling personeelszaken", "hr@example.nl", "jansen".
        kept = " ".join(words[used:])
        return ParsedName(
            replace(PersonName(form=form), surname=kept), "not recognised as a person's name"
        )
    if len(given) > 3 or len(rest) > 3:
        return ParsedName(parsed, "unusually many words; check the split")
    if first_names > 1 and not tussen:
        return ParsedName(parsed, "check where the first names end and the surname begins")
    return ParsedName(parsed)
