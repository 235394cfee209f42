"""What happens while a case is handled: calls, agreements and letters."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.choices import TEXT_MAX, AgreementStatus, Criterion, EmployerResponse, SentVia
from cases.models.contact import ContactPerson


class Call(ContactPerson):
    """A call attempt (not reached) or a call with the employer (reached).

    A reached call records the person spoken to (the `ContactPerson` fields, at least a
    surname); the confirmation letter is addressed to that person.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    called_at = models.DateTimeField(_("called at"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reached = models.BooleanField(_("reached"))
    criteria = models.JSONField(_("criteria discussed"), default=list, blank=True)
    employer_response = models.CharField(
        _("employer's response"), max_length=20, choices=EmployerResponse.choices, blank=True
    )
    measures = models.TextField(
        _("measures shown"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)]
    )
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    # On a case handled together with others: the call on the bundle's lead this record
    # copies (one call with the employer, recorded on every case it concerned).
    shared_call = models.ForeignKey(
        "self",
        verbose_name=_("shared call"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["called_at", "pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                # A reached call names the person spoken to: at least a surname (the
                # service requires one) or, for data migrated from free text, a form of
                # address.
                condition=(
                    Q(reached=True)
                    & ~Q(employer_response="")
                    & ~Q(contact_surname="", contact_form_of_address="")
                )
                | (
                    Q(reached=False)
                    & Q(employer_response="")
                    & Q(contact_surname="")
                    & Q(contact_initials="")
                    & Q(contact_form_of_address="")
                ),
                name="call_reached_has_contact",
            ),
            models.CheckConstraint(
                condition=Q(employer_response="")
                | Q(employer_response__in=EmployerResponse.values),
                name="call_response_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.called_at:%Y-%m-%d %H:%M}"

    @property
    def criteria_labels(self) -> list[str]:
        """The criteria discussed, as people read them, in the checklist's order."""
        return [str(label) for code, label in Criterion.choices if code in self.criteria]


class Agreement(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agreements")
    description = models.TextField(
        _("agreement"), validators=[MinLengthValidator(1), MaxLengthValidator(2000)]
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AgreementStatus.values), name="agreement_status_known"
            ),
        ]
        indexes = [
            # The repeat signal: agreements recorded as not kept in the last months.
            models.Index(
                fields=["status_changed_at"],
                condition=Q(status=AgreementStatus.NIET_NAGEKOMEN),
                name="agreement_broken_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.description[:50]}"

    def overdue_on(self, today: dt.date) -> bool:
        return self.status == AgreementStatus.OPEN and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        """Still open after its due date (today in Europe/Amsterdam)."""
        return self.overdue_on(timezone.localdate())


class Letter(models.Model):
    """An immutable generated confirmation letter; each regeneration is a new version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    number = models.PositiveIntegerField(_("version"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    template_version = models.CharField(_("template version"), max_length=40)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    generated_at = models.DateTimeField(_("generated at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    sent_at = models.DateField(_("sent on"), null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=10, choices=SentVia.choices, blank=True)

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="letter_unique_version"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="letter_sha"),
            models.CheckConstraint(
                condition=(Q(sent_at__isnull=True) & Q(sent_via=""))
                | (Q(sent_at__isnull=False) & ~Q(sent_via="")),
                name="letter_sent_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} brief v{self.number}"

    @property
    def sent_via_label(self) -> str:
        """How it was sent, for use inside a sentence ("per post"); "" when not sent yet."""
        return str(self.get_sent_via_display()).lower() if self.sent_via else ""


class LetterCase(models.Model):
    """A letter of a bundle's lead covers this case, handled together with the lead: its
    page, exports and print batches show the letter (which belongs to the lead)."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="covers")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="shared_letters")

    class Meta:
        verbose_name = _("letter of a bundle")
        verbose_name_plural = _("letters of a bundle")
        constraints = [
            models.UniqueConstraint(fields=["letter", "case"], name="letter_case_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} → {self.case.reference}"
