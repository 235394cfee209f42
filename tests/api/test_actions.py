"""Actions over the API, from the workflow table, with `If-Match`: a melding walked from the
web form's POST to closing, and every way an action is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, Event, EventKind, Letter, State
from tests.api.conftest import Token
from tests.api.test_auth_and_problems import assert_problem
from tests.api.test_intake import melding
from tests.helpers import case_in_state, contact_fields

CASES = "/api/v1/meldingen/"


def act(api: APIClient, reference: str, action: str, version: int | None, **body: Any) -> Any:
    headers = {} if version is None else {"If-Match": f'"{version}"'}
    url = f"{CASES}{reference}/actions/{action}/"
    return api.post(url, body, format="json", headers=headers)


def done(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{response.json()["version"]}"'
    return response.json()


def test_a_melding_from_the_web_form_to_closing_over_the_api(
    intake_token: Token, inspector_token: Token
) -> None:
    form, inspector = APIClient(), APIClient()
    inspector.credentials(HTTP_AUTHORIZATION=f"Bearer {inspector_token.token}")
    created = form.post(
        CASES,
        melding(
            employer={"kvk_number": "87654321", "name": "Deltabouw B.V."},
            received_at=(timezone.now() - dt.timedelta(hours=3)).isoformat(),
        ),
        format="json",
        headers={**intake_token.header, "Idempotency-Key": "formulier-77"},
    )
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]

    case = done(inspector.get(f"{CASES}{reference}/"))
    case = done(act(inspector, reference, "take", case["version"]))
    assert case["assignee"]["id"] == inspector_token.client.user.pk
    case = done(act(inspector, reference, "take_into_investigation", case["version"]))
    assert case["state"] == State.UNDER_INVESTIGATION
    called = timezone.localtime() - dt.timedelta(hours=1)
    case = done(
        act(
            inspector,
            reference,
            "call",
            case["version"],
            called_date=called.date().isoformat(),
            called_time=called.strftime("%H:%M"),
            **contact_fields("mevrouw P. de Boer"),
            criteria=["fysieke_aanwezigheid"],
            employer_response="gedeeltelijk",
            measures="Rooster getoond",
        )
    )
    assert case["state"] == State.EMPLOYER_CALLED
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    case = done(
        act(
            inspector,
            reference,
            "agreement_add",
            case["version"],
            description="Kantoorpersoneel werkt thuis",
            due_date=due,
        )
    )
    case = done(act(inspector, reference, "letter_confirm", case["version"]))
    assert case["state"] == State.AGREEMENTS_CONFIRMED
    letter = case["letters"][0]
    pdf = inspector.get(letter["download"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    agreement = case["agreements"][0]["id"]
    case = done(
        act(
            inspector,
            reference,
            "agreement_status",
            case["version"],
            agreement=agreement,
            status="nagekomen",
        )
    )
    case = done(
        act(
            inspector,
            reference,
            "letter_mark_sent",
            case["version"],
            letter=1,
            sent_at=timezone.localdate().isoformat(),
            sent_via="post",
        )
    )
    case = done(act(inspector, reference, "close", case["version"], outcome="afspraken_nagekomen"))
    assert (case["state"], case["outcome"]) == (State.CLOSED, "afspraken_nagekomen")
    kinds = list(Event.objects.filter(case__reference=reference).values_list("kind", flat=True))
    for kind in ("intake", "assigned", "take_into_investigation", "record_call",
                 "agreement_added", "confirm_agreements", "letter_generated",
                 "letter_downloaded", "agreement_status", "letter_sent", "close"):  # fmt: skip
        assert kind in kinds
    assert Letter.objects.get(case__reference=reference).sent_via == "post"


def test_without_if_match_428(api: APIClient, inspector) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    api.force_login(inspector)
    body = assert_problem(act(api, case.reference, "take_into_investigation", None), 428)
    assert "If-Match" in body["detail"]
    assert Case.objects.get(pk=case.pk).state == State.RECEIVED


def test_a_stale_version_412_with_the_current_one(api: APIClient, inspector) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    api.force_login(inspector)
    body = assert_problem(
        act(api, case.reference, "take_into_investigation", case.version - 1), 412
    )
    assert body["current_version"] == case.version
    assert "intussen gewijzigd" in body["detail"]
    assert_problem(
        api.post(
            f"{CASES}{case.reference}/actions/take_into_investigation/",
            {},
            format="json",
            headers={"If-Match": "abc"},
        ),
        400,
    )


def test_not_possible_now_409_with_the_reason(api: APIClient, inspector) -> None:
    case = case_in_state(State.RECEIVED, inspector=inspector)
    api.force_login(inspector)
    body = assert_problem(
        act(api, case.reference, "close", case.version, outcome="ingetrokken"), 409
    )
    assert "‘Ontvangen’" in body["detail"]


def test_a_role_that_may_not_403(api: APIClient, inspector) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    api.force_login(inspector)
    body = assert_problem(act(api, case.reference, "reopen", case.version, reason="Opnieuw"), 403)
    assert body["detail"] == "Alleen een teamleider mag een melding heropenen."


def test_input_errors_400_per_field(api: APIClient, inspector) -> None:
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    api.force_login(inspector)
    body = assert_problem(act(api, case.reference, "call", case.version, contact_surname=""), 400)
    assert {"criteria", "employer_response", "contact_surname"} <= set(body["errors"])
    assert Case.objects.get(pk=case.pk).state == State.UNDER_INVESTIGATION


def test_outside_the_scope_404(api: APIClient, inspector, other_inspector) -> None:
    case = case_in_state(State.RECEIVED, inspector=other_inspector)
    api.force_login(inspector)
    assert_problem(act(api, case.reference, "take_into_investigation", case.version), 404)
    assert not Event.objects.filter(case=case, kind=EventKind.TAKE_INTO_INVESTIGATION).exists()


def test_reads_are_not_actions(api: APIClient, inspector) -> None:
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector)
    api.force_login(inspector)
    assert_problem(act(api, case.reference, "letter_preview", case.version), 404)


def test_a_letter_that_fails_the_issuing_checks_is_422_with_the_field(
    inspector, inspector_token: Token
) -> None:
    """The leak guard over the API: which check failed in which field, never the melder."""
    from cases import services
    from tests.helpers import add_agreement, fresh, record_reached_call

    case = case_in_state(
        State.UNDER_INVESTIGATION,
        inspector=inspector,
        melder=services.MelderInput(name="Wilma Ñúñez-Bakker", email="w.nunez@example.nl"),
    )
    record_reached_call(case, inspector)
    add_agreement(fresh(case), inspector, description="Wilma NUNEZ-BAKKER werkt voortaan thuis.")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {inspector_token.token}")
    response = act(api, case.reference, "letter_confirm", fresh(case).version)
    body = assert_problem(response, 422)
    assert body["type"].endswith(":letter-checks-failed")
    assert list(body["errors"]) == ["agreement_1"]
    assert "naam van een melder" in body["errors"]["agreement_1"][0]
    assert "Wilma" not in response.content.decode() and "nunez" not in response.content.decode()
    assert fresh(case).state == State.EMPLOYER_CALLED
    assert not Letter.objects.filter(case=case).exists()
    event = Event.objects.get(case=case, kind=EventKind.LETTER_CHECKED)
    assert event.data == {"decision": "refused", "checks": ["leak"], "fields": ["agreement_1"]}


def test_handling_meldingen_together_over_the_api(api: APIClient, inspector, supervisor) -> None:
    from tests.factories import EmployerFactory
    from tests.helpers import intake

    employer = EmployerFactory()
    lead = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, employer=employer)
    queued = intake(supervisor, employer=employer)
    api.force_login(inspector)
    case = done(act(api, lead.reference, "bundle_attach", lead.version, cases=[queued.reference]))
    assert case["bundled"] == [queued.reference] and case["bundle_lead"] is None
    attached = done(api.get(f"{CASES}{queued.reference}/"))
    assert attached["bundle_lead"] == lead.reference
    assert attached["state"] == State.UNDER_INVESTIGATION
    assert "bundle_detach" in {a["name"] for a in attached["allowed_actions"]}
    refused = act(api, lead.reference, "bundle_attach", case["version"], cases=["TW-2099-00001"])
    assert_problem(refused, 400)
    assert refused.json()["errors"]["cases"] == ["Er is geen melding met kenmerk TW-2099-00001."]
    detached = done(act(api, queued.reference, "bundle_detach", attached["version"]))
    assert detached["bundle_lead"] is None
