"""Helpers that drive the application, shared by the test modules.

They build data the way the application does, through the services, and check what a write
left behind. Factories for users and employers (rows made directly) are in
`tests/factories.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.dashboard.figures import Figures, dashboard_figures
from cases.filters import CaseFilter
from cases.models import (
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Criterion,
    Employer,
    EmployerResponse,
    Event,
    Letter,
    Melder,
    Outcome,
    State,
)
from cases.services import ServiceError
from cases.services import base as service_base
from tests.factories import EmployerFactory

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC

# The states by the short names the workflow table uses.
R = State.RECEIVED
UI = State.UNDER_INVESTIGATION
EC = State.EMPLOYER_CALLED
AC = State.AGREEMENTS_CONFIRMED
CL = State.CLOSED

SAMPLE_PDF = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# An employer as a melder names it: by name and place, without a KvK number.
REPORTED = services.EmployerInput(name="Bakkerij De Korenschoof", city="Utrecht")

DESCRIPTION = "Mijn leidinggevende verplicht mij elke dag op kantoor te werken."
AGREEMENT = "Medewerkers met kantoorfuncties werken thuis."


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# An argument not given; None is a value, handed to the service as missing input.
UNSET: Any = _Unset()


# ---------------------------------------------------------------------------
# Signing in


class SignInClient(Client):
    """Django's test client, whose `login()` signs in the way the login page does: through
    django-axes (throttling per username and address), which needs the request. The
    `client` fixture is one; `force_login` skips the password and axes as before."""

    REMOTE_ADDR = "127.0.0.1"

    def login(self, **credentials: Any) -> bool:
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = self.REMOTE_ADDR
            credentials["request"] = request
        return super().login(**credentials)


# ---------------------------------------------------------------------------
# Moments and the services' clock


def received(days_ago: int = 3) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def due(days: int = 14) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def local(*args: int) -> dt.datetime:
    """A moment in the current (Amsterdam) time zone: local(2021, 4, 9, 23, 59)."""
    return timezone.make_aware(dt.datetime(*args))


def freeze(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """Stop the services' clock at `moment` (the moment of every write, and the year of a new
    reference)."""
    monkeypatch.setattr(service_base, "now", lambda: moment)


# ---------------------------------------------------------------------------
# Cases built through the services


def intake(
    actor: User,
    *,
    received_at: dt.datetime | None = UNSET,
    channel: str = "webformulier",
    topic_codes: Sequence[str] = ("niet_mogen_thuiswerken",),
    description: str = DESCRIPTION,
    employer: Employer | None = UNSET,
    reported_employer: services.EmployerInput | None = UNSET,
    melder: services.MelderInput | None = None,
    token: uuid.UUID | None = None,
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
        token=token,
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def case_in_state(
    state: str, *, inspector: User, registrar: User | None = None, **kwargs: Any
) -> Case:
    """Drive a new case through the services to `state`, assigned to `inspector`.

    `kwargs` go to `intake`. A closed case was declined (ingetrokken) from `received`.
    """
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
    add_agreement(case, inspector)
    case = fresh(case)
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=SAMPLE_PDF,
        template_version="test",
    )
    return fresh(case)


_FORM_BEFORE_INITIALS = re.compile(r"\b(?:heer|mevrouw)\s+([^\W\d_]{1,3})\.")


def initials_after_form(text: str) -> bool:
    """ "heer" or "mevrouw" right before initials ("heer V.", "mevrouw Th."), the mistake
    of "Geachte de heer V. Wouters,"; a title in lower case ("heer ir.") is not initials."""
    return any(m.group(1)[0].isupper() for m in _FORM_BEFORE_INITIALS.finditer(text))


def contact_fields(text: str) -> dict[str, str]:
    """The structured contact fields of a name as people write it ("mevrouw P. de Boer")."""
    from cases.models import CONTACT_FIELDS
    from cases.salutation import parse_name

    parsed = parse_name(text)
    assert not parsed.problem, (text, parsed.problem)
    return dict(zip(CONTACT_FIELDS, parsed.name.parts(), strict=True))


def record_reached_call(case: Case, actor: User, **overrides: Any) -> Any:
    """A reached call; `contact_name="mevrouw P. de Boer"` is a shorthand for `contact`."""
    if "contact_name" in overrides:
        overrides["contact"] = contact_fields(overrides.pop("contact_name"))
    params: dict[str, Any] = {
        "called_at": timezone.now() - dt.timedelta(hours=1),
        "contact": contact_fields("de heer J. de Vries"),
        "criteria": [Criterion.ESSENTIAL_PRESENCE],
        "employer_response": EmployerResponse.GEDEELTELIJK,
        "measures": "Rooster met thuiswerkdagen getoond.",
        "notes": "",
    }
    params.update(overrides)
    return services.case_record_call(case=case, actor=actor, version=fresh(case).version, **params)


def call_attempt(case: Case, actor: User, called_at: dt.datetime) -> Call:
    return services.case_record_call_attempt(
        case=case, actor=actor, version=fresh(case).version, called_at=called_at
    )


def add_agreement(
    case: Case,
    actor: User,
    *,
    description: str = AGREEMENT,
    days: int = 14,
    due_date: dt.date | None = UNSET,
) -> Agreement:
    """Add an agreement through `services.agreement_add`, at the case's current version.

    Due in `days` days, unless `due_date` is given (None reaches the service as missing).
    """
    return services.agreement_add(
        case=case,
        actor=actor,
        version=fresh(case).version,
        description=description,
        due_date=due(days) if due_date is UNSET else due_date,
    )


def confirm(case: Case, actor: User) -> Letter:
    """Confirm the agreements of `case` with a stand-in letter (no rendering)."""
    return services.case_confirm_agreements(
        case=case,
        actor=actor,
        version=fresh(case).version,
        letter_pdf=SAMPLE_PDF,
        template_version="test",
    )


def set_all_kept(case: Case, actor: User) -> None:
    for agreement in fresh(case).agreements.all():
        services.agreement_set_status(
            case=case,
            actor=actor,
            version=fresh(case).version,
            agreement=agreement,
            status=AgreementStatus.NAGEKOMEN,
        )


# ---------------------------------------------------------------------------
# What a write left behind


def last_event_pk() -> int:
    last = Event.objects.order_by("-pk").first()
    return last.pk if last else 0


def new_events(since_pk: int) -> list[Event]:
    return list(Event.objects.filter(pk__gt=since_pk).order_by("pk"))


def snapshot(case: Case) -> dict[str, Any]:
    """Everything a refused action must leave exactly as it was."""
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "topics": sorted(Case.objects.get(pk=case.pk).topics.values_list("code", flat=True)),
        "cases": Case.objects.count(),
        "employers": list(Employer.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "calls": list(Call.objects.order_by("pk").values()),
        "agreements": list(Agreement.objects.order_by("pk").values()),
        "letters": list(Letter.objects.order_by("pk").values()),
        "melders": list(Melder.objects.order_by("pk").values()),
    }


@contextmanager
def refused(
    case: Case,
    exc_type: type[Exception] = ServiceError,
    *,
    field: str | None = None,
    contains: str | None = None,
) -> Iterator[Any]:
    """The body must raise `exc_type` and leave the database unchanged."""
    before = snapshot(case)
    with pytest.raises(exc_type) as info:
        yield info
    assert snapshot(case) == before
    error = info.value
    if field is not None:
        assert isinstance(error, ValidationError)
        assert field in error.message_dict, error.message_dict
        if contains is not None:
            assert any(contains in m for m in error.message_dict[field]), error.message_dict
    elif contains is not None:
        assert contains in error.message  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# The dashboard, read as a supervisor sees it

KAMERBRIEF = "received_after=2021-01-25&received_before=2021-04-09"
LINK_RE = re.compile(r'<a class="figure__link" href="([^"]+)" data-count="(\d+)"')


def get_dashboard(client: Client, query: str = "") -> str:
    response = client.get(f"{reverse('dashboard')}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def number_by_testid(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)<', page)
    assert match, testid
    return int(match.group(1))


def result_count(page: str) -> int:
    # Thousands are grouped the Dutch way: "1.127 meldingen".
    match = re.search(r'data-testid="result-count">(\d[\d.]*) melding(en)?<', page)
    assert match, "no result count on the list"
    return int(match.group(1).replace(".", ""))


def figures_for(params: str) -> Figures:
    case_filter = CaseFilter(QueryDict(params), queryset=Case.objects.all())
    assert case_filter.is_valid(), case_filter.errors
    return dashboard_figures(case_filter.qs)
