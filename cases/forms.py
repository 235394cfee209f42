"""Forms parse input; the services validate it and say what is wrong (in Dutch)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.action_forms import AssigneeField, assignable_users
from cases.fields import SaneDateField
from cases.models import TEXT_MAX, Channel, Topic
from cases.services import EmployerInput, MelderInput


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it is about (a form's
    `FIELD_ALIASES` maps service keys to its own field names).

    A field that already shows an input error keeps just that one message.
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    aliases: dict[str, str] = getattr(form, "FIELD_ALIASES", {})
    for key, errors in exc.message_dict.items():
        field = aliases.get(key, key)
        if field in form.fields and field in form.errors:
            continue
        form.add_error(field if field in form.fields else None, errors)


class IntakeForm(forms.Form):
    # Service error keys shown under another field.
    FIELD_ALIASES: ClassVar[dict[str, str]] = {"received_at": "received_date"}

    received_date = SaneDateField(
        label=_("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_time = forms.TimeField(
        label=_("Time received"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.filter(active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown topic: %(value)s.")},
    )
    description = forms.CharField(
        label=_("Description of the case"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX,
    )
    kvk_number = forms.CharField(
        label=_("KvK number"),
        required=False,
        max_length=20,
        help_text=_("8 digits. Leave empty if the complainant does not know it."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    establishment_number = forms.CharField(
        label=_("Establishment number"),
        required=False,
        max_length=20,
        help_text=_("12 digits, optional."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # The registered establishment chosen from the KvK number's list (its id), or "new".
    employer_choice = forms.CharField(label=_("Establishment"), required=False, max_length=20)
    employer_name = forms.CharField(
        label=_("Employer name"),
        required=False,
        max_length=200,
        help_text=_(
            "As the complainant names the employer. Not needed for an employer that is "
            "already registered with this KvK number."
        ),
    )
    employer_city = forms.CharField(label=_("Employer city"), required=False, max_length=100)
    anonymous = forms.BooleanField(
        label=_("The complainant wants to remain anonymous"), required=False
    )
    melder_name = forms.CharField(label=_("Complainant name"), required=False, max_length=200)
    melder_email = forms.CharField(
        label=_("Complainant email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    melder_phone = forms.CharField(
        label=_("Complainant phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    melder_relation = forms.CharField(
        label=_("Relationship to the employer"),
        required=False,
        max_length=200,
        help_text=_("For example employee, temporary worker or works council member."),
    )

    # One-time token: the same form sent twice registers one melding.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_now(cls) -> dict[str, Any]:
        now = timezone.localtime()
        return {
            "received_date": now.date(),
            "received_time": now.time().replace(second=0),
            "token": uuid.uuid4(),
        }

    def submission_token(self) -> uuid.UUID | None:
        token = self.cleaned_data.get("token")
        return token if isinstance(token, uuid.UUID) else None

    def received_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("received_date")
        moment = self.cleaned_data.get("received_time")
        if day is None or moment is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, moment))

    def intake_input(self) -> dict[str, Any]:
        """Keyword arguments for services.case_intake / validate_intake; call after
        is_valid() (fields with input errors are simply absent)."""
        topics = self.cleaned_data.get("topics") or []
        return {
            "received_at": self.received_at(),
            "channel": self.cleaned_data.get("channel", ""),
            "topic_codes": [t.code for t in topics],
            "description": self.cleaned_data.get("description", ""),
            "reported_employer": self.employer_input(),
            "melder": self.melder_input(),
        }

    def employer_input(self) -> EmployerInput:
        data = self.cleaned_data
        choice = data.get("employer_choice", "").strip()
        return EmployerInput(
            name=data.get("employer_name", ""),
            city=data.get("employer_city", ""),
            kvk_number=data.get("kvk_number", ""),
            establishment_number=data.get("establishment_number", "")
            if not choice.isdigit()
            else "",
            employer_id=int(choice) if choice.isdigit() else None,
        )

    def melder_input(self) -> MelderInput | None:
        data = self.cleaned_data
        if data.get("anonymous"):
            return None
        return MelderInput(
            name=data.get("melder_name", ""),
            email=data.get("melder_email", ""),
            phone=data.get("melder_phone", ""),
            relation=data.get("melder_relation", ""),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not isinstance(data.get("token"), uuid.UUID):
            # Every form the page hands out carries one; without it a second send could
            # register the melding twice.
            self.add_error(
                None,
                _(
                    "This form was not sent completely. Open the form again (Nieuwe melding) "
                    "and fill it in."
                ),
            )
        if data.get("anonymous") and any(
            data.get(f) for f in ("melder_name", "melder_email", "melder_phone")
        ):
            raise ValidationError(
                _(
                    "You chose ‘anonymous’ and also entered the complainant’s details. Choose "
                    "one or the other."
                )
            )
        return data


class SurgeAssignForm(forms.Form):
    """The surge view's "assign all": to whom, and the unassigned cases the page showed, each
    as `case=<reference>:<version>` (the service refuses when they are no longer the ones
    in the intake queue)."""

    MAX_CASES = 1000

    assignee = AssigneeField(
        label=_("Assign to"),
        required=False,
        queryset=assignable_users(),
        error_messages={"invalid_choice": _("Choose someone who handles cases.")},
    )

    def clean_assignee(self) -> Any:
        assignee = self.cleaned_data.get("assignee")
        if assignee is None:
            raise ValidationError(_("Choose who handles these cases."))
        return assignee

    def versions(self) -> dict[str, int | None]:
        """reference -> version as posted; a malformed version is None (stale)."""
        posted: dict[str, int | None] = {}
        values = self.data.getlist("case") if isinstance(self.data, QueryDict) else []
        for value in values[: self.MAX_CASES]:
            reference, _sep, version = str(value)[:40].partition(":")
            posted[reference.strip().upper()] = int(version) if version.isdigit() else None
        return posted
