"""File names of exports: what was exported, the filter and the date."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.utils.text import slugify

FILTER_MAX = 150  # characters of the filter in a file name


def file_name(what: str, params: QueryDict, day: dt.date, extension: str) -> str:
    """E.g. `meldingen-alle_received_after-2021-01-25_received_before-2021-04-09_2026-11-30.csv`:
    ASCII only (letters, digits, '-', '_'), the filter cut at FILTER_MAX characters."""
    parts = [slugify(f"{key}-{'-'.join(values)}") for key, values in params.lists()]
    described = "_".join(part for part in parts if part)[:FILTER_MAX].strip("-_")
    pieces = [what, described, day.isoformat()] if described else [what, day.isoformat()]
    return "_".join(pieces) + "." + extension
