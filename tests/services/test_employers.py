"""cases/services/employers.py: an employer's sector change moves its cases' copy of the
sector and their day counts in the same transaction, from the admin and while identifying."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from cases import rollups, services
from cases.models import Case, DaySectorCount, Event, EventKind, State
from tests.factories import EmployerFactory
from tests.helpers import REPORTED, case_in_state, fresh, intake, local


def sectors_on(day: dt.date) -> dict[str, int]:
    return dict(DaySectorCount.objects.filter(day=day, n__gt=0).values_list("sector_code", "n"))


def test_a_sector_change_moves_every_case_of_the_employer(
    inspector: User, functional_admin: User
) -> None:
    employer = EmployerFactory(sector_id="J")
    other = EmployerFactory(sector_id="J")
    day = dt.date(2021, 3, 1)
    for _ in range(2):
        intake(inspector, employer=employer, received_at=local(2021, 3, 1, 10, 0))
    untouched = intake(inspector, employer=other, received_at=local(2021, 3, 1, 11, 0))
    assert sectors_on(day) == {"J": 3}

    employer.sector_id = "Q"
    services.employer_save(employer=employer, actor=functional_admin, fields=["sector"])
    assert set(Case.objects.filter(employer=employer).values_list("sector_code", flat=True)) == {
        "Q"
    }
    assert fresh(untouched).sector_code == "J"
    assert sectors_on(day) == {"J": 1, "Q": 2}
    event = Event.objects.get(kind=EventKind.EMPLOYER_EDITED)
    assert event.data == {"employer_id": employer.pk, "fields": ["sector"]}

    employer.sector_id = None  # no sector known
    services.employer_save(employer=employer, actor=functional_admin, fields=["sector"])
    assert sectors_on(day) == {"J": 1, "": 2}
    assert rollups.day_count_drift() == []


def test_a_refused_save_moves_nothing(inspector: User, functional_admin: User) -> None:
    employer = EmployerFactory(sector_id="J")
    case = intake(inspector, employer=employer)
    with pytest.raises(RuntimeError), transaction.atomic():
        employer.sector_id = "K"
        services.employer_save(employer=employer, actor=functional_admin, fields=["sector"])
        raise RuntimeError("the admin's transaction fails after the save")
    assert fresh(case).sector_code == "J"
    assert rollups.day_count_drift() == []


def test_identifying_a_shared_reported_employer_moves_its_other_cases(inspector: User) -> None:
    first = case_in_state(State.RECEIVED, inspector=inspector, reported_employer=REPORTED)
    reported = first.employer
    second = case_in_state(State.RECEIVED, inspector=inspector, employer=reported)
    assert (first.sector_code, second.sector_code) == (None, None)
    services.case_identify_employer(
        case=first,
        actor=inspector,
        version=first.version,
        kvk_number="12345678",
        details={"sector_id": "M"},
    )
    assert (fresh(first).sector_code, fresh(second).sector_code) == ("M", "M")
    assert fresh(first).version == first.version + 1
    assert fresh(second).version == second.version  # the employer changed, not the case
    assert rollups.day_count_drift() == []
    assert [d for _case, d in rollups.column_drift()] == []


def test_linking_to_a_known_employer_takes_its_sector(inspector: User) -> None:
    known = EmployerFactory(sector_id="K")
    case = case_in_state(State.RECEIVED, inspector=inspector, reported_employer=REPORTED)
    services.case_identify_employer(
        case=case, actor=inspector, version=case.version, kvk_number=known.kvk_number
    )
    assert fresh(case).sector_code == "K"
    assert sectors_on(fresh(case).local_day) == {"K": 1}
