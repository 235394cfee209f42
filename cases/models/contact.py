"""A contact person in structured form: the employer's contact and the person spoken to in a
reached call. Letters address them with `cases.salutation`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import salutation


class FormOfAddress(models.TextChoices):
    HEER = salutation.HEER, _("Mr (de heer)")
    MEVROUW = salutation.MEVROUW, _("Ms (mevrouw)")
    NEUTRAL = salutation.NEUTRAL, _("Neutral (no form of address)")


# The structured contact fields, in the order forms show them.
CONTACT_FIELDS: tuple[str, ...] = (
    "contact_form_of_address",
    "contact_title",
    "contact_initials",
    "contact_tussenvoegsel",
    "contact_surname",
)
CONTACT_MAX_LENGTHS: dict[str, int] = {
    "contact_title": 30,
    "contact_initials": 60,
    "contact_tussenvoegsel": 20,
    "contact_surname": 150,
}


class ContactPerson(models.Model):
    """Form of address, title, initials or first name, tussenvoegsel and surname."""

    contact_form_of_address = models.CharField(
        _("form of address"), max_length=10, choices=FormOfAddress.choices, blank=True
    )
    contact_title = models.CharField(
        _("title"), max_length=CONTACT_MAX_LENGTHS["contact_title"], blank=True
    )
    contact_initials = models.CharField(
        _("initials or first name"), max_length=CONTACT_MAX_LENGTHS["contact_initials"], blank=True
    )
    contact_tussenvoegsel = models.CharField(
        _("tussenvoegsel"), max_length=CONTACT_MAX_LENGTHS["contact_tussenvoegsel"], blank=True
    )
    contact_surname = models.CharField(
        _("surname"), max_length=CONTACT_MAX_LENGTHS["contact_surname"], blank=True
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        """A form of address belongs in its own field, never in a name (the admin's check;
        the services check the same in `cases.services.contact`)."""
        super().clean()
        errors = {
            name: _("Choose ‘de heer’ or ‘mevrouw’ under form of address, not in the name.")
            for name in ("contact_initials", "contact_tussenvoegsel", "contact_surname")
            if salutation.holds_form_of_address(getattr(self, name))
        }
        if errors:
            raise ValidationError(errors)

    @property
    def contact_person(self) -> salutation.PersonName:
        return salutation.PersonName(
            form=self.contact_form_of_address,
            title=self.contact_title,
            initials=self.contact_initials,
            tussenvoegsel=self.contact_tussenvoegsel,
            surname=self.contact_surname,
        )

    @property
    def contact_name(self) -> str:
        """The contact person as screens show them ("de heer V. Wouters"); "" if unknown."""
        return salutation.display_name(self.contact_person)
