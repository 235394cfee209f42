"""Security headers Django does not set itself, input refused before any view, and the
session's idle timeout without a write per request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class RefuseNulBytesMiddleware:
    """A NUL byte anywhere in the path, the query string or a posted form is refused with
    400 Bad Request before any view or query runs: PostgreSQL cannot store or compare text
    with NUL, and no field of this application has a use for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "\x00" in request.path_info
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)


# A session is saved again (and its idle timeout, SESSION_COOKIE_AGE, starts again) at most
# once in this many seconds of use: not on every request, which would cost a write each time.
SESSION_REFRESH_SECONDS = 60
SESSION_REFRESHED_KEY = "_refreshed_at"


def _now() -> float:
    return time.time()


def mark_session_refreshed(session: Any) -> None:
    session[SESSION_REFRESHED_KEY] = int(_now())


class SessionRefreshMiddleware:
    """The idle timeout of a signed-in session without a database write per request.

    Django's SESSION_SAVE_EVERY_REQUEST saves the session on every request to restart its
    expiry. This saves it when it changed anyway, or when its last save is at least
    SESSION_REFRESH_SECONDS old: a session still ends after SESSION_COOKIE_AGE of
    inactivity, give or take that minute. Placed after SessionMiddleware, so the session is
    marked before that middleware decides whether to save it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.modified:
            return response  # no session, or it is saved anyway
        refreshed = session.get(SESSION_REFRESHED_KEY)
        if not isinstance(refreshed, int) or _now() - refreshed >= SESSION_REFRESH_SECONDS:
            mark_session_refreshed(session)
        return response
