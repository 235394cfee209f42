"""API clients, their hashed tokens, idempotency records and throttle windows.

A client has one scope: `intake` (a web form: creates meldingen and reads back their
reference and received date), `statistics` (reporting: counts only) or `user` (a person's
own token, acting with that person's permissions). Intake and statistics clients act as a
service user of their own, which has no case role. Tokens are stored hashed (sha256); the
token itself is shown once, when it is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "tw"  # noqa: S105 - the marker every token starts with, not a secret


class Scope(models.TextChoices):
    INTAKE = "intake", _("Intake (web form)")
    STATISTICS = "statistics", _("Statistics (reporting)")
    USER = "user", _("A person's own token")


class ApiClient(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    # Who the client acts as: its own service user (intake, statistics) or the person.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=Scope.values), name="apiclient_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_scope_display()})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    client = models.ForeignKey(
        ApiClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="tokens"
    )
    # The first part of the token, stored plainly to find the row; the rest only as a hash.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}_… ({self.client.name})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def issue(
        cls, client: ApiClient, *, valid_for: dt.timedelta, created_by: object = None
    ) -> tuple[ApiToken, str]:
        """A new token for `client`: the row (hashed) and the token itself, to show once."""
        prefix = secrets.token_hex(6)
        token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        row = cls.objects.create(
            client=client,
            prefix=prefix,
            key_hash=hash_token(token),
            expires_at=timezone.now() + valid_for,
            created_by=created_by,
        )
        return row, token


class IdempotencyRecord(models.Model):
    """The first answer to a request with an Idempotency-Key, to give again for a repeat."""

    owner = models.CharField(max_length=40)  # "token:<client id>" or "user:<user id>"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class ThrottleWindow(models.Model):
    """Requests per client in one window of time (shared by every server process)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "window_start"], name="throttle_window"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.window_start:%H:%M}: {self.count}"
