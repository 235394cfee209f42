"""schemathesis against `/api/schema/`: every operation, for a team leader, an inspector and an
intake token, with a fixed seed. No 5xx, no undocumented status code or content type, no
response that breaks the schema, and no melder data for a caller that may not see it.

Runs once in CI (with the browser tests, in the PostgreSQL pass): it makes a few thousand
requests. `pytest -m fuzz` runs it alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from api.models import Scope
from cases.models import State
from cases.services import MelderInput
from tests.api.conftest import make_token
from tests.helpers import case_in_state, intake

pytestmark = [pytest.mark.fuzz]

# What the API promises about every response. Not `positive_data_acceptance`: the API checks
# more than its schema can say (dates in range, fields that depend on each other, reference
# data that exists, the case's state) and answers such input with 400 and errors per field.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
EXAMPLES = 12  # per operation and caller: with negative data, every operation is reached


@dataclass
class Caller:
    header: dict[str, str]
    references: list[str]
    secrets: list[str]  # melder data and melding texts this caller may never receive


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI app is called in the test's thread; like Django's test client, keep it from
    closing the database connection (and with it the test's transaction) after a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _melder(n: int) -> MelderInput:
    return MelderInput(
        name=f"Geheime Melder{n}", email=f"melder{n}@geheim.example", phone=f"06{n:08d}"
    )


def _world(inspector: Any, other_inspector: Any, supervisor: Any) -> dict[str, Any]:
    """Cases in every state, with melders whose data must not reach the wrong caller."""
    mine, theirs, queue = [], [], []
    for n, state in enumerate(State.values):
        mine.append(
            case_in_state(state, inspector=inspector, melder=_melder(n), description=f"Verhaal{n}x")
        )
        theirs.append(
            case_in_state(
                state,
                inspector=other_inspector,
                melder=_melder(10 + n),
                description=f"Verhaal{10 + n}x",
            )
        )
    queue.append(intake(supervisor, melder=_melder(30), description="Tekst30x"))

    def secrets(cases: list[Any]) -> list[str]:
        return [
            s for c in cases for s in (c.melder.name, c.melder.email, c.melder.phone, c.description)
        ]

    return {
        "mine": mine,
        "theirs": theirs,
        "queue": queue,
        "secrets_of": secrets,
    }


def _caller(role: str, inspector: Any, other_inspector: Any, supervisor: Any) -> Caller:
    world = _world(inspector, other_inspector, supervisor)
    all_cases = world["mine"] + world["theirs"] + world["queue"]
    references = [c.reference for c in all_cases]
    if role == "supervisor":
        token = make_token("teamleider-fuzz", Scope.USER, supervisor)
        return Caller(token.header, references, [])
    if role == "inspector":
        token = make_token("inspecteur-fuzz", Scope.USER, inspector)
        hidden = world["secrets_of"](world["theirs"] + world["queue"])
        return Caller(token.header, references, hidden)
    token = make_token("formulier-fuzz", Scope.INTAKE)
    return Caller(token.header, references, world["secrets_of"](all_cases))


def _strategy(operation: Any, caller: Caller, mode: GenerationMode) -> Any:
    """Generated cases; for an operation on one melding, half of them on an existing one
    (a generated reference is nearly always unknown: a 404, which is fine but narrow)."""
    generated = operation.as_strategy(generation_mode=mode)
    if "{reference}" not in operation.path:
        return generated
    fixed = {"number": 1} if "{number}" in operation.path else {}
    existing = st.sampled_from(caller.references).flatmap(
        lambda reference: operation.as_strategy(
            generation_mode=mode, path_parameters={"reference": reference, **fixed}
        )
    )
    return st.one_of(existing, generated)


def no_melder_data(caller: Caller) -> Any:
    def check(ctx: Any, response: Any, case: Any) -> None:
        text = response.content.decode(errors="replace")
        leaked = [secret for secret in caller.secrets if secret in text]
        if leaked:
            raise AssertionError(f"melder data for a caller that may not see it: {leaked[:3]}")

    return check


@pytest.mark.parametrize("role", ["supervisor", "inspector", "intake"])
def test_the_api_keeps_its_schema_and_its_secrets(
    role: str, inspector: Any, other_inspector: Any, supervisor: Any
) -> None:
    caller = _caller(role, inspector, other_inspector, supervisor)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), headers=caller.header
    )
    leak_check = no_melder_data(caller)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=_strategy(operation, caller, mode))
            def run(case: Any) -> None:
                case.call_and_validate(
                    headers=caller.header, checks=CHECKS, additional_checks=[leak_check]
                )

            run()
