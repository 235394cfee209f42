"""Helpers that drive the application, shared by the test modules.

They build data the way the application does: through the services. Factories for users and
employers (rows made directly) are in `tests/factories.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from cases import services
from cases.models import Case, Criterion, EmployerResponse, Outcome, State
from cases.models import Employer as EmployerModel
from tests.factories import EmployerFactory


def received(days_ago: int = 3) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


# An employer as a melder names it: by name and place, without a KvK number.
REPORTED = services.EmployerInput(name="Bakkerij De Korenschoof", city="Utrecht")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# An argument not given; None is a value, handed to the service as missing input.
UNSET: Any = _Unset()

DESCRIPTION = "Mijn leidinggevende verplicht mij elke dag op kantoor te werken."


def intake(
    actor: User,
    *,
    received_at: dt.datetime | None = UNSET,
    channel: str = "webformulier",
    topic_codes: Sequence[str] = ("niet_mogen_thuiswerken",),
    description: str = DESCRIPTION,
    employer: EmployerModel | None = UNSET,
    reported_employer: services.EmployerInput | None = UNSET,
    melder: services.MelderInput | None = None,
) -> Case:
    """Register a melding through `services.case_intake`; the arguments are the service's own.

    Received three days ago unless `received_at` is given. Given neither `employer` nor
    `reported_employer`, the melding names a new identified employer (EmployerFactory). An
    argument given as None reaches the service as None (missing input).
    """
    if employer is UNSET and reported_employer is UNSET:
        employer = EmployerFactory()
    return services.case_intake(
        actor=actor,
        received_at=received() if received_at is UNSET else received_at,
        channel=channel,
        topic_codes=list(topic_codes),
        description=description,
        employer=None if employer is UNSET else employer,
        reported_employer=None if reported_employer is UNSET else reported_employer,
        melder=melder,
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def case_in_state(
    state: str, *, inspector: User, registrar: User | None = None, **kwargs: Any
) -> Case:
    """Drive a new case through the services to `state`, assigned to `inspector`."""
    case = intake(registrar or inspector, **kwargs)
    case = services.case_take(case=case, actor=inspector, version=case.version)
    if state == State.RECEIVED:
        return fresh(case)
    if state == State.CLOSED:
        services.case_decline(
            case=case, actor=inspector, version=case.version, outcome=Outcome.INGETROKKEN
        )
        return fresh(case)
    case = services.case_take_into_investigation(case=case, actor=inspector, version=case.version)
    if state == State.UNDER_INVESTIGATION:
        return fresh(case)
    record_reached_call(case, inspector)
    case = fresh(case)
    if state == State.EMPLOYER_CALLED:
        return case
    services.agreement_add(
        case=case,
        actor=inspector,
        version=case.version,
        description="Medewerkers met kantoorfuncties werken thuis.",
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )
    case = fresh(case)
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=SAMPLE_PDF,
        template_version="test",
    )
    return fresh(case)


def record_reached_call(case: Case, actor: User, **overrides: Any) -> Any:
    params: dict[str, Any] = {
        "called_at": timezone.now() - dt.timedelta(hours=1),
        "contact_name": "J. de Vries",
        "criteria": [Criterion.ESSENTIAL_PRESENCE],
        "employer_response": EmployerResponse.GEDEELTELIJK,
        "measures": "Rooster met thuiswerkdagen getoond.",
        "notes": "",
    }
    params.update(overrides)
    return services.case_record_call(case=case, actor=actor, version=fresh(case).version, **params)


SAMPLE_PDF = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
