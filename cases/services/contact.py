"""The structured contact person (form of address, title, initials or first name,
tussenvoegsel, surname) as the employer and reached-call services accept it."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases import salutation
from cases.models.contact import CONTACT_FIELDS, CONTACT_MAX_LENGTHS
from cases.services.base import Errors


def clean_contact(values: Mapping[str, str | None], *, required: bool) -> dict[str, str]:
    """The five contact fields, whitespace collapsed and the tussenvoegsel in lower case.

    `required` (a reached call): a form of address and a surname must be given. Raises a
    ValidationError per field; a form of address typed into a name field is refused, so no
    stored name holds "de heer" or "mevrouw"."""
    cleaned = {name: " ".join(str(values.get(name) or "").split()) for name in CONTACT_FIELDS}
    errors = Errors()
    form = cleaned["contact_form_of_address"]
    if (form and form not in salutation.FORMS) or (required and not form):
        errors.add("contact_form_of_address", _("Choose a form of address."))
    for name, limit in CONTACT_MAX_LENGTHS.items():
        if len(cleaned[name]) > limit:
            errors.add(
                name,
                _("Use at most {max} characters (now {count}).").format(
                    max=limit, count=len(cleaned[name])
                ),
            )
    for name in ("contact_initials", "contact_tussenvoegsel", "contact_surname"):
        if salutation.holds_form_of_address(cleaned[name]):
            errors.add(
                name,
                _("Choose ‘de heer’ or ‘mevrouw’ under form of address, not in the name."),
            )
    surname = cleaned["contact_surname"]
    if required and not surname:
        errors.add("contact_surname", _("Fill in the surname of the person spoken to."))
    elif any(ch.isdigit() or ch == "@" for ch in surname):
        errors.add("contact_surname", _("A surname has no digits or @."))
    if not surname and (cleaned["contact_initials"] or cleaned["contact_tussenvoegsel"]):
        errors.add("contact_surname", _("Fill in the surname as well."))
    tussenvoegsel = cleaned["contact_tussenvoegsel"]
    if tussenvoegsel and not all(ch.isalpha() or ch in " '’" for ch in tussenvoegsel):
        errors.add("contact_tussenvoegsel", _("A tussenvoegsel has letters only, like ‘van der’."))
    if errors:
        raise ValidationError(errors.by_field)
    cleaned["contact_tussenvoegsel"] = tussenvoegsel.lower()
    return cleaned
