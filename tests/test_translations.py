"""The UI speaks Dutch through gettext: English source strings, the nl catalogue in locale/.

The catalogue must be complete (every msgstr filled in, nothing fuzzy) and its committed
.mo must be compiled from the committed .po. English is the fallback language.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import translation

from cases import services
from cases import validators as v
from cases.models import Case, Channel, EventKind, Outcome, Role, State

CATALOGUE_DIR = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"

_KEYWORD_RE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
_STRING_RE = re.compile(r"^\".*\"$")


@dataclass
class PoEntry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    plural_msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key GNU gettext uses for this entry (context and id joined by EOT)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def _unquote(literal: str) -> str:
    # A PO string uses C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(literal)


def parse_po(path: Path) -> list[PoEntry]:
    """A small PO parser: contexts, plurals, flags, multi-line strings, obsolete entries."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    target: tuple[str, int | None] | None = None

    def append(kind: str, index: int | None, text: str) -> None:
        assert entry is not None
        if kind == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif kind == "msgid":
            entry.msgid += text
        elif kind == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        elif index is None:
            entry.msgstr += text
        else:
            entry.plural_msgstrs[index] = entry.plural_msgstrs.get(index, "") + text

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        elif line.startswith("#"):
            if entry is None or target is not None:
                entry, target = PoEntry(line=number), None
                entries.append(entry)
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        match = _KEYWORD_RE.match(line)
        if match:
            kind, index, literal = match.group(1), match.group(2), match.group(3)
            kind = "msgstr" if kind.startswith("msgstr") else kind
            starts_entry = kind in ("msgctxt", "msgid") and (
                entry is None or (target is not None and target[0] == "msgstr")
            )
            if starts_entry or entry is None:
                entry = PoEntry(line=number)
                entries.append(entry)
            entry.obsolete = entry.obsolete or obsolete
            target = (kind, int(index) if index is not None else None)
            append(kind, target[1], _unquote(literal))
        elif _STRING_RE.match(line) and target is not None:
            append(target[0], target[1], _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    entries = [e for e in parse_po(PO_FILE) if not e.obsolete]
    assert len(entries) > 100, "the nl catalogue looks empty"
    return entries


def _messages(entries: list[PoEntry]) -> list[PoEntry]:
    return [e for e in entries if e.msgid != ""]


def test_catalogue_header_is_dutch_and_not_fuzzy(po_entries) -> None:
    header = next(e for e in po_entries if e.msgid == "")
    assert "fuzzy" not in header.flags
    assert "Language: nl\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr


def test_every_message_is_translated_and_none_is_fuzzy(po_entries) -> None:
    untranslated = []
    fuzzy = []
    for entry in _messages(po_entries):
        if "fuzzy" in entry.flags:
            fuzzy.append(entry.msgid)
        if entry.msgid_plural is None:
            if not entry.msgstr:
                untranslated.append(entry.msgid)
        elif sorted(entry.plural_msgstrs) != [0, 1] or not all(entry.plural_msgstrs.values()):
            untranslated.append(entry.msgid)
    assert untranslated == []
    assert fuzzy == []


def test_messages_are_unique(po_entries) -> None:
    keys = [e.key for e in _messages(po_entries)]
    assert len(keys) == len(set(keys))


def test_compiled_catalogue_matches_the_po_file(po_entries) -> None:
    with MO_FILE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in _messages(po_entries):
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr
        else:
            for index, text in entry.plural_msgstrs.items():
                expected[(entry.key, index)] = text
    compiled = {key: value for key, value in catalog.items() if key != ""}
    missing_or_stale = {k: v for k, v in expected.items() if compiled.get(k) != v}
    assert missing_or_stale == {}, "recompile: manage.py compilemessages -l nl"
    assert set(compiled) == set(expected), "the .mo holds messages the .po no longer has"


def test_the_nl_catalogue_is_configured() -> None:
    assert settings.LANGUAGE_CODE == "nl"
    assert Path(settings.BASE_DIR) / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


# ---------------------------------------------------------------------------
# What users see


def test_model_labels_are_dutch() -> None:
    with translation.override("nl"):
        assert str(State.UNDER_INVESTIGATION.label) == "In onderzoek"
        assert str(State.AGREEMENTS_CONFIRMED.label) == "Afspraken per brief bevestigd"
        assert str(Outcome.WERKGEVER_ONBEREIKBAAR.label) == "Werkgever onbereikbaar"
        assert str(Channel.WEBFORMULIER.label) == "Webformulier"
        assert str(EventKind.CALL_ATTEMPT.label) == "Belpoging zonder gehoor"
        assert str(Role.TEAMLEIDER.label) == "Teamleider"
        assert str(Case._meta.verbose_name) == "melding"
        assert str(Case._meta.get_field("assignee").verbose_name) == "behandelaar"


def test_plural_forms_are_dutch() -> None:
    with translation.override("nl"):
        one = translation.ngettext("%(counter)s case", "%(counter)s cases", 1)
        many = translation.ngettext("%(counter)s case", "%(counter)s cases", 2)
    assert one % {"counter": 1} == "1 melding"
    assert many % {"counter": 2} == "2 meldingen"


def test_service_errors_are_dutch(inspector) -> None:
    with (
        translation.override("nl"),
        pytest.raises(services.ServiceError) as info,
    ):
        services.letter_mark_sent(
            letter=999_999, actor=inspector, version=1, sent_at=None, sent_via="post"
        )
    assert info.value.message == "Deze brief bestaat niet."


def test_validator_messages_are_dutch() -> None:
    with translation.override("nl"), pytest.raises(ValidationError) as info:
        v.validate_kvk_number("1234")
    assert info.value.messages == ["Een KvK-nummer bestaat uit precies 8 cijfers (0-9)."]


@pytest.mark.django_db
def test_templates_are_dutch(client) -> None:
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert "<h1>Inloggen</h1>" in body
    assert "Gebruikersnaam" in body
    assert "Sign in" not in body


def test_model_labels_fall_back_to_english() -> None:
    with translation.override("en"):
        assert str(State.UNDER_INVESTIGATION.label) == "Under investigation"
        assert str(State.AGREEMENTS_CONFIRMED.label) == "Agreements confirmed by letter"
        assert str(Outcome.WERKGEVER_ONBEREIKBAAR.label) == "Employer unreachable"
        assert str(Channel.WEBFORMULIER.label) == "Web form"
        assert str(EventKind.CALL_ATTEMPT.label) == "Call attempt without answer"
        assert str(Role.TEAMLEIDER.label) == "Team leader"


def test_djangos_own_messages_stay_dutch() -> None:
    """The project catalogue overrides Django's: it must not change Django's own Dutch."""
    with translation.override("nl"):
        with pytest.raises(ValidationError) as required:
            forms.CharField().clean("")
        assert required.value.messages == ["Dit veld is verplicht."]
        with pytest.raises(ValidationError) as email:
            validate_email("geen-adres")
        assert email.value.messages == ["Voer een geldig e-mailadres in."]
        # django.contrib.admin and django.contrib.auth
        assert translation.gettext("Log out") == "Afmelden"
        assert translation.gettext("Email") == "E-mailadres"
