"""Format validators with Dutch messages, shared by models, forms and services."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only: Python's \d would also accept Arabic-Indic and other digits.
KVK_PATTERN = r"^[0-9]{8}$"
ESTABLISHMENT_PATTERN = r"^[0-9]{12}$"
# Dutch postcodes: four digits (no leading 0), a space, two capitals; PostNL never issues the
# letter pairs SA, SD and SS. Spelled out without look-ahead, so that SQLite (Python's re) and
# PostgreSQL check constraints read it the same way.
POSTCODE_PATTERN = r"^[1-9][0-9]{3} ([A-RT-Z][A-Z]|S[BCE-RT-Z])$"
REFERENCE_PATTERN = r"^TW-[0-9]{4}-[0-9]{5}$"
# Dutch phone numbers: 10 digits starting with 0, or +31 followed by 9 digits; spaces and
# dashes are allowed for readability.
_PHONE_RE = re.compile(r"^(?:0[0-9]{9}|\+31[0-9]{9})$")
_POSTCODE_INPUT_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})\s*$", re.ASCII)


def validate_kvk_number(value: str) -> None:
    if not re.fullmatch(KVK_PATTERN, value or ""):
        raise ValidationError(
            _("A KvK number consists of exactly 8 digits (0-9)."), code="invalid_kvk"
        )


def validate_establishment_number(value: str) -> None:
    if value and not re.fullmatch(ESTABLISHMENT_PATTERN, value):
        raise ValidationError(
            _("An establishment number consists of exactly 12 digits (0-9)."),
            code="invalid_establishment_number",
        )


def normalize_postcode(value: str) -> str:
    """Return the postcode as `1234 AB`; unchanged input when it is not a Dutch postcode."""
    match = _POSTCODE_INPUT_RE.match(value or "")
    if not match:
        return value
    return f"{match.group(1)} {match.group(2).upper()}"


NEVER_ISSUED_POSTCODE_LETTERS = ("SA", "SD", "SS")


def validate_postcode(value: str) -> None:
    if (
        value
        and value[-2:] in NEVER_ISSUED_POSTCODE_LETTERS
        and re.fullmatch(r"[1-9][0-9]{3} [A-Z]{2}", value)
    ):
        raise ValidationError(
            _("Postcodes with the letters SA, SD or SS do not exist. Check the postcode."),
            code="invalid_postcode",
        )
    if value and not re.fullmatch(POSTCODE_PATTERN, value):
        raise ValidationError(
            _("Fill in a Dutch postcode, for example 2511 DP."), code="invalid_postcode"
        )


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s\-().]", "", value or "")


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.fullmatch(normalize_phone(value)):
        raise ValidationError(
            _("Fill in a valid Dutch phone number, for example 070 333 44 44."),
            code="invalid_phone",
        )
