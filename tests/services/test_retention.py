"""cases/services/retention.py, its command and its task: personal data goes once a case has
been closed longer than RETENTION_YEARS; the cases and every count stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from cases.models import Call, Case, Event, EventKind, Melder, State
from cases.services import MelderInput
from cases.services.retention import anonymise_expired, retention_cutoff
from tests.helpers import case_in_state, freeze, fresh, intake, local, record_reached_call

pytestmark = pytest.mark.django_db

MELDER = MelderInput(name="Wendelien Vergeet", email="w.vergeet@mail.example", phone="0611223344")


def later(years: float) -> dt.datetime:
    return local(2021, 6, 1) + dt.timedelta(days=365.25 * years)


CLOSED_AT = local(2021, 6, 1, 10, 0)


def closed_case(inspector: User, **kwargs: Any) -> Case:
    """A case with a melder and a call with notes, closed on CLOSED_AT."""
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, melder=MELDER, **kwargs)
    call = record_reached_call(case, inspector, notes="Notitie: melder is bang voor ontslag")
    from cases import services

    services.case_close(
        case=case, actor=inspector, version=fresh(case).version, outcome="werkgever_voldoet_al"
    )
    assert Call.objects.get(pk=call.pk).notes
    Case.objects.filter(pk=case.pk).update(closed_at=CLOSED_AT)
    return fresh(case)


def test_cutoff_is_retention_years_back(settings) -> None:
    assert retention_cutoff(local(2030, 5, 1, 12, 0)) == local(2023, 5, 1, 12, 0)
    settings.RETENTION_YEARS = 2
    assert retention_cutoff(local(2028, 2, 29, 3, 0)) == local(2026, 2, 28, 3, 0)


def test_a_case_closed_longer_ago_is_anonymised_once(inspector, monkeypatch) -> None:
    case = closed_case(inspector)
    recent = closed_case(inspector)
    Case.objects.filter(pk=recent.pk).update(closed_at=local(2024, 6, 1))
    still_open = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, melder=MELDER)
    counts_before = (Case.objects.count(), Melder.objects.count(), Call.objects.count())

    moment = later(7.1)
    run = anonymise_expired(now=moment)

    assert [item.reference for item in run.cases] == [case.reference]
    done = fresh(case)
    assert done.description == "" and done.anonymised_at == moment
    assert done.version == case.version + 1
    melder = Melder.objects.get(case=done)
    assert (melder.name, melder.email, melder.phone, melder.relation) == ("", "", "", "")
    assert not Call.objects.filter(case=done).exclude(notes="").exists()
    # The case, its outcome and everything counted stay.
    assert (done.state, done.outcome, done.closed_at) == (case.state, case.outcome, case.closed_at)
    assert (Case.objects.count(), Melder.objects.count(), Call.objects.count()) == counts_before
    for other in (recent, still_open):
        assert Melder.objects.get(case=other).name == MELDER.name
        assert fresh(other).description
    event = Event.objects.get(kind=EventKind.ANONYMISED)
    assert event.case_id == case.pk and event.actor is None and event.created_at == moment
    assert event.data == {
        "reference": case.reference,
        "fields": ["description", "melder", "call_notes"],
    }
    # A second run changes nothing.
    events = Event.objects.count()
    assert anonymise_expired(now=moment + dt.timedelta(days=1)).cases == []
    assert Event.objects.count() == events
    assert fresh(case).version == done.version


def test_dry_run_lists_and_changes_nothing(inspector, monkeypatch) -> None:
    case = closed_case(inspector)
    anonymous = intake(inspector, melder=None)
    from cases import services

    services.case_take(case=anonymous, actor=inspector, version=1)
    services.case_decline(case=anonymous, actor=inspector, version=2, outcome="ingetrokken")
    Case.objects.filter(pk=anonymous.pk).update(closed_at=CLOSED_AT)
    before = list(Case.objects.order_by("pk").values())
    run = anonymise_expired(dry_run=True, now=later(8))
    assert {(item.reference, item.melder, item.call_notes) for item in run.cases} == {
        (case.reference, True, 1),
        (fresh(anonymous).reference, False, 0),
    }
    assert list(Case.objects.order_by("pk").values()) == before
    assert not Event.objects.filter(kind=EventKind.ANONYMISED).exists()


def test_the_command_prints_what_it_does(inspector, monkeypatch) -> None:
    case = closed_case(inspector)
    freeze(monkeypatch, later(7.5))
    out = StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=out)
    assert f"{case.reference} (closed 2021-06-01): description, melder data, notes of 1" in (
        out.getvalue()
    )
    assert "Would anonymise 1 case(s)" in out.getvalue()
    assert Melder.objects.get(case=case).name == MELDER.name
    out = StringIO()
    call_command("anonymise_expired", stdout=out)
    assert "Anonymised 1 case(s)" in out.getvalue()
    assert Melder.objects.get(case=case).name == ""


def test_the_daily_job_is_a_task_on_the_database_backend(inspector, monkeypatch) -> None:
    from django_tasks_db.models import DBTaskResult

    from cases.tasks import anonymise_expired_task

    out = StringIO()
    call_command("anonymise_expired", "--enqueue", stdout=out)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "cases.tasks.anonymise_expired_task"
    assert "Enqueued the retention job" in out.getvalue()
    case = closed_case(inspector)
    freeze(monkeypatch, later(7.5))
    assert anonymise_expired_task.call() == 1
    assert fresh(case).anonymised_at is not None


def test_the_case_page_says_the_data_was_removed(client, inspector, supervisor) -> None:
    from django.urls import reverse

    case = closed_case(inspector)
    anonymise_expired(now=later(8))
    client.force_login(supervisor)
    html = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'data-testid="anonymised"' in html and "De bewaartermijn is verstreken" in html
    assert MELDER.email not in html
