"""Home page, health check, login and the demo command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from cases.demo import DEMO_PASSWORD, prepare_demo
from cases.models import Case, Event, EventKind, State
from tests.helpers import case_in_state


def test_health_needs_no_login(client, db) -> None:
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_answers_head_for_load_balancers(client, db) -> None:
    response = client.head(reverse("health"))
    assert response.status_code == 200
    assert response.content == b""


def test_health_is_503_when_the_database_does_not_answer(client, db, monkeypatch) -> None:
    from django.db import DatabaseError
    from django.db.backends.utils import CursorWrapper

    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", down)
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}


def test_home_requires_login(client, db) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_lists_own_open_cases_and_the_figures(client, inspector, other_inspector) -> None:
    mine = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    closed = case_in_state(State.CLOSED, inspector=inspector)
    client.force_login(inspector)
    html = client.get(reverse("home")).content.decode()
    assert mine.reference in html
    assert theirs.reference not in html
    assert closed.reference not in html
    assert 'data-testid="count-received"' in html
    assert mine.description not in html  # the melding text is not on the home page


def test_home_counts_only_cases_the_user_may_see(
    client, inspector, other_inspector, no_role_user
) -> None:
    in_period = timezone.make_aware(dt.datetime(2021, 2, 1, 10, 0))
    case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector, received_at=in_period)
    client.force_login(inspector)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="count-received">0<' in html
    client.force_login(no_role_user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="count-received"' not in html


def test_login_and_logout_write_events(client, inspector) -> None:
    from tests.factories import DEMO_PASSWORD as FACTORY_PASSWORD

    response = client.post(
        reverse("login"), {"username": "inspecteur1", "password": FACTORY_PASSWORD}
    )
    assert response.status_code == 302
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "inspecteur1", "password": "fout"})
    kinds = list(Event.objects.values_list("kind", flat=True))
    assert kinds == [EventKind.LOGIN, EventKind.LOGOUT, EventKind.LOGIN_FAILED]
    failed = Event.objects.get(kind=EventKind.LOGIN_FAILED)
    assert "fout" not in str(failed.data)  # never the password


def test_demo_is_refused_without_debug(settings, db) -> None:
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        prepare_demo()
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_demo_prepares_a_fresh_database_with_demo_users(settings, client) -> None:
    settings.DEBUG = True
    users = prepare_demo()
    assert {"inspecteur1", "inspecteur2", "teamleider"} <= set(users)
    assert Case.objects.count() == 1126
    assert client.login(username="teamleider", password=DEMO_PASSWORD)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="count-received">746<' in html
    assert 'data-testid="count-investigated">627<' in html
    assert 'data-testid="count-only-not-allowed">545<' in html
    # A second run starts again from the fixture: nothing doubled.
    prepare_demo()
    assert Case.objects.count() == 1126


def test_demo_keeps_a_database_that_has_data(settings, supervisor) -> None:
    """`python3 dev.py run` (the demo command with --keep) twice: recorded figures stay."""
    from django.core.management import call_command
    from django.http import QueryDict

    from cases.models import FigureSnapshot
    from cases.services import snapshot_create

    settings.DEBUG = True
    snapshot = snapshot_create(actor=supervisor, params=QueryDict("received_after=2021-01-25"))
    prepare_demo(keep_data=True)
    call_command("demo", "--keep", verbosity=0)
    assert FigureSnapshot.objects.filter(pk=snapshot.pk).exists()
    assert not Case.objects.exists()  # no demo data loaded over it either
