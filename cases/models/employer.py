"""Employers (werkgevers)."""

from __future__ import annotations

from collections.abc import Collection

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import validators as v
from cases.models.contact import ContactPerson
from cases.models.reference import Sector


class Employer(ContactPerson):
    """An employer, identified by KvK(+vestiging) or recorded as reported by the melder.

    As-reported employers (kvk_number NULL) have only a name and a city; the inspector
    identifies the employer during triage, before it is phoned.
    """

    name = models.CharField(_("name"), max_length=200)
    # NULL (not "") for as-reported employers, so the unique constraint ignores them.
    kvk_number = models.CharField(  # noqa: DJ001
        _("KvK number"),
        max_length=8,
        null=True,
        blank=True,
        validators=[v.validate_kvk_number],
    )
    establishment_number = models.CharField(
        _("establishment number"),
        max_length=12,
        blank=True,
        default="",
        validators=[v.validate_establishment_number],
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employers",
    )
    visit_street = models.CharField(_("street"), max_length=200, blank=True)
    visit_number = models.CharField(_("house number"), max_length=20, blank=True)
    visit_postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    visit_city = models.CharField(_("city"), max_length=100, blank=True)
    postal_street = models.CharField(
        _("postal address: street or PO box"), max_length=200, blank=True
    )
    postal_number = models.CharField(_("postal address: number"), max_length=20, blank=True)
    postal_postcode = models.CharField(
        _("postal address: postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    postal_city = models.CharField(_("postal address: city"), max_length=100, blank=True)
    contact_phone = models.CharField(
        _("contact person's phone"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    contact_email = models.EmailField(_("contact person's email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number", "establishment_number"],
                condition=Q(kvk_number__isnull=False),
                name="employer_unique_kvk_establishment",
                violation_error_message=_(
                    "An employer with this KvK number and establishment number already exists."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kvk_number__isnull=True) | Q(kvk_number__regex=v.KVK_PATTERN),
                name="employer_kvk_format",
            ),
            models.CheckConstraint(
                condition=Q(establishment_number="")
                | Q(establishment_number__regex=v.ESTABLISHMENT_PATTERN),
                name="employer_establishment_format",
            ),
            models.CheckConstraint(
                condition=Q(kvk_number__isnull=False) | Q(establishment_number=""),
                name="employer_establishment_needs_kvk",
            ),
            models.CheckConstraint(
                condition=Q(visit_postcode="") | Q(visit_postcode__regex=v.POSTCODE_PATTERN),
                name="employer_visit_postcode_format",
            ),
            models.CheckConstraint(
                condition=Q(postal_postcode="") | Q(postal_postcode__regex=v.POSTCODE_PATTERN),
                name="employer_postal_postcode_format",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="employer_name_idx")]

    def __str__(self) -> str:
        if self.kvk_number:
            return f"{self.name} (KvK {self.kvk_number})"
        return f"{self.name}, {self.visit_city}" if self.visit_city else self.name

    @property
    def visit_address(self) -> str:
        """The visiting address on one line ("Parnassusplein 5, 2511 VX Den Haag")."""
        street = " ".join(p for p in (self.visit_street, self.visit_number) if p)
        place = " ".join(p for p in (self.visit_postcode, self.visit_city) if p)
        return ", ".join(p for p in (street, place) if p)

    @property
    def is_identified(self) -> bool:
        return bool(self.kvk_number)

    def _normalize(self) -> None:
        self.visit_postcode = v.normalize_postcode(self.visit_postcode)
        self.postal_postcode = v.normalize_postcode(self.postal_postcode)
        self.contact_phone = v.normalize_phone(self.contact_phone)
        if self.kvk_number == "":
            self.kvk_number = None

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # full_clean() validates the fields before it calls clean(): normalise first, so
        # "2511vx" is stored as "2511 VX" instead of being refused.
        self._normalize()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        self._normalize()
        super().clean()
        if self.establishment_number and not self.kvk_number:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {"establishment_number": _("An establishment number needs a KvK number.")}
            )
