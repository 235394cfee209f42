"""Guards added after review: closed cases, unknown letters, employer identification."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import State
from tests.helpers import case_in_state, fresh, intake


def test_details_of_a_closed_case_cannot_change(inspector) -> None:
    case = case_in_state(State.CLOSED, inspector=inspector)
    with pytest.raises(services.InvalidStateError):
        services.case_update_details(
            case=case, actor=inspector, version=case.version, channel="brief"
        )
    assert fresh(case).channel == case.channel


def test_marking_an_unknown_letter_sent_is_a_dutch_refusal(inspector) -> None:
    with pytest.raises(services.ServiceError, match="bestaat niet"):
        services.letter_mark_sent(
            letter=999_999, actor=inspector, version=1, sent_at=None, sent_via="post"
        )


def test_identifying_accepts_only_employer_details(inspector) -> None:
    case = intake(
        inspector, reported_employer=services.EmployerInput(name="Onbekend B.V.", city="Ede")
    )
    case = services.case_take(case=case, actor=inspector, version=case.version)
    with pytest.raises(ValueError, match="not an employer detail"):
        services.case_identify_employer(
            case=case,
            actor=inspector,
            version=case.version,
            kvk_number="12345678",
            details={"name": "Iets anders"},
        )
    assert not fresh(case).employer.is_identified
