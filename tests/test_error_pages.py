"""The error pages (templates/400.html, 403.html, 403_csrf.html, 404.html, 500.html): Dutch,
in the site's layout, with navigation for a signed-in user and a way back. Django shows them
only when DEBUG is off, as it is in the tests."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from cases.models import State
from tests.helpers import case_in_state


def test_404_is_dutch_with_navigation_and_a_way_back(client, inspector, other_inspector) -> None:
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    client.force_login(inspector)
    response = client.get(reverse("case_detail", args=[theirs.reference]))
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "<title>Pagina niet gevonden – Inspectie SZW</title>" in html
    assert "Pagina niet gevonden" in html and "Foutcode 404" in html
    assert 'aria-label="Hoofdmenu"' in html  # the navigation of a signed-in user
    assert '<a href="/">Naar de startpagina</a>' in html
    assert '<a href="/meldingen/mijn/">Naar Mijn meldingen</a>' in html
    assert theirs.employer.name not in html and "Not Found" not in html


def test_403_is_dutch(client, inspector) -> None:
    client.force_login(inspector)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "U heeft geen toegang tot deze pagina" in html and "Forbidden" not in html
    assert '<a href="/">Naar de startpagina</a>' in html


def test_an_expired_form_is_explained(inspector) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(inspector)
    response = client.post(reverse("case_create"), {})
    assert response.status_code == 403
    assert "Het formulier is verlopen" in response.content.decode()


@pytest.mark.django_db
def test_400_is_dutch() -> None:
    request = RequestFactory().get("/")
    response = defaults.bad_request(request, Exception())
    assert response.status_code == 400
    assert "Verzoek niet begrepen" in response.content.decode()


def test_500_renders_without_a_database() -> None:
    """No `db` fixture: any query here fails the test (pytest-django blocks the database)."""
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Er is iets misgegaan" in html and "Server Error" not in html
    assert '<a href="/">Naar de startpagina</a>' in html
    assert 'aria-label="Hoofdmenu"' not in html  # no user known: no navigation
