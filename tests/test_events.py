"""Events are append-only history and never hold melder data or melding text."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cases import services
from cases.events import ALLOWED_DATA_KEYS, EventDataError, record_event
from cases.models import AppendOnlyError, Event, EventKind, Outcome, State
from tests.helpers import SAMPLE_PDF, case_in_state, fresh, intake, record_reached_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(inspector: User) -> Event:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    return Event.objects.filter(case=case).order_by("pk").last()


def _row(pk: int) -> dict[str, Any]:
    return Event.objects.filter(pk=pk).values().get()


def test_save_of_existing_event_is_refused(event: Event) -> None:
    before = _row(event.pk)
    event.kind = EventKind.CLOSE
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["kind"])
    assert _row(event.pk) == before


def test_delete_of_event_is_refused(event: Event) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event: Event) -> None:
    count = Event.objects.count()
    before = _row(event.pk)
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(kind=EventKind.CLOSE)
    with pytest.raises(AppendOnlyError):
        Event.objects.all().update(data={})
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.bulk_update([event], ["kind"])
    with pytest.raises(AppendOnlyError):
        Event.objects.update_or_create(pk=event.pk, defaults={"kind": EventKind.CLOSE})
    assert Event.objects.count() == count
    assert _row(event.pk) == before


def test_saving_a_copy_with_an_existing_pk_does_not_overwrite(event: Event) -> None:
    before = _row(event.pk)
    copy = Event(
        pk=event.pk,
        created_at=timezone.now(),
        kind=EventKind.CLOSE,
        case=event.case,
        data={"outcome": "ingetrokken"},
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        copy.save()  # forced INSERT: a primary-key conflict, never an UPDATE
    assert _row(event.pk) == before


def test_raw_sql_update_is_refused_by_the_database(event: Event) -> None:
    before = _row(event.pk)
    table = connection.ops.quote_name(Event._meta.db_table)
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET kind = %s WHERE id = %s", ["close", event.pk])  # noqa: S608
    assert "append-only" in str(info.value)
    assert _row(event.pk) == before


def test_new_events_can_still_be_written(inspector: User) -> None:
    count = Event.objects.count()
    created = record_event(kind=EventKind.EXPORT, actor=inspector, data={"rows": 3})
    assert Event.objects.count() == count + 1
    assert _row(created.pk)["data"] == {"rows": 3}
    assert _row(created.pk)["case_id"] is None


# ---------------------------------------------------------------------------
# Allow-list


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Jan Jansen"},
        {"melder_email": "jan@example.nl"},
        {"description": "tekst van de melding"},
        {"notes": "aantekeningen"},
        {"outcome": "ingetrokken", "phone": "0612345678"},
        {"filter": {"q": "x", "melder": "Jan"}},  # nested keys are checked too
        {"reason": "x" * 1001},  # long free text
        {"reason": dt.date(2021, 4, 1)},  # only plain JSON values
        {"topics": [{"email": "x"}]},
    ],
    ids=["name", "email", "description", "notes", "mixed", "nested", "long", "date", "list"],
)
def test_record_event_refuses_data_outside_the_allow_list(
    data: dict[str, Any], inspector: User
) -> None:
    count = Event.objects.count()
    with pytest.raises(EventDataError):
        record_event(kind=EventKind.EXPORT, actor=inspector, data=data)
    assert Event.objects.count() == count


def test_allow_list_has_no_melder_or_free_text_keys() -> None:
    fragments = ("melder", "email", "phone", "relation", "description", "notes", "measures")
    assert not {k for k in ALLOWED_DATA_KEYS for f in fragments if f in k.lower()}
    assert not {"name", "contact_name", "text", "address"} & ALLOWED_DATA_KEYS


# ---------------------------------------------------------------------------
# A full journey with a named melder: nothing of the melder or the melding text leaks


SECRETS = {
    "melder_name": "Xandriëlle Quibbelstein",
    "melder_email": "x.quibbelstein@geheim-melder.example",
    "melder_phone": "0687654321",
    "melder_relation": "Zwijgzame medewerker afdeling Vlinderkunde",
    "description": "Geheime omschrijving: de Zebrakwekerij verplicht iedereen op kantoor",
    "notes": "Vertrouwelijke aantekening Pinguïnprotocol",
    "measures": "Maatregel Okapi-rooster getoond",
    "agreement": "Afspraak Kolibrie-thuiswerkregeling",
}


def test_full_journey_events_hold_no_melder_data(inspector: User, supervisor: User) -> None:
    melder = services.MelderInput(
        name=SECRETS["melder_name"],
        email=SECRETS["melder_email"],
        phone="06 87 65 43 21",
        relation=SECRETS["melder_relation"],
    )
    case = intake(
        inspector,
        reported_employer=services.EmployerInput(name="Zebra B.V.", city="Zwolle"),
        melder=melder,
        description=SECRETS["description"],
    )
    case = services.case_take(case=case, actor=inspector, version=case.version)
    services.record_melder_view(case=case, actor=inspector)
    services.case_identify_employer(
        case=case, actor=inspector, version=fresh(case).version, kvk_number="55667788"
    )
    case = fresh(case)
    services.case_update_details(
        case=case, actor=inspector, version=case.version, topic_codes=["werkdruk", "overig"]
    )
    services.case_take_into_investigation(case=case, actor=inspector, version=fresh(case).version)
    services.case_record_call_attempt(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        called_at=timezone.now() - dt.timedelta(hours=5),
    )
    record_reached_call(case, inspector, notes=SECRETS["notes"], measures=SECRETS["measures"])
    agreement = services.agreement_add(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        description=SECRETS["agreement"],
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    services.agreement_edit(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        agreement=agreement,
        description=SECRETS["agreement"] + " (gewijzigd)",
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    letter = services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        letter_pdf=SAMPLE_PDF,
        template_version="t",
    )
    services.letter_mark_sent(
        letter=letter,
        actor=inspector,
        version=fresh(case).version,
        sent_at=timezone.localdate(),
        sent_via="post",
    )
    services.agreement_set_status(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        agreement=agreement,
        status="nagekomen",
    )
    services.case_close(
        case=case,
        actor=inspector,
        version=fresh(case).version,
        outcome=Outcome.AFSPRAKEN_NAGEKOMEN,
    )
    services.case_reopen(
        case=case, actor=supervisor, version=fresh(case).version, reason="Bezwaar werkgever"
    )
    services.record_melder_view(case=fresh(case), actor=supervisor)
    services.case_assign(
        case=case, actor=supervisor, version=fresh(case).version, assignee=supervisor
    )

    events = list(Event.objects.filter(case=case).order_by("pk"))
    kinds = {e.kind for e in events}
    assert {
        EventKind.INTAKE,
        EventKind.ASSIGNED,
        EventKind.MELDER_VIEWED,
        EventKind.EMPLOYER_IDENTIFIED,
        EventKind.CASE_EDITED,
        EventKind.TAKE_INTO_INVESTIGATION,
        EventKind.CALL_ATTEMPT,
        EventKind.RECORD_CALL,
        EventKind.AGREEMENT_ADDED,
        EventKind.AGREEMENT_CHANGED,
        EventKind.CONFIRM_AGREEMENTS,
        EventKind.LETTER_GENERATED,
        EventKind.LETTER_SENT,
        EventKind.AGREEMENT_STATUS,
        EventKind.CLOSE,
        EventKind.REOPEN,
    } <= kinds
    everything = json.dumps(
        [[e.kind, e.from_state, e.to_state, e.data] for e in Event.objects.all()],
        ensure_ascii=False,
    ).lower()
    for label, secret in {**SECRETS, "phone_raw": "06 87 65 43 21"}.items():
        assert secret.lower() not in everything, label
    # Distinctive fragments too, in case a value is truncated or reformatted.
    for fragment in ("quibbel", "vlinderkunde", "zebrakwekerij", "pinguïn", "okapi", "kolibrie"):
        assert fragment not in everything, fragment
    # The melder data really was stored (the check above is not vacuous).
    stored = fresh(case)
    assert stored.melder.name == SECRETS["melder_name"]
    assert stored.description == SECRETS["description"]
    assert stored.calls.filter(notes=SECRETS["notes"]).exists()


# ---------------------------------------------------------------------------
# PostgreSQL: UPDATE, DELETE and TRUNCATE refused by triggers; only a session that sets the
# purge flag (test flushes, `manage.py demo`, benchmarks) may empty the table.


def _immediate_constraints() -> None:
    """TRUNCATE refuses to run while the test's own transaction has deferred foreign-key
    checks pending; have them checked now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _refused_by_the_database(sql: str, *params: Any) -> str:
    _immediate_constraints()
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(info.value)


