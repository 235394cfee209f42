"""The data migration that fills the precomputed columns (0007) gives what the services
give: it is run again here on cases whose columns were wiped, and must leave no drift."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from cases import rollups
from cases.models import Case, DayCount, EmployerResponse, State, Topic
from tests.factories import EmployerFactory
from tests.helpers import case_in_state, local, record_reached_call

fill_migration = importlib.import_module("cases.migrations.0015_fill_precomputed_columns")


def test_filling_the_columns_agrees_with_the_services(inspector, supervisor) -> None:
    case_in_state(State.CLOSED, inspector=inspector, received_at=local(2021, 1, 24, 23, 58))
    called = case_in_state(
        State.UNDER_INVESTIGATION,
        inspector=inspector,
        topic_codes=("niet_mogen_thuiswerken", "overig"),
        employer=EmployerFactory(sector_id=None),
    )
    record_reached_call(called, inspector, employer_response=EmployerResponse.NEE)
    case_in_state(State.AGREEMENTS_CONFIRMED, inspector=supervisor, channel="brief")
    Topic.objects.create(code="later", label="Later toegevoegd", bit=6)
    expected = list(Case.objects.order_by("pk").values(*rollups.PRECOMPUTED))

    Case.objects.update(
        local_day="2000-01-01", state_code=0, outcome_code=0, channel_code=0, topic_mask=0
    )
    Case.objects.update(sector_code="Z", not_recognised=False)
    DayCount.objects.update(received=0)
    # The migration's function needs only the schema editor's connection.
    fill_migration.fill(apps, SimpleNamespace(connection=connection))

    assert list(Case.objects.order_by("pk").values(*rollups.PRECOMPUTED)) == expected
    assert rollups.day_count_drift() == []
    assert dict(Topic.objects.values_list("code", "bit"))["later"] == 6
