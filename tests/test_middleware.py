"""inspectie/middleware.py: NUL bytes are refused before any view or query runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cases.models import Case, FigureSnapshot
from tests.helpers import intake


@pytest.mark.parametrize(
    "path",
    [
        "/meldingen/TW-2021-%0000001/",
        "/meldingen/%00/actie/take/",
        "/meldingen/?q=abc%00",
        "/meldingen/?state%00=received",
        "/dashboard/?received_after=2021-01-25%00",
        "/inloggen/?next=/%00",
    ],
)
def test_nul_in_the_path_or_query_is_a_bad_request(client, supervisor, path) -> None:
    client.force_login(supervisor)
    assert client.get(path).status_code == 400


def test_nul_in_a_posted_form_is_a_bad_request_and_changes_nothing(client, supervisor) -> None:
    client.force_login(supervisor)
    response = client.post(
        reverse("snapshot_create"), {"filter": "received_after=2021-01-25", "label": "a\x00b"}
    )
    assert response.status_code == 400
    assert not FigureSnapshot.objects.exists()
    case = intake(supervisor)
    response = client.post(
        reverse("case_action", args=[case.reference, "assign"]),
        {"version": case.version, "assignee": "1\x00"},
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_ordinary_requests_pass(client, supervisor) -> None:
    client.force_login(supervisor)
    assert client.get("/meldingen/?q=%C3%A9%09tab").status_code == 200


# ---------------------------------------------------------------------------
# The idle timeout without a write per request (inspectie.middleware.SessionRefreshMiddleware)


def _session_saves(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return sum(
        "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
        for q in ctx.captured_queries
    )


def test_a_session_is_saved_again_at_most_once_a_minute_of_use(
    client, inspector, monkeypatch
) -> None:
    from django.contrib.sessions.models import Session

    from inspectie import middleware

    client.force_login(inspector)
    key = client.session.session_key
    signed_in = Session.objects.get(session_key=key).expire_date
    home = reverse("home")
    assert _session_saves(client, home) == 0  # just signed in: no second save
    assert _session_saves(client, home) == 0
    # A minute later the next request restarts the idle timeout (one save), then not again.
    later = middleware._now() + middleware.SESSION_REFRESH_SECONDS + 1
    monkeypatch.setattr(middleware, "_now", lambda: later)
    assert _session_saves(client, home) == 1
    assert _session_saves(client, home) == 0
    assert Session.objects.get(session_key=key).expire_date > signed_in
