"""Caller × API URL → expected status, for every URL of the API (tests/test_permission_matrix.py
covers the pages). Anonymous → 401, a scope or role that may not → 403, a case outside the
caller's scope → 404, as on the web. The URL names come from the resolver, so a new API URL
without a row fails `test_every_api_url_has_a_row`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from api.models import Scope
from cases.models import Case, State
from tests.api.conftest import Token, make_token
from tests.helpers import case_in_state

CALLERS = [
    "anonymous",
    "no_role",
    "functional_admin",
    "inspector",
    "supervisor",
    "inspector_token",
    "intake_token",
    "statistics_token",
]


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, Token]
    own: Case
    others: Case
    closed: Case

    def client(self, caller: str) -> APIClient:
        api = APIClient()
        if caller in self.tokens:
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[caller].token}")
        elif caller != "anonymous":
            api.force_login(self.users[caller])
        return api


@dataclass
class Row:
    name: str
    method: str
    expected: dict[str, int]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    body: Callable[[World], Any] = field(default=lambda w: {})
    headers: Callable[[World], dict[str, str]] = field(default=lambda w: {})
    label: str = ""


def statuses(**overrides: int) -> dict[str, int]:
    base = {
        "anonymous": 401,
        "no_role": 403,
        "functional_admin": 403,
        "inspector": 403,
        "supervisor": 403,
        "inspector_token": 403,
        "intake_token": 403,
        "statistics_token": 403,
    }
    return {**base, **overrides}


def own(w: World) -> dict[str, Any]:
    return {"reference": w.own.reference}


def others(w: World) -> dict[str, Any]:
    return {"reference": w.others.reference}


def if_match(case: Callable[[World], Case]) -> Callable[[World], dict[str, str]]:
    return lambda w: {"If-Match": f'"{case(w).version}"'}


INTAKE_BODY = {
    "topics": ["niet_mogen_thuiswerken"],
    "description": "Thuiswerken mag niet.",
    "employer": {"name": "Matrix B.V.", "city": "Delft"},
    "melder": None,
}
CASE_WORKERS = {"inspector": 200, "supervisor": 200, "inspector_token": 200}

ROWS: list[Row] = [
    Row("api:cases", "get", statuses(**CASE_WORKERS)),
    Row(
        "api:cases",
        "post",
        statuses(inspector=201, supervisor=201, inspector_token=201, intake_token=201),
        body=lambda w: INTAKE_BODY,
        headers=lambda w: {"Idempotency-Key": "matrix"},
    ),
    Row("api:case", "get", statuses(**CASE_WORKERS, intake_token=404), kwargs=own, label="own"),
    Row(
        "api:case",
        "get",
        statuses(inspector=404, supervisor=200, inspector_token=404, intake_token=404),
        kwargs=others,
        label="another inspector's",
    ),
    Row("api:case-events", "get", statuses(**CASE_WORKERS), kwargs=own),
    Row(
        "api:case-events",
        "get",
        statuses(inspector=404, supervisor=200, inspector_token=404),
        kwargs=others,
        label="another inspector's",
    ),
    Row(
        "api:letter",
        "get",
        statuses(inspector=404, supervisor=404, inspector_token=404),
        kwargs=lambda w: {"reference": w.own.reference, "number": 1},
        label="no letter yet",
    ),
    Row("api:statistics", "get", statuses(supervisor=200, statistics_token=200)),
    # Allowed callers get 400 here: the row sends no KvK number (tests/api/test_cases.py
    # looks one up).
    Row("api:employers", "get", statuses(inspector=400, supervisor=400, inspector_token=400)),
    Row(
        "api:schema",
        "get",
        statuses(**CASE_WORKERS, intake_token=200, statistics_token=200),
    ),
    Row("api:docs", "get", statuses(inspector=200, supervisor=200)),
]

# Every action of the workflow table, on the own case (under investigation, assigned to the
# inspector) and on another inspector's case (received): (inspector, supervisor) statuses.
# The workflow check comes first: a start state or guard that does not hold is 409, a role
# that may not is 403; then the input (none is sent here) is 400.
ACTION_STATUSES: dict[str, tuple[tuple[int, int], int]] = {
    # action: ((inspector, supervisor) on the own case, supervisor on another's case)
    "take": ((409, 409), 409),
    "take_into_investigation": ((409, 409), 200),
    "decline": ((409, 409), 400),
    "identify_employer": ((409, 409), 409),
    "call_attempt": ((400, 400), 409),
    "call": ((400, 400), 409),
    "call_edit": ((409, 409), 409),
    "agreement_add": ((409, 409), 409),
    "agreement_edit": ((409, 409), 409),
    "letter_confirm": ((409, 409), 409),
    "agreement_status": ((409, 409), 409),
    "letter_mark_sent": ((409, 409), 409),
    "letter_regenerate": ((409, 409), 409),
    "close": ((200, 200), 409),
    "assign": ((403, 400), 400),
    "reopen": ((409, 409), 409),
    "bundle_attach": ((400, 400), 409),  # no case chosen; the other case is received
    "bundle_detach": ((409, 409), 409),  # not handled together with another case
    "bundle_make_lead": ((409, 409), 409),
}
CLOSE_BODY = {"outcome": "ingetrokken"}


def _action_rows() -> list[Row]:
    rows = []
    for name, ((inspector, supervisor), on_others) in ACTION_STATUSES.items():
        body: Callable[[World], Any] = (lambda w: CLOSE_BODY) if name == "close" else (lambda w: {})
        rows += [
            Row(
                f"api:action-{name}",
                "post",
                statuses(inspector=inspector, supervisor=supervisor, inspector_token=inspector),
                kwargs=own,
                body=body,
                headers=if_match(lambda w: w.own),
                label="own case",
            ),
            Row(
                f"api:action-{name}",
                "post",
                statuses(inspector=404, supervisor=on_others, inspector_token=404),
                kwargs=others,
                body=body,
                headers=if_match(lambda w: w.others),
                label="another inspector's case",
            ),
        ]
    return rows


def test_every_action_has_its_statuses() -> None:
    from cases import workflow

    writes = {a.name for a in workflow.ACTIONS.values() if a.is_write and a.form}
    assert writes == set(ACTION_STATUSES)


ROWS += _action_rows()


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_api_url_has_a_row() -> None:
    api_names = {n for n in _url_names(get_resolver().url_patterns) if n.startswith("api:")}
    assert not api_names - {row.name for row in ROWS}


@pytest.fixture
def world(inspector, other_inspector, supervisor, functional_admin, no_role_user) -> World:
    return World(
        users={
            "no_role": no_role_user,
            "functional_admin": functional_admin,
            "inspector": inspector,
            "supervisor": supervisor,
        },
        tokens={
            "inspector_token": make_token("eigen", Scope.USER, inspector),
            "intake_token": make_token("formulier", Scope.INTAKE),
            "statistics_token": make_token("cijfers", Scope.STATISTICS),
        },
        own=case_in_state(State.UNDER_INVESTIGATION, inspector=inspector),
        others=case_in_state(State.RECEIVED, inspector=other_inspector),
        closed=case_in_state(State.CLOSED, inspector=inspector),
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    "row", ROWS, ids=lambda r: f"{r.name}[{r.method}{', ' + r.label if r.label else ''}]"
)
def test_api_matrix(world: World, row: Row, caller: str) -> None:
    url = reverse(row.name, kwargs=row.kwargs(world))
    client = world.client(caller)
    if row.method == "get":
        response = client.get(url, headers=row.headers(world))
    else:
        response = client.post(url, row.body(world), format="json", headers=row.headers(world))
    assert response.status_code == row.expected[caller], (url, caller, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
