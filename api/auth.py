"""Who is calling: a signed-in browser session (CSRF enforced) or a bearer token.

`Authorization: Bearer tw_<prefix>_<secret>` finds the token by its prefix and compares the
sha256 of the whole token in constant time. A revoked or expired token is refused. Every
request made with a token is an Event (which client, which operation; never the token).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import TOKEN_PREFIX, ApiToken, hash_token
from cases.events import record_event
from cases.models import EventKind
from cases.types import Actor


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Actor, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, token = header.partition(" ")
        if keyword != self.keyword:
            return None
        token = token.strip()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
            raise exceptions.AuthenticationFailed(_("This API token is not valid."))
        row = ApiToken.objects.select_related("client__user").filter(prefix=parts[1]).first()
        if row is None or not hmac.compare_digest(row.key_hash, hash_token(token)):
            raise exceptions.AuthenticationFailed(_("This API token is not valid."))
        if not row.is_usable:
            raise exceptions.AuthenticationFailed(_("This API token has expired or was revoked."))
        user = row.client.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This API token is not valid."))
        now = timezone.now()
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        record_event(
            kind=EventKind.API_TOKEN_USED,
            actor=user,
            at=now,
            data={
                "client_id": row.client_id,
                "token_prefix": row.prefix,
                "operation": f"{request.method} {request.path}"[:200],
            },
        )
        return user, row

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (tw_…), shown once when it was made.",
        }


def actor_of(request: Request) -> Actor:
    """The caller of a request that passed the permission check (so it is signed in)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise exceptions.NotAuthenticated
    return user


def token_of(request: Request) -> ApiToken | None:
    auth: Any = request.auth
    return auth if isinstance(auth, ApiToken) else None
