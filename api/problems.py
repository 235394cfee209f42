"""Every API error is `application/problem+json` (RFC 9457): a `type`, a Dutch `title` and
`detail`, the `status`, and for input errors `errors` per field.

DRF's exceptions pass through `exception_handler`; anything else that would answer an API
path with an HTML page (an unknown URL, a server error) is turned into a problem by
`ProblemMiddleware`, so no HTML error page ever reaches an API client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger("api")

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:thuiswerkmeldingen:problem:"
API_PREFIX = "/api/"

# status -> (type slug, title)
TITLES: dict[int, tuple[str, Any]] = {
    400: ("invalid-input", gettext_lazy("The request contains invalid input.")),
    401: ("not-authenticated", gettext_lazy("Sign in or give a valid API token.")),
    403: ("forbidden", gettext_lazy("You may not do this.")),
    404: ("not-found", gettext_lazy("Not found.")),
    405: ("method-not-allowed", gettext_lazy("This method is not allowed here.")),
    406: ("not-acceptable", gettext_lazy("This response format is not available.")),
    409: ("conflict", gettext_lazy("This is not possible now.")),
    412: ("precondition-failed", gettext_lazy("The case has changed in the meantime.")),
    415: ("unsupported-media-type", gettext_lazy("Send the request as JSON.")),
    422: ("unprocessable", gettext_lazy("The request cannot be processed.")),
    428: ("precondition-required", gettext_lazy("A required header is missing.")),
    429: ("too-many-requests", gettext_lazy("Too many requests.")),
    500: ("server-error", gettext_lazy("Something went wrong on our side.")),
}


class Problem(exceptions.APIException):
    """An API refusal with its own type, Dutch detail and extra members."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        slug: str = "",
        errors: Mapping[str, list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.slug = slug
        self.errors = dict(errors or {})
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def problem_body(
    status_code: int,
    detail: str = "",
    *,
    slug: str = "",
    instance: str = "",
    errors: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    default_slug, title = TITLES.get(status_code, ("error", _("The request failed.")))
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or default_slug),
        "title": str(title),
        "status": status_code,
        "detail": detail or str(title),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = dict(errors)
    body.update(extra or {})
    return body


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field.sub": ["message", ...]}; "" for the request."""
    if isinstance(detail, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            full = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for field, messages in flatten_errors(value, full).items():
                out.setdefault(field, []).extend(messages)
        return out
    if isinstance(detail, list | tuple):
        out = {}
        for item in detail:
            for field, messages in flatten_errors(item, prefix).items():
                out.setdefault(field, []).extend(messages)
        return out
    return {prefix: [str(detail)]}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every DRF and Django HTTP error as a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    extra: dict[str, Any] = {}
    slug = ""
    if isinstance(exc, Problem):
        detail, slug, errors, extra = str(exc.detail), exc.slug, exc.errors, exc.extra
        headers.update(exc.headers)
    elif isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = _("Correct the input: see the errors per field.")
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else ""
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, round(wait)))
        detail = _("Too many requests; try again in {seconds} seconds.").format(
            seconds=headers["Retry-After"]
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        authenticate = getattr(context.get("view"), "get_authenticate_header", None)
        header = authenticate(request) if authenticate and request is not None else None
        if header:
            headers["WWW-Authenticate"] = header
    body = problem_body(
        exc.status_code, detail, slug=slug, instance=instance, errors=errors, extra=extra
    )
    return Response(body, status=exc.status_code, headers=headers, content_type=CONTENT_TYPE)


class ProblemMiddleware:
    """Under /api/: a server error, or any error answered with something other than JSON
    (Django's 404 for an unknown URL, say), becomes a problem+json response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            return response
        return self._problem(request, response.status_code)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, Http404):
            return self._problem(request, status.HTTP_404_NOT_FOUND)
        if isinstance(exception, DjangoPermissionDenied):
            return self._problem(request, status.HTTP_403_FORBIDDEN)
        logger.exception("API request %s %s failed", request.method, request.path)
        return self._problem(request, status.HTTP_500_INTERNAL_SERVER_ERROR)

    @staticmethod
    def _problem(request: HttpRequest, status_code: int) -> HttpResponse:
        body = problem_body(status_code, instance=request.path)
        return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)
