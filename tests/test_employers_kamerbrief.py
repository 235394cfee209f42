"""The employer page on the kamerbrief_2021 fixture (loaded once for this module)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import User
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cases.models import Case, Employer, Melder
from tests.helpers import number_by_testid


def timeline_kinds(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'data-testid="timeline-item" data-kind="([a-z_]+)" data-reference="([^"]+)"', page
    )


def test_on_kamerbrief_the_busiest_employer_shows_its_number(loaded: None, client: Client) -> None:
    busiest = (
        Case.objects.filter(employer__kvk_number__isnull=False)
        .values("employer__kvk_number")
        .annotate(n=Count("pk"))
        .order_by("-n", "employer__kvk_number")
        .first()
    )
    assert busiest is not None and busiest["n"] > 1
    employer = Employer.objects.filter(kvk_number=busiest["employer__kvk_number"]).first()
    assert employer is not None
    client.force_login(User.objects.get(username="teamleider"))
    page = client.get(reverse("employer_detail", args=[employer.pk])).content.decode()
    assert number_by_testid(page, "employer-total") == busiest["n"]
    items = timeline_kinds(page)
    assert sum(1 for kind, _ref in items if kind == "melding") == busiest["n"]
    moments = re.findall(r'data-testid="timeline-item"[^>]*>\s*<time datetime="([^"]+)"', page)
    parsed = [dt.datetime.fromisoformat(m) for m in moments]
    assert parsed == sorted(parsed, reverse=True)
    # No melder data, ever.
    for melder in Melder.objects.filter(case__employer__kvk_number=employer.kvk_number):
        for value in (melder.name, melder.email, melder.phone):
            if value:
                assert escape(value) not in page
    for description in Case.objects.filter(employer__kvk_number=employer.kvk_number).values_list(
        "description", flat=True
    ):
        assert escape(description[:60]) not in page
