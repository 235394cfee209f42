"""Forms for the actions on the case page.

Every form carries the case `version` the user saw (and when the page was shown), so a
stale page is refused instead of overwriting. Forms only parse input; the services decide
what is valid and say so in Dutch, per field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import (
    CLOSE_OUTCOMES,
    DECLINE_OUTCOMES,
    TEXT_MAX,
    AgreementStatus,
    Case,
    Criterion,
    EmployerResponse,
    Outcome,
    Sector,
)
from cases.permissions import case_worker_users_q

DATE = {"type": "date"}
TIME = {"type": "time"}


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    seen_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        kwargs.setdefault(
            "initial", {"version": case.version, "seen_at": timezone.now().isoformat()}
        )
        super().__init__(*args, **kwargs)

    def posted_version(self) -> int | None:
        return self.cleaned_data.get("version")


class MomentMixin(forms.Form):
    """Date and time of a call, in Europe/Amsterdam."""

    called_date = forms.DateField(
        label=_("Call date"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    called_time = forms.TimeField(
        label=_("Call time"), required=False, widget=forms.TimeInput(attrs=TIME, format="%H:%M")
    )

    def moment(self) -> dt.datetime | None:
        day, at = self.cleaned_data.get("called_date"), self.cleaned_data.get("called_time")
        if day is None or at is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, at))

    @staticmethod
    def now_initial() -> dict[str, Any]:
        now = timezone.localtime()
        return {"called_date": now.date(), "called_time": now.time().replace(second=0)}


class MainCaseMixin(forms.Form):
    main_case = forms.CharField(
        label=_("Main case (for a duplicate)"),
        required=False,
        max_length=20,
        help_text=_("Reference of the case this one duplicates, e.g. TW-2021-00012."),
    )

    def main_case_object(self) -> Case | None:
        reference = (self.cleaned_data.get("main_case") or "").strip().upper()
        if not reference:
            return None
        found = Case.objects.filter(reference=reference).first()
        if found is None:
            self.add_error("main_case", _("There is no case with this reference."))
        return found


class PlainActionForm(ActionForm):
    """An action without input (take into investigation, take)."""


class DeclineForm(MainCaseMixin, ActionForm):
    outcome = forms.ChoiceField(
        label=_("Reason for not investigating"),
        required=False,
        widget=forms.RadioSelect,
        choices=[(code, Outcome(code).label) for code in DECLINE_OUTCOMES],
    )
    field_order = ["outcome", "main_case"]


class CloseForm(MainCaseMixin, ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, widget=forms.RadioSelect)
    field_order = ["outcome", "main_case"]

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        allowed = CLOSE_OUTCOMES.get(case.state, ())
        self.fields["outcome"].choices = [(code, Outcome(code).label) for code in allowed]


class CallAttemptForm(MomentMixin, ActionForm):
    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        if not self.is_bound:
            self.initial.update(self.now_initial())


class CallForm(MomentMixin, ActionForm):
    contact_name = forms.CharField(label=_("Spoke with"), required=False, max_length=200)
    criteria = forms.MultipleChoiceField(
        label=_("Criteria discussed"),
        required=False,
        help_text=_(
            "Not valid reasons to work on location: inducting a new employee, wanting insight "
            "into how the work is done, missing social contact, productivity."
        ),
        choices=Criterion.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    employer_response = forms.ChoiceField(
        label=_("Response of the employer"),
        required=False,
        choices=EmployerResponse.choices,
        widget=forms.RadioSelect,
    )
    measures = forms.CharField(
        label=_("Measures the employer showed"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        if not self.is_bound:
            self.initial.update(self.now_initial())
            self.initial["contact_name"] = case.employer.contact_name


class IdentifyEmployerForm(ActionForm):
    kvk_number = forms.CharField(label=_("KvK number"), required=False, max_length=20)
    establishment_number = forms.CharField(
        label=_("Establishment number"), required=False, max_length=20
    )
    employer_name = forms.CharField(label=_("Legal name"), required=False, max_length=200)
    sector = forms.ModelChoiceField(
        label=_("Sector (SBI)"), required=False, queryset=Sector.objects.all()
    )
    visit_street = forms.CharField(label=_("Street"), required=False, max_length=200)
    visit_number = forms.CharField(label=_("House number"), required=False, max_length=20)
    visit_postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    visit_city = forms.CharField(label=_("City"), required=False, max_length=100)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    contact_phone = forms.CharField(label=_("Phone contact person"), required=False, max_length=30)
    contact_email = forms.CharField(
        label=_("E-mail contact person"), required=False, max_length=254
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        if not self.is_bound:
            employer = case.employer
            self.initial.update(employer_name=employer.name, visit_city=employer.visit_city)

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        sector = data.get("sector")
        return {
            "sector_id": sector.pk if sector else None,
            **{
                name: (data.get(name) or "").strip()
                for name in (
                    "visit_street",
                    "visit_number",
                    "visit_postcode",
                    "visit_city",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                )
            },
        }


class AgreementForm(ActionForm):
    agreement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(
        label=_("Agreement"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )


class AgreementStatusForm(ActionForm):
    agreement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=AgreementStatus.choices, widget=forms.RadioSelect
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def assignable_users() -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(case_worker_users_q())
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class AssignForm(ActionForm):
    assignee = AssigneeField(label=_("Assign to"), required=False, queryset=assignable_users())
