"""Reading meldingen over the API: scoped like the web, melder data only where the web shows
it (each read an Event), the shared filters, cursor pagination in a constant number of
queries, the timeline and letter downloads."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Event, EventKind, State
from cases.services import MelderInput
from tests.api.conftest import Token
from tests.api.test_auth_and_problems import assert_problem
from tests.helpers import case_in_state, intake

CASES = "/api/v1/meldingen/"
SECRET = MelderInput(name="Wies Vertrouwelijk", email="wies@mail.example", phone="0698989898")


def references(response: Any) -> set[str]:
    return {row["reference"] for row in response.json()["results"]}


def test_the_list_is_scoped_like_the_web(
    api: APIClient, inspector, other_inspector, supervisor, inspector_token: Token
) -> None:
    own = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    queue = intake(supervisor)
    mine = references(api.get(CASES, headers=inspector_token.header))
    assert mine == {own.reference, queue.reference}
    api.force_login(supervisor)
    assert references(api.get(CASES)) == {own.reference, theirs.reference, queue.reference}


def test_the_list_never_carries_melder_data(api: APIClient, inspector) -> None:
    case_in_state(State.RECEIVED, inspector=inspector, melder=SECRET, description="Geheim verhaal")
    api.force_login(inspector)
    text = api.get(CASES).content.decode()
    for secret in (SECRET.name, SECRET.email, SECRET.phone, "Geheim verhaal"):
        assert secret not in text


def test_the_shared_filters_and_a_bad_value(api: APIClient, inspector) -> None:
    received = case_in_state(State.RECEIVED, inspector=inspector)
    investigated = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    api.force_login(inspector)
    assert references(api.get(CASES, {"state": "received"})) == {received.reference}
    assert references(api.get(CASES, {"investigated": "yes"})) == {investigated.reference}
    problem = assert_problem(api.get(CASES, {"received_after": "gisteren"}), 400)
    assert list(problem["errors"]) == ["received_after"]
    problem = assert_problem(api.get(CASES, {"state": "bestaat_niet"}), 400)
    assert "state" in problem["errors"]


def test_cursor_pagination(api: APIClient, inspector) -> None:
    made = {case_in_state(State.RECEIVED, inspector=inspector).reference for _ in range(5)}
    api.force_login(inspector)
    first = api.get(CASES, {"page_size": 2}).json()
    seen = [row["reference"] for row in first["results"]]
    following = first["next"]
    while following:
        page = api.get(following).json()
        seen += [row["reference"] for row in page["results"]]
        following = page["next"]
    assert len(seen) == 5 and set(seen) == made


def test_the_list_takes_the_same_number_of_queries_for_5_and_50(api: APIClient, inspector) -> None:
    api.force_login(inspector)
    counts = []
    for total in (5, 50):
        while len(api.get(CASES, {"page_size": 200}).json()["results"]) < total:
            case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(CASES, {"page_size": 200}).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_detail_shows_melder_data_where_the_web_does_and_records_it(
    api: APIClient, inspector, other_inspector, supervisor
) -> None:
    case = case_in_state(
        State.UNDER_INVESTIGATION, inspector=inspector, melder=SECRET, description="Verhaal"
    )
    api.force_login(inspector)
    response = api.get(f"{CASES}{case.reference}/")
    body = response.json()
    assert body["melder"] == {
        "name": SECRET.name,
        "email": SECRET.email,
        "phone": SECRET.phone,
        "relation": "",
    }
    assert body["description"] == "Verhaal" and body["anonymous"] is False
    assert response["ETag"] == f'"{case.version}"' and body["version"] == case.version
    assert (
        Event.objects.filter(case=case, kind=EventKind.MELDER_VIEWED, actor=inspector).count() == 1
    )
    api.force_login(other_inspector)
    assert_problem(api.get(f"{CASES}{case.reference}/"), 404)


def test_a_queue_case_shows_no_melder_data_to_an_inspector(
    api: APIClient, inspector, supervisor
) -> None:
    queue = intake(supervisor, melder=SECRET, description="Verhaal uit de wachtrij")
    api.force_login(inspector)
    response = api.get(f"{CASES}{queue.reference}/")
    body = response.json()
    assert body["melder"] is None and body["description"] is None and body["anonymous"] is None
    for secret in (SECRET.name, SECRET.email, "Verhaal uit de wachtrij"):
        assert secret not in response.content.decode()
    assert [a["name"] for a in body["allowed_actions"]] == ["take"]
    assert not Event.objects.filter(kind=EventKind.MELDER_VIEWED).exists()


def test_detail_lists_the_actions_the_caller_may_take(
    api: APIClient, inspector, supervisor
) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    api.force_login(inspector)
    names = [a["name"] for a in api.get(f"{CASES}{case.reference}/").json()["allowed_actions"]]
    assert names == ["take_into_investigation", "decline"]
    api.force_login(supervisor)
    names = [a["name"] for a in api.get(f"{CASES}{case.reference}/").json()["allowed_actions"]]
    assert names == ["take_into_investigation", "decline", "assign"]
    action = api.get(f"{CASES}{case.reference}/").json()["allowed_actions"][0]
    assert action["url"] == f"/api/v1/meldingen/{case.reference}/actions/take_into_investigation/"


def test_the_timeline(api: APIClient, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, melder=SECRET)
    api.force_login(inspector)
    api.get(f"{CASES}{case.reference}/")  # a view of melder data: audit, not timeline
    events = api.get(f"{CASES}{case.reference}/events/").json()
    assert [e["kind"] for e in events] == ["intake", "assigned", "take_into_investigation"]
    assert events[-1]["label"] == "In onderzoek genomen"
    assert (
        events[-1]["from_state"] == "received" and events[-1]["to_state"] == "under_investigation"
    )


def test_a_letter_download_is_checked_and_recorded(
    api: APIClient, inspector, other_inspector
) -> None:
    case = case_in_state(State.AGREEMENTS_CONFIRMED, inspector=inspector)
    url = f"{CASES}{case.reference}/letters/1/"
    api.force_login(inspector)
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Event.objects.filter(case=case, kind=EventKind.LETTER_DOWNLOADED).count() == 1
    assert_problem(api.get(f"{CASES}{case.reference}/letters/2/"), 404)
    api.force_login(other_inspector)
    assert_problem(api.get(url), 404)


def test_employer_lookup_by_kvk(api: APIClient, inspector, intake_token: Token) -> None:
    from tests.factories import EmployerFactory

    EmployerFactory(
        name="Vestiging Noord", kvk_number="34567890", establishment_number="000011112222"
    )
    EmployerFactory(name="Hoofdkantoor", kvk_number="34567890")
    api.force_login(inspector)
    body = api.get("/api/v1/employers/", {"kvk": "34567890"}).json()
    assert [e["name"] for e in body["employers"]] == ["Hoofdkantoor", "Vestiging Noord"]
    assert body["employers"][1]["establishment_number"] == "000011112222"
    assert api.get("/api/v1/employers/", {"kvk": "99999999"}).json()["employers"] == []
    problem = assert_problem(api.get("/api/v1/employers/", {"kvk": "123"}), 400)
    assert list(problem["errors"]) == ["kvk"]
    # Which employers are registered is not for a public web form.
    assert_problem(
        APIClient().get("/api/v1/employers/?kvk=34567890", headers=intake_token.header), 403
    )
