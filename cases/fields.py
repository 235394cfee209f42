"""Form fields for dates that stay within a sane range.

Every date a user can type (filters, the intake form, the action forms) lies between
1 January 2020 (the first meldingen about working from home) and a year from today. Outside
that range a date is refused as input, with a Dutch message, before it reaches a query: a
year 9999 overflows date arithmetic, a year 1 cannot be converted to UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

EARLIEST_DATE = dt.date(2020, 1, 1)


def latest_date() -> dt.date:
    """A year from today (Europe/Amsterdam); 29 February becomes 28 February."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def validate_sane_date(value: dt.date | None) -> None:
    if value is None:
        return
    if value < EARLIEST_DATE:
        raise ValidationError(
            _("This date is before {date}.").format(
                date=formats.date_format(EARLIEST_DATE, "j F Y")
            ),
            code="date_too_early",
        )
    latest = latest_date()
    if value > latest:
        raise ValidationError(
            _("This date is after {date}.").format(date=formats.date_format(latest, "j F Y")),
            code="date_too_late",
        )


class SaneDateField(forms.DateField):
    """A date between 1 January 2020 and a year from today."""

    default_validators = [validate_sane_date]


class SaneDateTimeField(forms.DateTimeField):
    """A moment on a date between 1 January 2020 and a year from today."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, dt.datetime):
            validate_sane_date(value.date())
