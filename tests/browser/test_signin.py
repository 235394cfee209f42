"""Signing in as a person does: the lockout after N failed attempts, and two-factor sign-in
(setting up the authenticator app, recovery codes, the code at the next sign-in), with axe on
every page and the CSP watched."""

from __future__ import annotations

import base64
import re
from typing import Any

from django_otp.oath import totp
from playwright.sync_api import expect

from cases.models import Event, EventKind
from tests.browser.conftest import PASSWORD, check_accessibility


def fill_sign_in(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_the_lockout_after_n_failures(
    page: Any, live_server: Any, csp_watch: Any, inspector: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        fill_sign_in(page, live_server, inspector.username, "verkeerd")
        expect(page.get_by_role("alert")).to_contain_text("onjuist")
    fill_sign_in(page, live_server, inspector.username, "verkeerd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen is tijdelijk geblokkeerd")
    expect(page.get_by_test_id("locked-out")).to_contain_text("15 minuten")
    check_accessibility(page, "signin-locked-out")
    # Even the right password does not get in now.
    fill_sign_in(page, live_server, inspector.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen is tijdelijk geblokkeerd")
    assert Event.objects.filter(kind=EventKind.LOGIN_LOCKED).count() == 2


def totp_code(key: str, steps_ahead: int = 0) -> str:
    return f"{totp(bytes.fromhex(key), t0=-30 * steps_ahead):06d}"


def _hex_key(secret: str) -> str:
    text = secret.replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8)).hex()


def test_two_factor_sign_in(
    page: Any, live_server: Any, csp_watch: Any, supervisor: Any, settings: Any
) -> None:
    settings.OTP_REQUIRED = True
    fill_sign_in(page, live_server, supervisor.username)
    # First time: set up the app.
    expect(page).to_have_url(re.compile(r"/inloggen/tweestapsverificatie/"))
    qr = page.get_by_test_id("otp-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 100  # drawn
    check_accessibility(page, "signin-otp-setup")
    key = _hex_key(page.get_by_test_id("otp-secret").inner_text())
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Instellen").click()
    expect(page.get_by_text("De code klopt niet")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(key))
    page.get_by_role("button", name="Instellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie is ingesteld")
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    check_accessibility(page, "signin-otp-recovery-codes")
    page.get_by_role("link", name="Verder").click()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()

    # The next time: the code from the app.
    fill_sign_in(page, live_server, supervisor.username)
    expect(page).to_have_url(re.compile(r"/inloggen/code/"))
    check_accessibility(page, "signin-otp-code")
    page.get_by_label("Code").fill(totp_code(key, steps_ahead=1))
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert Event.objects.filter(kind=EventKind.TWO_FACTOR_ENROLLED).count() == 1
