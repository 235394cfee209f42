"""Which callers may use which endpoint: the web's rules (`cases.permissions`) plus token
scopes. A signed-in session counts as the scope "user". Anonymous → 401, a wrong scope or
role → 403; a case outside the caller's scope is a 404, as on the web (the views look cases
up through `cases.permissions.visible_cases`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.auth import token_of
from api.models import Scope
from cases import permissions
from cases.types import AnyUser


def scope_of(request: Request) -> str:
    token = token_of(request)
    return token.client.scope if token is not None else Scope.USER


class ScopedPermission(BasePermission):
    """The view's `scopes` (default: only "user") and, for the "user" scope, `rule`."""

    message = _("Your API token or role does not give access to this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        scopes: tuple[str, ...] = getattr(view, "scopes", (Scope.USER,))
        scope = scope_of(request)
        if scope not in scopes:
            return False
        if getattr(view, "session_only", False) and token_of(request) is not None:
            return False
        if scope != Scope.USER:
            return True
        rule = getattr(view, "user_rule", permissions.is_case_worker)
        return bool(rule(request.user))


def may_register(user: AnyUser) -> bool:
    return permissions.can_register(user)
