"""Signing in, after the password (`/inloggen/`, Django's LoginView behind django-axes):
the second factor, setting it up, a new password, and the lockout page."""

from __future__ import annotations

import binascii
import secrets
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import permissions
from cases.errors import ServiceError
from cases.services import accounts
from cases.signin import MUST_CHANGE_PASSWORD, is_verified, next_step
from cases.types import AuthenticatedRequest

SETUP_KEY = "otp_setup_key"  # the authenticator key being set up, until it is confirmed


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def code_text(self) -> str:
        return str(self.cleaned_data.get("code") or "").strip().replace(" ", "")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _after_step(request: HttpRequest) -> HttpResponse:
    """On to the next sign-in step, or where the user was going."""
    step = next_step(request)
    if step:
        return redirect(f"{_reverse(step)}?{urlencode({'next': _next_url(request)})}")
    return redirect(_next_url(request))


def _reverse(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): 429, in Dutch, with the wait."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = request.user
    if is_verified(user) or not permissions.needs_second_factor(user):
        return _after_step(request)
    if not accounts.has_second_factor(user):
        return _after_step(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = accounts.two_factor_verify(user=user, code=form.code_text())
        if device is not None:
            django_otp.login(request, device)
            return _after_step(request)
        form.add_error("code", _("The code is not correct. Try again, or use a recovery code."))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)}
    )


def _setup_key(request: HttpRequest) -> str:
    key = request.session.get(SETUP_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = binascii.hexlify(secrets.token_bytes(20)).decode()
        request.session[SETUP_KEY] = key
    return key


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Setting up two-factor sign-in: scan the QR code, confirm with a code, note the
    recovery codes (shown once)."""
    user = request.user
    if accounts.has_second_factor(user):
        return _after_step(request)
    key = _setup_key(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = accounts.two_factor_enrol(user=user, key=key, code=form.code_text())
        except ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SETUP_KEY, None)
            django_otp.login(request, device)
            done = {"codes": codes, "next": _next_url(request)}
            return render(request, "registration/otp_recovery_codes.html", done)
    unsaved = TOTPDevice(user=user, key=key, name=accounts.DEVICE_NAME)
    secret = unsaved.config_url.split("secret=", 1)[1].split("&", 1)[0]
    context: dict[str, Any] = {
        "form": form,
        "qr": segno.make(unsaved.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "registration/otp_setup.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    """Choose a new password; required at sign-in when someone else set the current one."""
    form = PasswordChangeForm(
        user=request.user, data=request.POST if request.method == "POST" else None
    )
    required = bool(request.session.get(MUST_CHANGE_PASSWORD))
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        accounts.password_changed(user=request.user)
        request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(request, _("Your password has been changed."))
        return _after_step(request)
    context = {"form": form, "required": required, "next": _next_url(request)}
    return render(request, "registration/password_change.html", context)
