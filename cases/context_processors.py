"""Navigation and role facts for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cases import auth, permissions
from cases.types import AnyUser


def navigation(request: HttpRequest) -> dict[str, Any]:
    # A request that has not passed AuthenticationMiddleware has no user at all.
    user: AnyUser | None = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "is_case_worker": permissions.is_case_worker(user),
            "is_supervisor": permissions.is_supervisor(user),
            "can_register": permissions.can_register(user),
            "can_audit": permissions.can_audit(user),
            "is_staff": user.is_staff,
            "roles": ", ".join(auth.group_names(user)),
            "current": getattr(request.resolver_match, "url_name", ""),
        }
    }
