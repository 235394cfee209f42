"""cases/services/intake.py: registering a melding.

Its reference: TW-<year>-<5 digits>, per year, distinct and increasing, never reused, and a
loaded fixture leaves the counter past its highest reference. Its triage deadline, counted
in Dutch working days. (Refused input: tests/test_validation.py.)"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases import services
from cases.maintenance import allow_event_purge
from cases.models import Case, Employer, Event, Melder, ReferenceCounter
from cases.services import intake as service_intake
from tests.factories import EmployerFactory
from tests.helpers import AMS, UTC, freeze, fresh, intake

REFERENCE_RE = re.compile(r"^TW-(\d{4})-(\d{5})$", re.ASCII)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# References


def number(reference: str) -> tuple[int, int]:
    match = REFERENCE_RE.match(reference)
    assert match, reference
    return int(match.group(1)), int(match.group(2))


def intake_at(actor: User, monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> Case:
    freeze(monkeypatch, moment)
    return intake(actor, received_at=moment - dt.timedelta(hours=1))


def test_reference_format_and_year(inspector: User) -> None:
    case = intake(inspector)
    year, _number = number(case.reference)
    assert year == timezone.localdate().year
    assert len(case.reference) == 13


def test_references_are_distinct_increasing_and_contiguous(inspector: User) -> None:
    references = [intake(inspector).reference for _ in range(6)]
    numbers = [number(r)[1] for r in references]
    assert len(set(references)) == 6
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    assert list(Case.objects.order_by("pk").values_list("reference", flat=True)) == references


def test_references_restart_per_year_in_amsterdam_time(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_evening_2021 = dt.datetime(2021, 12, 31, 22, 30, tzinfo=dt.UTC)  # 23:30 local
    new_year_2022 = dt.datetime(2021, 12, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 local, 1 Jan
    assert intake_at(inspector, monkeypatch, last_evening_2021).reference == "TW-2021-00001"
    assert intake_at(inspector, monkeypatch, last_evening_2021).reference == "TW-2021-00002"
    assert intake_at(inspector, monkeypatch, new_year_2022).reference == "TW-2022-00001"
    # A late registration in the old year continues that year's sequence.
    assert intake_at(inspector, monkeypatch, last_evening_2021).reference == "TW-2021-00003"
    assert intake_at(inspector, monkeypatch, new_year_2022).reference == "TW-2022-00002"
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {
        2021: 3,
        2022: 2,
    }


def test_validation_failure_consumes_no_number(inspector: User) -> None:
    first = intake(inspector)
    with pytest.raises(ValidationError):
        intake(inspector, topic_codes=("bestaat_niet",))
    second = intake(inspector)
    assert number(second.reference)[1] == number(first.reference)[1] + 1


def test_failed_intake_leaves_no_case_and_no_duplicate(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = intake(inspector)
    counter_before = list(ReferenceCounter.objects.values_list())
    cases_before = Case.objects.count()

    def failing_event(**kwargs: Any) -> Event:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(service_intake, "record_event", failing_event)
    with pytest.raises(RuntimeError):
        intake(inspector)
    monkeypatch.undo()
    # Rolled back as a whole: no half-registered case, the counter is where it was.
    assert Case.objects.count() == cases_before
    assert list(ReferenceCounter.objects.values_list()) == counter_before
    second = intake(inspector)
    assert second.reference != first.reference
    assert number(second.reference)[1] == number(first.reference)[1] + 1


def test_reference_of_a_removed_case_is_never_reused(inspector: User) -> None:
    intake(inspector)
    removed = intake(inspector)
    # Cases cannot be deleted through the application; simulate a manual database repair
    # (on PostgreSQL that needs the session flag the Event triggers check).
    with allow_event_purge(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_event WHERE case_id = %s", [removed.pk])
    Melder.objects.filter(case=removed).delete()
    Case.objects.filter(pk=removed.pk).delete()
    following = intake(inspector)
    assert following.reference != removed.reference
    assert number(following.reference)[1] == number(removed.reference)[1] + 1


def test_counter_exhausted(inspector: User) -> None:
    year = timezone.localdate().year
    ReferenceCounter.objects.create(year=year, last_number=99999)
    cases = Case.objects.count()
    with pytest.raises(services.ServiceError) as info:
        intake(inspector)
    assert "maximale aantal kenmerken" in info.value.message
    assert Case.objects.count() == cases
    assert ReferenceCounter.objects.get(year=year).last_number == 99999


# ---------------------------------------------------------------------------
# Fixtures loaded raw


def _fixture_case(template: Case, pk: int, reference: str) -> dict[str, Any]:
    (record,) = json.loads(serializers.serialize("json", [template]))
    record["pk"] = pk
    record["fields"]["reference"] = reference
    return record


def test_loaddata_advances_counter(
    inspector: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = dt.datetime(2021, 4, 12, 10, 0, tzinfo=AMS)
    template = intake_at(inspector, monkeypatch, moment)
    assert template.reference == "TW-2021-00001"
    fixture = tmp_path / "meldingen.json"
    fixture.write_text(
        json.dumps(
            [
                _fixture_case(template, template.pk + 1000, "TW-2021-00500"),
                _fixture_case(template, template.pk + 1001, "TW-2021-00042"),
                _fixture_case(template, template.pk + 1002, "TW-2020-00746"),
            ]
        ),
        encoding="utf-8",
    )
    call_command("loaddata", str(fixture), verbosity=0)

    assert Case.objects.filter(reference__in=["TW-2021-00500", "TW-2020-00746"]).count() == 2
    assert dict(ReferenceCounter.objects.values_list("year", "last_number")) == {
        2020: 746,
        2021: 500,
    }
    assert intake_at(inspector, monkeypatch, moment).reference == "TW-2021-00501"
    freeze(monkeypatch, dt.datetime(2020, 11, 2, 10, 0, tzinfo=AMS))
    assert intake(inspector, received_at=dt.datetime(2020, 11, 2, 9, 0, tzinfo=AMS)).reference == (
        "TW-2020-00747"
    )


def test_loaded_lower_reference_does_not_move_counter_back(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = dt.datetime(2021, 4, 12, 10, 0, tzinfo=AMS)
    template = intake_at(inspector, monkeypatch, moment)
    ReferenceCounter.objects.filter(year=2021).update(last_number=10)
    record = _fixture_case(template, template.pk + 50, "TW-2021-00005")
    for obj in serializers.deserialize("json", json.dumps([record])):
        obj.save()  # raw save, as loaddata does
    assert Case.objects.filter(reference="TW-2021-00005").exists()
    assert ReferenceCounter.objects.get(year=2021).last_number == 10
    assert intake_at(inspector, monkeypatch, moment).reference == "TW-2021-00011"


def test_deserialized_case_advances_counter(
    inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = dt.datetime(2021, 4, 12, 10, 0, tzinfo=AMS)
    template = intake_at(inspector, monkeypatch, moment)
    record = _fixture_case(template, template.pk + 10, "TW-2021-00627")
    (obj,) = serializers.deserialize("json", json.dumps([record]))
    obj.save()
    assert ReferenceCounter.objects.get(year=2021).last_number == 627
    assert intake_at(inspector, monkeypatch, moment).reference == "TW-2021-00628"


# ---------------------------------------------------------------------------
# The triage deadline


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        # Thursday 1 April 2021: Good Friday (2 April) and Easter Monday (5 April) skipped.
        (dt.datetime(2021, 4, 1, 10, 0, tzinfo=AMS), dt.date(2021, 4, 12)),
        # 22:30 UTC on 31 March is 00:30 on Thursday 1 April in Amsterdam.
        (dt.datetime(2021, 3, 31, 22, 30, tzinfo=UTC), dt.date(2021, 4, 12)),
        # Wednesday 31 March (local): Thu 1, Tue 6, Wed 7, Thu 8, Fri 9.
        (dt.datetime(2021, 3, 31, 21, 30, tzinfo=UTC), dt.date(2021, 4, 9)),
        # Friday 23 April 2021: King's Day (Tuesday 27 April) skipped.
        (dt.datetime(2021, 4, 23, 16, 0, tzinfo=AMS), dt.date(2021, 5, 3)),
        # Saturday 26 December 2020: weekend, Christmas and New Year's Day skipped.
        (dt.datetime(2020, 12, 26, 12, 0, tzinfo=AMS), dt.date(2021, 1, 4)),
    ],
    ids=["easter", "easter-local-date", "day-before", "kings-day", "christmas"],
)
def test_triage_due_counts_working_days(
    received_at: dt.datetime, expected: dt.date, inspector: User
) -> None:
    case = intake(inspector, received_at=received_at)
    assert fresh(case).triage_due == expected


def test_triage_due_is_configurable(inspector: User, settings: Any) -> None:
    settings.TRIAGE_WORKING_DAYS = 1
    case = intake(inspector, received_at=dt.datetime(2021, 4, 1, 10, 0, tzinfo=AMS))
    assert fresh(case).triage_due == dt.date(2021, 4, 6)


# ---------------------------------------------------------------------------
# The employer: one row per KvK number and establishment number


def by_kvk(kvk: str, **fields: Any) -> services.EmployerInput:
    return services.EmployerInput(name=fields.pop("name", ""), kvk_number=kvk, **fields)


def test_kvk_alone_finds_the_only_establishment(inspector: User) -> None:
    only = EmployerFactory(kvk_number="30000001", establishment_number="000012345678")
    case = intake(inspector, reported_employer=by_kvk("30000001"))
    assert case.employer == only
    assert Employer.objects.filter(kvk_number="30000001").count() == 1


def test_kvk_alone_prefers_the_employer_without_an_establishment_number(inspector) -> None:
    main = EmployerFactory(kvk_number="30000002", establishment_number="")
    EmployerFactory(kvk_number="30000002", establishment_number="000012345678")
    assert intake(inspector, reported_employer=by_kvk("30000002")).employer == main


def test_kvk_alone_with_several_establishments_asks_which_and_makes_no_row(inspector) -> None:
    for number in ("000012345678", "000087654321"):
        EmployerFactory(kvk_number="30000003", establishment_number=number)
    with pytest.raises(ValidationError) as info:
        intake(inspector, reported_employer=by_kvk("30000003", name="Typed Name B.V."))
    assert "2 vestigingen" in info.value.message_dict["employer_choice"][0]
    assert Employer.objects.filter(kvk_number="30000003").count() == 2
    assert not Case.objects.exists()


def test_a_chosen_establishment_is_used_and_must_belong_to_the_kvk_number(inspector) -> None:
    first = EmployerFactory(kvk_number="30000004", establishment_number="000012345678")
    second = EmployerFactory(kvk_number="30000004", establishment_number="000087654321")
    case = intake(inspector, reported_employer=by_kvk("30000004", employer_id=second.pk))
    assert case.employer == second
    with pytest.raises(ValidationError) as info:
        intake(inspector, reported_employer=by_kvk("30000005", employer_id=first.pk))
    assert "hoort niet bij KvK-nummer 30000005" in info.value.message_dict["employer_choice"][0]


def test_a_new_establishment_of_a_known_kvk_number_needs_no_name(inspector) -> None:
    known = EmployerFactory(name="Bekend B.V.", kvk_number="30000006")
    case = intake(
        inspector, reported_employer=by_kvk("30000006", establishment_number="000011112222")
    )
    assert case.employer != known
    assert (case.employer.name, case.employer.establishment_number) == (
        "Bekend B.V.",
        "000011112222",
    )
    # The same establishment again: the same row, never a second one.
    again = intake(
        inspector, reported_employer=by_kvk("30000006", establishment_number="000011112222")
    )
    assert again.employer == case.employer
    assert Employer.objects.filter(kvk_number="30000006").count() == 2


def test_an_unknown_kvk_number_needs_the_name(inspector) -> None:
    with pytest.raises(ValidationError) as info:
        intake(inspector, reported_employer=by_kvk("30000007"))
    assert "employer_name" in info.value.message_dict
    case = intake(inspector, reported_employer=by_kvk("30000007", name="Nieuw B.V."))
    assert case.employer.kvk_number == "30000007" and case.employer.name == "Nieuw B.V."


# ---------------------------------------------------------------------------
# The intake form's one-time token


def test_the_same_token_registers_one_melding(inspector: User) -> None:
    token = uuid.uuid4()
    first = intake(inspector, token=token)
    counter = ReferenceCounter.objects.get().last_number
    with pytest.raises(services.DuplicateIntakeError) as info:
        intake(inspector, token=token)
    assert info.value.case == first
    assert "Er is geen tweede melding gemaakt." in info.value.message
    assert first.reference in info.value.message
    assert Case.objects.count() == 1
    assert Event.objects.filter(kind="intake").count() == 1
    assert ReferenceCounter.objects.get().last_number == counter  # no number used up
    second = intake(inspector, token=uuid.uuid4())
    assert number(second.reference)[1] == number(first.reference)[1] + 1


def test_another_users_token_is_refused(inspector: User, other_inspector: User) -> None:
    token = uuid.uuid4()
    intake(inspector, token=token)
    with pytest.raises(services.ServiceError) as info:
        intake(other_inspector, token=token)
    assert not isinstance(info.value, services.DuplicateIntakeError)
    assert Case.objects.count() == 1
