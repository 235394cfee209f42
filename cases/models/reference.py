"""Reference data: SBI sectors and topics."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Sector(models.Model):
    """SBI 2008 section (A-U)."""

    code = models.CharField(_("code"), max_length=1, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-U]$"), name="sector_code_a_u"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


MAX_TOPIC_BIT = 30


class TopicManager(models.Manager["Topic"]):
    def get_by_natural_key(self, code: str) -> Topic:
        return self.get(code=code)


class Topic(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("description"), max_length=200)
    ordering = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    # The topic's bit in Case.topic_mask: given once (cases.reference_data) and never changed.
    bit = models.PositiveSmallIntegerField(_("bit"), unique=True, editable=False)

    objects = TopicManager()

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            # Bits 0-30: the mask is a (positive) 32-bit integer.
            models.CheckConstraint(condition=Q(bit__lte=MAX_TOPIC_BIT), name="topic_bit_range"),
        ]

    def __str__(self) -> str:
        return str(self.label)

    def natural_key(self) -> tuple[str]:
        return (self.code,)
