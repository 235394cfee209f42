"""Who may call the API, how tokens are kept and used, and that every error is a
problem+json document in Dutch (never an HTML page)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from api.models import ApiToken, Scope, hash_token
from api.services import revoke_token
from cases.models import Event, EventKind
from tests.api.conftest import Token, expired, make_token

PROBLEM = "application/problem+json"
CASES = "/api/v1/meldingen/"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:thuiswerkmeldingen:problem:")
    assert body["title"] and body["detail"]
    return body


def test_anonymous_gets_401_with_the_bearer_challenge(api: APIClient, db) -> None:
    response = api.get(CASES)
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"
    assert body["title"] == "Log in of geef een geldig API-token mee."


def test_tokens_are_stored_hashed_and_their_creation_is_an_event(db) -> None:
    token = make_token("formulier", Scope.INTAKE)
    row = ApiToken.objects.get(client=token.client)
    assert row.key_hash == hash_token(token.token)
    assert token.token not in str(list(ApiToken.objects.values()))
    created = Event.objects.get(kind=EventKind.API_TOKEN_CREATED)
    assert created.data["token_prefix"] == row.prefix
    assert token.token not in str(created.data)


def test_the_command_shows_the_token_once(db, capsys) -> None:
    call_command("create_api_token", "formulier-2", "--scope", "intake", "--days", "30")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("tw_")
    assert ApiToken.objects.get().key_hash == hash_token(token)


@pytest.mark.parametrize(
    "header",
    ["Bearer tw_bestaatniet_xyz", "Bearer iets", "Bearer tw__x"],
)
def test_an_unknown_token_is_refused(api: APIClient, db, header: str) -> None:
    assert_problem(api.get(CASES, HTTP_AUTHORIZATION=header), 401)


def test_a_revoked_or_expired_token_is_refused(api: APIClient, inspector) -> None:
    token = make_token("eigen", Scope.USER, inspector)
    assert api.get(CASES, headers=token.header).status_code == 200
    revoke_token(token=ApiToken.objects.get(client=token.client), actor=None)
    assert_problem(api.get(CASES, headers=token.header), 401)
    old = expired("oud", Scope.STATISTICS)
    assert_problem(api.get("/api/v1/statistics/", headers=old.header), 401)


def test_every_use_of_a_token_is_an_event(api: APIClient, inspector_token: Token) -> None:
    api.get(CASES, headers=inspector_token.header)
    api.get(CASES, headers=inspector_token.header)
    uses = Event.objects.filter(kind=EventKind.API_TOKEN_USED)
    assert uses.count() == 2
    assert uses.first().data["operation"] == "GET /api/v1/meldingen/"
    assert all(inspector_token.token not in str(e.data) for e in uses)


def test_throttling_per_token_gives_429_with_retry_after(
    api: APIClient, inspector_token: Token, statistics_token: Token, settings
) -> None:
    settings.API_TOKEN_RATE = 3
    for _ in range(3):
        assert api.get(CASES, headers=inspector_token.header).status_code == 200
    response = api.get(CASES, headers=inspector_token.header)
    body = assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in body["detail"]
    # Another client has its own count.
    assert api.get("/api/v1/statistics/", headers=statistics_token.header).status_code == 200


def test_a_session_post_needs_its_csrf_token(inspector) -> None:
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(inspector)
    response = api.post(CASES, {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert_problem(response, 403)


def test_a_wrong_scope_is_403(api: APIClient, intake_token: Token, statistics_token: Token) -> None:
    assert_problem(api.get(CASES, headers=intake_token.header), 403)
    assert_problem(api.get(CASES, headers=statistics_token.header), 403)
    assert_problem(api.get("/api/v1/statistics/", headers=intake_token.header), 403)


def test_no_html_error_page_reaches_an_api_client(inspector) -> None:
    client = Client()
    client.force_login(inspector)
    for url, status in (
        ("/api/v1/bestaat-niet/", 404),
        ("/api/v2/meldingen/", 404),
        ("/api/v1/meldingen/TW-2021-99999/", 404),
    ):
        assert_problem(client.get(url), status)
    assert_problem(client.delete(CASES), 405)
    assert_problem(client.post(CASES, "<xml/>", content_type="application/xml"), 415)
    body = assert_problem(
        client.post(CASES, "{niet json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="a"),
        400,
    )
    assert "<html" not in str(body).lower()
    # Refused before any view (a NUL byte never reaches the database): still a problem.
    assert_problem(client.get(CASES, {"q": "a\x00b"}), 400)


def test_a_server_error_is_a_problem_without_details(inspector, monkeypatch) -> None:
    from api import views

    def broken(*args, **kwargs):
        raise RuntimeError("geheim detail uit de code")

    monkeypatch.setattr(views.CaseFilter, "is_valid", broken)
    client = Client(raise_request_exception=False)
    client.force_login(inspector)
    response = client.get(CASES)
    body = assert_problem(response, 500)
    assert "geheim" not in response.content.decode()
    assert body["title"]
