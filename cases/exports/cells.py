"""What a cell of an export may hold, and text that must not run as a formula."""

from __future__ import annotations

import datetime as dt

# A cell: text, a whole number, a date, a local moment (naive, Europe/Amsterdam) or empty.
Value = str | int | dt.date | dt.datetime | None

# A spreadsheet reads text starting with one of these as a formula (or as the start of
# one: a tab or carriage return before "=" in some programs). Such text is written as
# text: in CSV with a leading apostrophe, in XLSX as a string cell with a quote prefix.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_text(value: Value) -> str:
    """A cell as CSV text: dates in ISO form, a moment as 'YYYY-MM-DD HH:MM', text that
    starts like a formula with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return "'" + value if looks_like_formula(value) else value
