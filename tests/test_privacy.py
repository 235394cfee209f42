"""The privacy officer's pages (cases/privacy_views.py, cases/privacy.py): who viewed melder
data, Events by actor and period with an export, and AVG access requests as a PDF."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from cases import services
from cases.models import Event, EventKind, State
from cases.services import MelderInput
from tests.helpers import case_in_state, fresh

pytestmark = pytest.mark.django_db

MELDER = MelderInput(
    name="Roosmarijn Inzage", email="R.Inzage@Mail.Example", phone="06 12 34 56 78"
)


@pytest.fixture
def viewed(inspector, supervisor):
    """A case whose melder data the inspector and a team leader viewed."""
    case = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector, melder=MELDER)
    services.record_melder_view(case=case, actor=inspector)
    services.record_melder_view(case=case, actor=supervisor)
    return fresh(case)


def test_who_viewed_the_melder_data_of_a_case(client, privacy_officer, viewed, supervisor):
    client.force_login(privacy_officer)
    found = client.get(reverse("privacy_home"), {"reference": viewed.reference.lower()})
    assert found["Location"] == reverse("privacy_case_views", args=[viewed.reference])
    html = client.get(found["Location"]).content.decode()
    assert html.count("<tr><td") == 2
    assert escape(supervisor.get_full_name()) in html
    for secret in (MELDER.name, MELDER.email, viewed.description):
        assert escape(secret) not in html  # who and when, never what
    unknown = client.get(reverse("privacy_home"), {"reference": "TW-2021-99999"})
    assert "Er is geen melding met dit kenmerk." in unknown.content.decode()


def test_events_by_actor_and_period_and_their_export(client, privacy_officer, viewed, inspector):
    client.force_login(privacy_officer)
    today = viewed.created_at.date().isoformat()
    params = {"actor": inspector.pk, "start": today, "end": today}
    page = client.get(reverse("privacy_events"), params).content.decode()
    shown = Event.objects.filter(actor=inspector).count()
    assert f'data-testid="event-count">{shown} gebeurtenis' in page
    refused = client.get(reverse("privacy_events"), {"start": "9999-12-31"})
    assert refused.status_code == 200 and "Deze datum ligt na" in refused.content.decode()

    response = client.get(reverse("privacy_events_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Tijd;Naam;Gebruikersnaam")
    assert len(lines) == 1 + shown
    assert all(inspector.username in line for line in lines[1:])
    export = Event.objects.filter(kind=EventKind.EXPORT, actor=privacy_officer).get()
    assert export.data["rows"] == shown
    assert MELDER.email.lower() not in text.lower()


def test_an_access_request_finds_the_cases_the_data_and_who_viewed_it(
    client, privacy_officer, viewed, inspector, supervisor
) -> None:
    other = case_in_state(
        State.RECEIVED, inspector=inspector, melder=MelderInput(name="Iemand Anders")
    )
    client.force_login(privacy_officer)
    response = client.post(reverse("access_request"), {"phone": "+31612345678"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="held-case"') == 1
    assert viewed.reference in html and other.reference not in html
    assert escape(MELDER.name) in html and viewed.description in html
    assert escape(supervisor.get_full_name()) in html  # who viewed it
    # By e-mail address, whatever the capitals.
    by_email = client.post(reverse("access_request"), {"email": "r.inzage@mail.example"})
    assert by_email.content.decode().count('data-testid="held-case"') == 1


def test_each_search_is_an_event_without_what_was_searched(client, privacy_officer, viewed) -> None:
    client.force_login(privacy_officer)
    client.post(reverse("access_request"), {"email": "r.inzage@mail.example"})
    client.post(reverse("access_request"), {"email": "niemand@mail.example"})
    searches = list(Event.objects.filter(kind=EventKind.ACCESS_REQUEST).order_by("pk"))
    assert [e.data["rows"] for e in searches] == [1, 0]
    everything = json.dumps(list(Event.objects.values_list("data", flat=True))).lower()
    assert "inzage" not in everything and "niemand" not in everything and "0612" not in everything
    # Showing the data counts as viewing it.
    assert Event.objects.filter(
        kind=EventKind.MELDER_VIEWED, actor=privacy_officer, case=viewed
    ).exists()


def test_the_access_request_as_a_pdf(client, privacy_officer, viewed, supervisor) -> None:
    client.force_login(privacy_officer)
    response = client.post(
        reverse("access_request"), {"email": "r.inzage@mail.example", "pdf": "1"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert viewed.reference in text
    assert "Roosmarijn Inzage" in text
    assert supervisor.last_name in text
    assert "Inzageverzoek" in text
    pdf_event = Event.objects.filter(kind=EventKind.ACCESS_REQUEST).get()
    assert pdf_event.data == {"rows": 1, "fields": ["pdf"]}


def test_an_access_request_needs_an_email_or_a_phone(client, privacy_officer) -> None:
    client.force_login(privacy_officer)
    html = client.post(reverse("access_request"), {}).content.decode()
    assert "Vul het e-mailadres of het telefoonnummer in" in html
    html = client.post(reverse("access_request"), {"phone": "12"}).content.decode()
    assert "Vul een geldig Nederlands telefoonnummer in" in html
    assert not Event.objects.filter(kind=EventKind.ACCESS_REQUEST).exists()


@pytest.mark.parametrize("role", ["inspector", "supervisor", "functional_admin"])
def test_nobody_else_reaches_the_privacy_pages(client, request, role, viewed) -> None:
    client.force_login(request.getfixturevalue(role))
    for url in (reverse("privacy_home"), reverse("access_request"), reverse("privacy_events")):
        assert client.get(url).status_code == 403
    assert client.post(reverse("access_request"), {"email": MELDER.email}).status_code == 403
    assert not Event.objects.filter(kind=EventKind.ACCESS_REQUEST).exists()
