"""Bulk work on letters: a print batch for the mailroom and a bulk regeneration job.

A batch is a fixed list of letters (its items), chosen by the shared filter when it was
made. A print batch is the letters as they were printed (one combined PDF) until it is
recorded as sent; a regeneration job is worked off in the background (`cases.tasks`), item by
item: an item is done exactly once, in the same transaction as the new letter version it
made, so a worker that is stopped halfway and started again neither loses nor doubles one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.handling import Letter


class BatchKind(models.TextChoices):
    PRINT = "print", _("Print batch")
    REGENERATE = "regenerate", _("New versions")


class LetterBatch(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=BatchKind.choices)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The shared filter parameters (cases.filters.CaseFilter) the letters were chosen with.
    filter_query = models.CharField(_("filter"), max_length=4000, blank=True)
    # Regeneration: the one reason every new version gets.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Regeneration: when the last item was done.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Print batch: when it was recorded as sent, on which day and by whom.
    sent_at = models.DateField(_("sent on"), null=True, blank=True)
    sent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded as sent by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=BatchKind.values), name="letter_batch_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def is_print(self) -> bool:
        return self.kind == BatchKind.PRINT


class LetterBatchItem(models.Model):
    """One letter of a batch. For a regeneration, `new_letter` is the version it made and
    `done_at` is set in the same transaction; `error` says why an item could not be done."""

    batch = models.ForeignKey(LetterBatch, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("position"))
    # Regeneration: the items one background task works off together.
    chunk = models.PositiveIntegerField(_("chunk"), default=0)
    new_letter = models.OneToOneField(
        Letter, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        verbose_name = _("letter in a batch")
        verbose_name_plural = _("letters in a batch")
        constraints = [
            models.UniqueConstraint(fields=["batch", "case"], name="letter_batch_item_case"),
            models.UniqueConstraint(
                fields=["batch", "position"], name="letter_batch_item_position"
            ),
        ]
        indexes = [models.Index(fields=["batch", "chunk", "done_at"])]

    def __str__(self) -> str:
        return f"{self.batch} #{self.position}"
