"""Retention on the kamerbrief_2021 fixture (loaded once for this module, like
tests/test_kamerbrief.py): with the clock moved past the retention period, every dashboard
figure for every preset stays the same, no melder keeps a name, e-mail address or phone
number, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from cases.dashboard.figures import dashboard_figures
from cases.dashboard.params import presets
from cases.filters import received_between
from cases.models import Call, Case, Event, EventKind, Melder, State
from cases.services.retention import anonymise_expired
from tests.helpers import freeze, local


def _all_figures(today: dt.date) -> dict[str, Any]:
    periods = {p.key: (p.start, p.end) for p in presets(today)}
    periods["all"] = (None, None)
    return {
        key: dashboard_figures(
            Case.objects.filter(received_between(start, end)), today=today
        ).to_json()
        for key, (start, end) in periods.items()
    }


def test_retention_on_the_kamerbrief_fixture_keeps_every_figure(loaded, monkeypatch) -> None:
    today = dt.date(2021, 4, 20)  # the presets around the Kamerbrief
    closed = Case.objects.filter(state=State.CLOSED).count()
    assert closed > 100
    before = _all_figures(today)
    assert before["kamerbrief"]["counts"]["received"] == 746
    moment = local(2031, 1, 1, 3, 0)  # more than 7 years after every closing in the fixture
    freeze(monkeypatch, moment)

    run = anonymise_expired()

    assert len(run.cases) == closed
    assert _all_figures(today) == before
    named = Q(name__gt="") | Q(email__gt="") | Q(phone__gt="")
    closed_melders = Melder.objects.filter(case__state=State.CLOSED)
    assert closed_melders.exists() and not closed_melders.filter(named).exists()
    assert not Case.objects.filter(state=State.CLOSED).exclude(description="").exists()
    assert not Call.objects.filter(case__state=State.CLOSED).exclude(notes="").exists()
    assert Event.objects.filter(kind=EventKind.ANONYMISED).count() == closed
    # Open cases keep their data.
    assert Case.objects.exclude(state=State.CLOSED).exclude(description="").exists()
    # A second run changes nothing.
    rows = list(Case.objects.order_by("pk").values())
    events = Event.objects.count()
    assert anonymise_expired(now=moment + dt.timedelta(days=1)).cases == []
    assert list(Case.objects.order_by("pk").values()) == rows
    assert Event.objects.count() == events
