"""Append-only history: Events, and the figures recorded for the ministry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.choices import EventKind


class AppendOnlyError(Exception):
    """Events are history: they are never changed or deleted."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Events cannot be changed.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Events cannot be changed.")


class Event(models.Model):
    """Append-only history and audit trail. Never holds melder data or melding text;
    `cases.events.record_event` enforces that."""

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    from_state = models.CharField(_("from status"), max_length=30, blank=True)
    to_state = models.CharField(_("to status"), max_length=30, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_time_idx"),
            models.Index(fields=["actor", "created_at"], name="event_actor_time_idx"),
            # The transitions of a case by time: a case's state at a past moment (the
            # figures as known on a reference date, cases.dashboard.as_of) is its last
            # transition then, read from this index alone (INCLUDE: PostgreSQL only).
            models.Index(
                fields=["case", "created_at", "id"],
                include=["to_state"],
                condition=~Q(to_state=""),
                name="event_transition_idx",
            ),
        ]
        permissions = [
            (
                "audit_personal_data",
                _("Can see who viewed melder data and answer access requests"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Events cannot be deleted.")


class FrozenQuerySet(models.QuerySet["FigureSnapshot"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Recorded figures cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded figures cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Recorded figures cannot be changed.")


class FigureSnapshot(models.Model):
    """Dashboard figures as they were reported (e.g. to the ministry), frozen with their
    filter and the generated paragraph. Written once by `cases.services.snapshot_create`;
    never changed, so they stay what was reported however the cases move on."""

    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("description"), max_length=200, blank=True)
    # The shared filter parameters, canonical (see cases.dashboard.params.canonical_params).
    filter_query = models.CharField(_("filter"), max_length=4000, blank=True)
    # The filter as it read on the page: [[label, value], ...].
    filter_description = models.JSONField(_("filter description"), default=list, blank=True)
    period_start = models.DateField(_("received from"), null=True, blank=True)
    period_end = models.DateField(_("received up to and including"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"))
    investigated = models.PositiveIntegerField(_("taken into investigation"))
    only_not_allowed = models.PositiveIntegerField(_("only not allowed to work from home"))
    paragraph = models.TextField(_("paragraph"))
    # Every dashboard figure, breakdowns included (cases.dashboard.figures.Figures.to_json).
    figures = models.JSONField(_("figures"))
    # The shape of `figures`: snapshot_create records cases.dashboard.figures.SCHEMA_VERSION.
    # Snapshots recorded before there was a version have the first shape, 1 (the default).
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=1)

    objects = FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recorded figures")
        verbose_name_plural = _("recorded figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(investigated__lte=models.F("received"))
                & Q(only_not_allowed__lte=models.F("received")),
                name="figuresnapshot_parts_within_received",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Recorded figures cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Recorded figures cannot be deleted.")
