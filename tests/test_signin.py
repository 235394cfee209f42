"""Signing in: throttling per username and address (django-axes), two-factor sign-in
(django-otp: TOTP and recovery codes) and a new password when someone else set it
(cases/signin.py, cases/signin_views.py, cases/services/accounts.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Event, EventKind
from cases.services import accounts
from tests.factories import DEMO_PASSWORD
from tests.helpers import SignInClient

pytestmark = pytest.mark.django_db


def sign_in(client: Any, username: str, password: str = DEMO_PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def kinds() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


# ---------------------------------------------------------------------------
# Throttling


def test_the_default_limit_is_ten_failures(settings) -> None:
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_after_n_failures_even_the_right_password_is_refused(client, inspector, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for attempt in range(2):
        response = sign_in(client, "inspecteur1", "fout")
        assert response.status_code == 200, attempt
    locked = sign_in(client, "inspecteur1", "fout")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Inloggen is tijdelijk geblokkeerd" in page
    assert "kunt u 15 minuten niet inloggen" in page
    right = sign_in(client, "inspecteur1")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert kinds().count(EventKind.LOGIN_FAILED) == 4
    assert kinds().count(EventKind.LOGIN_LOCKED) == 2  # at the lockout, and the attempt after
    locked_event = Event.objects.filter(kind=EventKind.LOGIN_LOCKED).first()
    assert locked_event.data == {"username": "inspecteur1"}
    assert "fout" not in str(list(Event.objects.values_list("data", flat=True)))


def test_the_lockout_is_per_username_and_address(client, inspector, other_inspector, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "inspecteur1", "fout")
    assert sign_in(client, "inspecteur1").status_code == 429
    # The same person from another address, and another person from this one, still can.
    elsewhere = SignInClient()
    assert sign_in(elsewhere, "inspecteur1", REMOTE_ADDR="10.9.8.7").status_code == 302
    assert sign_in(SignInClient(), "inspecteur2").status_code == 302


def test_after_the_cool_off_signing_in_works_and_resets_the_count(client, inspector, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "inspecteur1", "fout")
    assert sign_in(client, "inspecteur1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "inspecteur1").status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_test_clients_login_goes_through_axes(client, inspector, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    assert not client.login(username="inspecteur1", password="fout")
    assert not client.login(username="inspecteur1", password="fout")
    assert not client.login(username="inspecteur1", password=DEMO_PASSWORD)  # locked
    assert AccessAttempt.objects.get().failures_since_start == 3


# ---------------------------------------------------------------------------
# Two-factor sign-in


@pytest.fixture
def otp_required(settings) -> None:
    settings.OTP_REQUIRED = True


def current_code(key: str, offset: int = 0) -> str:
    return f"{totp(bytes.fromhex(key), t0=-30 * offset):06d}"


def setup_key(client: Any) -> str:
    return client.session["otp_setup_key"]


def enrol(client: Any) -> list[str]:
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200
    response = client.post(reverse("otp_setup"), {"code": current_code(setup_key(client))})
    assert response.status_code == 200
    return re.findall(r"<li><code>(\d{8})</code></li>", response.content.decode())


@pytest.mark.usefixtures("otp_required")
def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes(client, inspector) -> None:
    response = sign_in(client, "inspecteur1")
    assert response.status_code == 302
    # Every page leads to setting up two-factor sign-in first.
    blocked = client.get(reverse("my_cases"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("otp_setup"))
    page = client.get(reverse("otp_setup")).content.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, made on the server
    assert 'data-testid="otp-secret"' in page
    wrong = client.post(reverse("otp_setup"), {"code": "000000"})
    assert "De code klopt niet" in wrong.content.decode()
    assert not accounts.has_second_factor(inspector)
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert accounts.has_second_factor(inspector)
    assert client.get(reverse("my_cases")).status_code == 200
    assert EventKind.TWO_FACTOR_ENROLLED in kinds()


@pytest.mark.usefixtures("otp_required")
def test_later_sign_ins_ask_for_a_code_or_a_recovery_code(client, inspector) -> None:
    sign_in(client, "inspecteur1")
    codes = enrol(client)
    key = TOTPDevice.objects.get(user=inspector).key
    client.post(reverse("logout"))

    sign_in(client, "inspecteur1")
    blocked = client.get(reverse("my_cases"))
    assert blocked["Location"].startswith(reverse("otp_verify"))
    wrong = client.post(reverse("otp_verify"), {"code": "123456"})
    assert "De code klopt niet" in wrong.content.decode()
    failed = Event.objects.filter(kind=EventKind.LOGIN_FAILED).last()
    assert failed.data == {"username": "inspecteur1", "reason": "second_factor"}
    # Throttled after a wrong code: django-otp makes the next try wait a moment.
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    code = current_code(key, offset=1)  # the next step: not used at enrolment
    ok = client.post(reverse("otp_verify"), {"code": code, "next": reverse("my_cases")})
    assert ok.status_code == 302 and ok["Location"] == reverse("my_cases")
    assert client.get(reverse("my_cases")).status_code == 200
    client.post(reverse("logout"))

    # A recovery code works once.
    sign_in(client, "inspecteur1")
    assert client.post(reverse("otp_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, "inspecteur1")
    again = client.post(reverse("otp_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert StaticToken.objects.count() == 9


@pytest.mark.usefixtures("otp_required")
def test_without_a_role_no_second_factor_is_asked(client, no_role_user) -> None:
    sign_in(client, no_role_user.username)
    assert client.get(reverse("home")).status_code == 200


def test_off_by_default_in_tests_and_on_without_debug(settings) -> None:
    assert settings.OTP_REQUIRED is False  # pytest-env: OTP_REQUIRED=false
    from tests.test_settings import GOOD_KEY, load_settings

    result = load_settings(DEBUG="false", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="x.example")
    assert result.returncode == 0, result.stderr
    code = "import inspectie.settings as s; print(s.OTP_REQUIRED)"
    import subprocess
    import sys

    env = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x.example", "PATH": ""}
    out = subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "True", out.stderr
    env["DEBUG"] = "true"
    out = subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "False", out.stderr


def test_reset_by_the_functional_administrator_is_an_event(
    inspector: User, functional_admin: User
) -> None:
    key = "3132333435363738393031323334353637383930"
    accounts.two_factor_enrol(user=inspector, key=key, code=current_code(key))
    accounts.two_factor_reset(actor=functional_admin, user=inspector)
    assert not accounts.has_second_factor(inspector)
    event = Event.objects.get(kind=EventKind.TWO_FACTOR_RESET)
    assert event.actor == functional_admin
    assert event.data == {"user_id": inspector.pk, "username": "inspecteur1"}
    with pytest.raises(accounts.NotPermittedError):
        accounts.two_factor_reset(actor=functional_admin, user=functional_admin)
    with pytest.raises(accounts.NotPermittedError):
        accounts.two_factor_reset(actor=inspector, user=functional_admin)


# ---------------------------------------------------------------------------
# A password someone else set


def test_a_password_set_by_someone_else_must_be_changed_at_sign_in(
    client, supervisor, functional_admin
) -> None:
    accounts.password_set_by_other(actor=functional_admin, user=supervisor)
    assert Event.objects.filter(kind=EventKind.PASSWORD_SET, actor=functional_admin).exists()
    sign_in(client, "teamleider")
    blocked = client.get(reverse("dashboard"))
    assert blocked["Location"].startswith(reverse("password_change"))
    page = client.get(reverse("password_change")).content.decode()
    assert "door iemand anders ingesteld" in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Een-eigen-wachtwoord-2031",
            "new_password2": "Een-eigen-wachtwoord-2031",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert not accounts.must_change_password(supervisor)
    assert Event.objects.filter(kind=EventKind.PASSWORD_CHANGED, actor=supervisor).exists()
    client.post(reverse("logout"))
    assert client.login(username="teamleider", password="Een-eigen-wachtwoord-2031")
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.usefixtures("otp_required")
def test_the_password_cannot_be_changed_before_the_second_factor(
    client, supervisor, functional_admin
) -> None:
    accounts.password_set_by_other(actor=functional_admin, user=supervisor)
    sign_in(client, "teamleider")
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    enrol(client)
    assert client.get(reverse("password_change")).status_code == 200