@pytest.mark.postgres
@pytest.mark.usefixtures("require_postgres")
def test_postgres_refuses_update_delete_and_truncate_of_events(event: Event) -> None:
    count = Event.objects.count()
    by_id = "DELETE FROM cases_event WHERE id = %s"
    assert "append-only: DELETE refused" in _refused_by_the_database(by_id, event.pk)
    assert "append-only: DELETE refused" in _refused_by_the_database("DELETE FROM cases_event")
    assert "append-only: TRUNCATE refused" in _refused_by_the_database("TRUNCATE cases_event")
    # Emptying a table Events refer to does not get round it either.
    assert "append-only: TRUNCATE refused" in _refused_by_the_database(
        "TRUNCATE cases_case CASCADE"
    )
    assert "append-only" in _refused_by_the_database("UPDATE cases_event SET kind = 'close'")
    assert Event.objects.count() == count


@pytest.mark.postgres
@pytest.mark.usefixtures("require_postgres")
def test_only_a_session_with_the_purge_flag_may_empty_the_events(event: Event) -> None:
    from cases.maintenance import allow_event_purge

    _immediate_constraints()
    with allow_event_purge(), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM cases_event WHERE id = %s", [event.pk])
        assert not Event.objects.filter(pk=event.pk).exists()
        cur.execute("TRUNCATE cases_event CASCADE")
        assert not Event.objects.exists()
        transaction.set_rollback(True)
    assert Event.objects.filter(pk=event.pk).exists()
    # The flag is gone again afterwards.
    assert "DELETE refused" in _refused_by_the_database("DELETE FROM cases_event")
    # UPDATE stays refused, flag or not.
    with allow_event_purge():
        assert "append-only" in _refused_by_the_database("UPDATE cases_event SET kind = 'close'")


def test_the_application_never_sets_the_purge_flag() -> None:
    """Only cases/maintenance.py knows the flag; only the demo (DEBUG only) uses it."""
    from django.conf import settings

    users = {
        str(path.relative_to(settings.BASE_DIR))
        for folder in ("cases", "inspectie")
        for path in (settings.BASE_DIR / folder).rglob("*.py")
        if "migrations" not in path.parts and "allow_event_purge" in path.read_text()
    }
    assert users == {"cases/maintenance.py", "cases/demo.py"}
