"""API clients and tokens in the admin, for the Functioneel beheerder: a token is shown once,
on the page that answers "issue", and revoking it is an Event."""

from __future__ import annotations

import re

from django.test import Client

from api.models import ApiClient, ApiToken, Scope, hash_token
from cases.models import Event, EventKind


def test_the_functional_admin_makes_a_client_issues_and_revokes_a_token(
    client: Client, functional_admin
) -> None:
    client.force_login(functional_admin)
    response = client.post(
        "/beheer/api/apiclient/add/", {"name": "webformulier", "scope": Scope.INTAKE}
    )
    assert response.status_code == 302, response.content[:500]
    api_client = ApiClient.objects.get(name="webformulier")
    assert api_client.user.username.startswith("api-webformulier")
    assert not api_client.user.has_usable_password()
    assert api_client.user.has_perm("cases.add_case")
    assert not api_client.user.has_perm("cases.act_on_case")

    response = client.post(
        "/beheer/api/apiclient/",
        {"action": "issue_token", "_selected_action": [api_client.pk]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r"<code>(tw_[^<]+)</code>", response.content.decode()).group(1)
    row = ApiToken.objects.get(client=api_client)
    assert row.key_hash == hash_token(token)
    assert Event.objects.filter(kind=EventKind.API_TOKEN_CREATED, actor=functional_admin).exists()
    # Never again: the token's page shows only its prefix.
    page = client.get(f"/beheer/api/apitoken/{row.pk}/change/").content.decode()
    assert token not in page and row.prefix in page

    client.post("/beheer/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert Event.objects.filter(kind=EventKind.API_TOKEN_REVOKED, actor=functional_admin).exists()


def test_a_user_client_needs_its_person(client: Client, functional_admin) -> None:
    client.force_login(functional_admin)
    response = client.post("/beheer/api/apiclient/add/", {"name": "eigen", "scope": Scope.USER})
    assert response.status_code == 200
    assert "Kies de persoon voor wie dit token handelt." in response.content.decode()
    assert not ApiClient.objects.exists()


def test_case_workers_do_not_manage_tokens(client: Client, supervisor) -> None:
    client.force_login(supervisor)
    assert client.get("/beheer/api/apiclient/").status_code in (302, 403)
