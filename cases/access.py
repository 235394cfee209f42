"""How views apply cases.permissions: one decorator for "which users may use this page",
one lookup for "this case, if the user may see it"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from cases import permissions
from cases.models import Case
from cases.types import Actor, AnyUser

View = Callable[..., HttpResponse]
# A page, or a streamed download (StreamingHttpResponse).
Response = TypeVar("Response", bound=HttpResponseBase)


def role_required(
    check: Callable[[AnyUser], bool],
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Signed in (else to the login page) and `check(user)` true (else 403)."""

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


case_worker_required = role_required(permissions.is_case_worker)
supervisor_required = role_required(permissions.is_supervisor)


def acting_user(request: HttpRequest) -> Actor:
    """The signed-in user of a request that needs one (the admin's, say)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def visible_case_or_404(
    request: HttpRequest, reference: str, queryset: QuerySet[Case] | None = None
) -> Case:
    """The case if this user may see it; another inspector's case is a 404, not a 403."""
    return get_object_or_404(permissions.visible_cases(request.user, queryset), reference=reference)
