"""Writes of the API's own data: clients and their tokens. Each is an Event."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone

from api.models import ApiClient, ApiToken, Scope
from cases.events import record_event
from cases.models import EventKind
from cases.types import Actor

DEFAULT_VALIDITY = dt.timedelta(days=365)


def create_client(
    *, name: str, scope: str, actor: Actor | None, user: User | None = None
) -> ApiClient:
    """A client with one scope. A `user` client acts as that person; an intake or statistics
    client gets a service user of its own, without a password or a case role (an intake
    client may register meldingen and nothing else)."""
    if scope not in Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    with transaction.atomic():
        if scope == Scope.USER:
            if user is None:
                raise ValueError("a user client needs the person it acts for")
            acting = user
        else:
            acting = User.objects.create(
                username=f"api-{name}-{secrets.token_hex(3)}"[:150],
                first_name="API",
                last_name=name[:150],
            )
            acting.set_unusable_password()
            acting.save(update_fields=["password"])
            if scope == Scope.INTAKE:
                acting.user_permissions.add(
                    Permission.objects.get(content_type__app_label="cases", codename="add_case")
                )
        return ApiClient.objects.create(name=name, scope=scope, user=acting)


def issue_token(
    *, client: ApiClient, actor: Actor | None, valid_for: dt.timedelta = DEFAULT_VALIDITY
) -> tuple[ApiToken, str]:
    """A new token for `client`; returns the row and the token, which is shown only now."""
    with transaction.atomic():
        row, token = ApiToken.issue(client, valid_for=valid_for, created_by=actor)
        record_event(
            kind=EventKind.API_TOKEN_CREATED,
            actor=actor,
            data={"client_id": client.pk, "token_prefix": row.prefix, "scope": client.scope},
        )
    return row, token


def revoke_token(*, token: ApiToken, actor: Actor | None) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            record_event(
                kind=EventKind.API_TOKEN_REVOKED,
                actor=actor,
                data={"client_id": token.client_id, "token_prefix": token.prefix},
            )
