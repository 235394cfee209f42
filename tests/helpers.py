"""Helpers that drive the application, shared by the test modules.

They build data the way the application does: through the services. Factories for users and
employers (rows made directly) are in `tests/factories.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from cases import services
from cases.models import Case, Criterion, EmployerResponse, Outcome, State
from cases.models import Employer as EmployerModel
from tests.factories import EmployerFactory


def received(days_ago: int = 3) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def intake(
    actor: User,
    *,
    employer: EmployerModel | None = None,
    reported: services.EmployerInput | None = None,
    topics: tuple[str, ...] = ("niet_mogen_thuiswerken",),
    melder: services.MelderInput | None = None,
    received_at: dt.datetime | None = None,
    description: str = "Mijn leidinggevende verplicht mij elke dag op kantoor te werken.",
) -> Case:
    if employer is None and reported is None:
        employer = EmployerFactory()
    return services.case_intake(
        actor=actor,
        received_at=received_at or received(),
        channel="webformulier",
        topic_codes=list(topics),
        description=description,
        employer=employer,
        reported_employer=reported,
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
