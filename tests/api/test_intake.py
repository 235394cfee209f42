"""`POST /api/v1/meldingen/`: the web form's intake, idempotent by `Idempotency-Key`."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, Channel, Event, EventKind, Melder
from tests.api.conftest import Token
from tests.api.test_auth_and_problems import assert_problem
from tests.helpers import case_in_state

CASES = "/api/v1/meldingen/"
MELDER = {
    "name": "Renée Formulier",
    "email": "renee.formulier@mail.example",
    "phone": "0612121212",
    "relation": "werknemer",
}


def melding(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topics": ["niet_mogen_thuiswerken"],
        "description": "Ik mag van mijn werkgever niet thuiswerken, ook niet een dag.",
        "employer": {"name": "Kantoorreus B.V.", "city": "Utrecht"},
        "melder": MELDER,
    }
    body.update(overrides)
    return body


def post(api: APIClient, token: Token, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {**token.header, **({"Idempotency-Key": key} if key else {})}
    return api.post(CASES, body, format="json", headers=headers)


def test_an_intake_token_registers_a_melding_and_gets_only_its_reference(
    api: APIClient, intake_token: Token
) -> None:
    response = post(api, intake_token, melding(channel="telefoon"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"reference", "received_at"}
    case = Case.objects.get(reference=body["reference"])
    assert response["Location"] == f"/api/v1/meldingen/{case.reference}/"
    # The web form's channel, whatever the request says; received now.
    assert case.channel == Channel.WEBFORMULIER
    assert abs((case.received_at - timezone.now()).total_seconds()) < 60
    assert Melder.objects.get(case=case).email == MELDER["email"]
    for value in MELDER.values():
        assert value not in response.content.decode()
    event = Event.objects.get(kind=EventKind.INTAKE)
    assert event.actor == intake_token.client.user


def test_anonymous_melding(api: APIClient, intake_token: Token) -> None:
    response = post(api, intake_token, melding(melder=None))
    assert response.status_code == 201
    assert not Melder.objects.exists()


def test_without_idempotency_key_428(api: APIClient, intake_token: Token) -> None:
    body = assert_problem(post(api, intake_token, melding(), key=None), 428)
    assert "Idempotency-Key" in body["detail"]
    assert not Case.objects.exists()


def test_the_same_key_twice_gives_the_first_answer(api: APIClient, intake_token: Token) -> None:
    first = post(api, intake_token, melding())
    second = post(api, intake_token, melding())
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_gives_422(api: APIClient, intake_token: Token) -> None:
    post(api, intake_token, melding())
    body = assert_problem(post(api, intake_token, melding(topics=["werkdruk"])), 422)
    assert "Idempotency-Key" in body["detail"]
    assert Case.objects.count() == 1


def test_keys_are_per_client(api: APIClient, intake_token: Token, inspector_token: Token) -> None:
    post(api, intake_token, melding())
    post(api, inspector_token, melding())
    assert Case.objects.count() == 2


def test_invalid_input_names_every_field_in_the_api_names(
    api: APIClient, intake_token: Token
) -> None:
    body = melding(
        topics=["bestaat_niet"],
        description="",
        employer={"kvk_number": "123"},
        melder={"email": "geen-email", "phone": "12"},
        received_at="2019-12-31T10:00:00+01:00",
    )
    problem = assert_problem(post(api, intake_token, body), 400)
    errors = problem["errors"]
    assert set(errors) >= {
        "topics",
        "description",
        "employer.kvk_number",
        "melder.email",
        "melder.phone",
        "received_at",
    }
    assert any("bestaat_niet" in m for m in errors["topics"])
    assert not Case.objects.exists()
    # A corrected retry under the same key is not "another body" of a stored answer.
    assert post(api, intake_token, melding()).status_code == 201


def test_malformed_body_is_400_per_field(api: APIClient, intake_token: Token) -> None:
    problem = assert_problem(post(api, intake_token, {"topics": "x", "melder": 3}), 400)
    assert {"topics", "melder", "description", "employer"} <= set(problem["errors"])


def test_who_may_register(api: APIClient, inspector, no_role_user, statistics_token: Token) -> None:
    assert_problem(post(api, statistics_token, melding()), 403)
    api.force_login(no_role_user)
    assert_problem(api.post(CASES, melding(), format="json", HTTP_IDEMPOTENCY_KEY="x"), 403)
    api.force_login(inspector)
    response = api.post(CASES, melding(), format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == 201


def test_an_intake_token_reads_back_only_its_own_meldingen(
    api: APIClient, intake_token: Token, inspector
) -> None:
    reference = post(api, intake_token, melding()).json()["reference"]
    response = api.get(f"{CASES}{reference}/", headers=intake_token.header)
    assert response.status_code == 200
    assert set(response.json()) == {"reference", "received_at"}
    other = case_in_state("received", inspector=inspector)
    assert_problem(api.get(f"{CASES}{other.reference}/", headers=intake_token.header), 404)
    assert_problem(api.get(f"{CASES}{reference}/events/", headers=intake_token.header), 403)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_key_make_one_melding(require_postgres) -> None:
    from tests.api.conftest import make_token

    token = make_token("webformulier", "intake")
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def send() -> None:
        client = APIClient()
        try:
            start.wait(timeout=30)
            response = post(client, token, melding(), key="gelijktijdig")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 20
    assert {status for status, _body in results} == {201}
    assert len({str(body) for _status, body in results}) == 1
    assert Case.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.INTAKE).count() == 1
