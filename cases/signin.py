"""The steps of signing in after the password: the second factor (for everyone who needs
one, when OTP_REQUIRED) and a new password when someone else set it.

Until a signed-in user has taken these steps, every page but the steps themselves (and
signing out) sends them to the next step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from cases import permissions

# Set in the session at sign-in when someone else set the password (cases.signals).
MUST_CHANGE_PASSWORD = "must_change_password"  # noqa: S105 - a session key
# Pages a user may open whatever step is pending; besides these, only the step itself.
ALWAYS_OPEN = frozenset({"login", "logout", "health"})


def is_verified(user: User) -> bool:
    """Signed in with the second factor in this session (django-otp's OTPMiddleware)."""
    return getattr(user, "otp_device", None) is not None


def next_step(request: HttpRequest) -> str:
    """The URL name of the sign-in step this request's user must take first, or ""."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return ""
    if settings.OTP_REQUIRED and permissions.needs_second_factor(user) and not is_verified(user):
        from cases.services.accounts import has_second_factor

        return "otp_verify" if has_second_factor(user) else "otp_setup"
    if request.session.get(MUST_CHANGE_PASSWORD):
        return "password_change"
    return ""


class SignInStepsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        name = match.url_name if match is not None and not match.namespace else None
        if name in ALWAYS_OPEN:
            return None
        step = next_step(request)
        if not step or name == step:
            return None
        if match is not None and match.namespace == "api":
            # An API client gets no sign-in page: 403 (a problem+json answer, api.problems).
            raise PermissionDenied
        target = (
            resolve_url(settings.LOGIN_REDIRECT_URL)
            if request.method != "GET"
            else request.get_full_path()
        )
        return redirect(f"{reverse(step)}?{urlencode({'next': target})}")
