"""Forms for the actions of the workflow table (`cases.workflow.ACTIONS` names one per action).

Every form carries the case `version` the user saw (and when the page was shown), so a
stale page is refused instead of overwriting. Forms only parse input into the keyword
arguments of the action's service (`service_input`); the services decide what is valid and
say so in Dutch, per field. Error keys of the services that a form shows under another field
are in `FIELD_ALIASES`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.fields import SaneDateField, SaneDateTimeField
from cases.models import (
    CLOSE_OUTCOMES,
    CONTACT_FIELDS,
    DECLINE_OUTCOMES,
    TEXT_MAX,
    AgreementStatus,
    Case,
    Criterion,
    EmployerResponse,
    FormOfAddress,
    Letter,
    Outcome,
    Sector,
    SentVia,
    State,
)
from cases.permissions import case_worker_users_q, visible_cases
from cases.types import AnyUser

DATE = {"type": "date"}
TIME = {"type": "time"}


class ActionForm(forms.Form):
    """The base of every action form: the version seen, and the parsed input."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    seen_at = SaneDateTimeField(widget=forms.HiddenInput, required=False)

    # Service error keys shown under another field of this form.
    FIELD_ALIASES: ClassVar[dict[str, str]] = {}
    # False when there is nothing to choose (no case to attach): the page leaves it out.
    offered = True

    def __init__(self, *args: Any, case: Case, user: AnyUser | None = None, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        kwargs.setdefault(
            "initial", {"version": case.version, "seen_at": timezone.now().isoformat()}
        )
        super().__init__(*args, **kwargs)

    def posted_version(self) -> int | None:
        version = self.cleaned_data.get("version")
        return version if isinstance(version, int) else None

    def service_input(self) -> dict[str, Any]:
        """Keyword arguments for the action's service, besides case, actor and version.
        Call after is_valid(); fields with input errors are simply absent. A problem found
        here (a reference that does not exist) is raised as a ValidationError: the service
        is then not called."""
        return {}

    def text(self, name: str) -> str:
        return str(self.cleaned_data.get(name) or "")


class PlainActionForm(ActionForm):
    """An action without input (take, take into investigation, confirm the agreements)."""


class MomentMixin(forms.Form):
    """Date and time of a call, in Europe/Amsterdam."""

    called_date = SaneDateField(
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


class OutcomeForm(ActionForm):
    """Closing or declining: an outcome, and for a duplicate the main case."""

    outcome = forms.ChoiceField(label=_("Outcome"), required=False, widget=forms.RadioSelect)
    main_case = forms.CharField(
        label=_("Main case (for a duplicate)"),
        required=False,
        max_length=20,
        help_text=_("Reference of the case this one duplicates, e.g. TW-2021-00012."),
    )

    def main_case_object(self) -> Case | None:
        """The main case, looked up among the cases this user may see: a reference of a case
        outside the user's scope reads as unknown, so nobody learns that it exists."""
        reference = self.text("main_case").strip().upper()
        if not reference:
            return None
        found = visible_cases(self.user).filter(reference=reference).first()
        if found is None:
            raise ValidationError({"main_case": _("There is no case with this reference.")})
        return found

    def service_input(self) -> dict[str, Any]:
        return {"outcome": self.text("outcome"), "main_case": self.main_case_object()}


class DeclineForm(OutcomeForm):
    outcome = forms.ChoiceField(
        label=_("Reason for not investigating"),
        required=False,
        widget=forms.RadioSelect,
        choices=[(code, Outcome(code).label) for code in DECLINE_OUTCOMES],
    )
    field_order = ("outcome", "main_case")


class CloseForm(OutcomeForm):
    field_order = ("outcome", "main_case")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CLOSE_OUTCOMES.get(self.case.state, ())
        outcome = cast(forms.ChoiceField, self.fields["outcome"])
        outcome.choices = [(code, Outcome(code).label) for code in allowed]
        if self.case.pk and self.case.bundled.exclude(state=State.CLOSED).exists():
            outcome.help_text = _(
                "The cases handled together with this one are closed with the same outcome. "
                "‘Withdrawn’ and ‘Duplicate case’ concern only this case’s own melding: they are "
                "not possible while cases are handled together with it."
            )


class ReferencesField(forms.MultipleChoiceField):
    """References of cases, offered as choices; any reference is accepted here, the form
    looks it up and the service says why a case cannot be used."""

    def valid_value(self, value: str) -> bool:
        return True


class BundleAttachForm(ActionForm):
    """Attach other open cases about the same employer to this one (the lead)."""

    cases = ReferencesField(
        label=_("Cases about the same employer (KvK number and establishment)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They are taken into investigation and assigned to this case’s inspector. The call, "
            "the agreements and the letter of this case are theirs too; the letter does not "
            "mention them."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from cases.selectors import bundle_candidates

        super().__init__(*args, **kwargs)
        field = cast(ReferencesField, self.fields["cases"])
        field.choices = [
            (case.reference, candidate_label(case))
            for case in (bundle_candidates(self.user, self.case) if self.case.pk else [])
        ]
        self.offered = bool(field.choices)

    def service_input(self) -> dict[str, Any]:
        references = list(
            dict.fromkeys(str(r).strip().upper() for r in self.cleaned_data.get("cases") or [])
        )
        found = dict(
            visible_cases(self.user).filter(reference__in=references).values_list("reference", "pk")
        )
        unknown = [r for r in references if r not in found]
        if unknown:
            raise ValidationError(
                {
                    "cases": _("There is no case with reference {references}.").format(
                        references=", ".join(unknown)
                    )
                }
            )
        return {"cases": [found[r] for r in references]}


def candidate_label(case: Case) -> str:
    """How a case is offered for attaching: reference, day received, status and who handles
    it (never anything about the melder)."""
    handler = (
        case.assignee.get_full_name() or case.assignee.get_username()
        if case.assignee is not None
        else str(_("intake queue"))
    )
    return str(_("{reference}, received {day}, {state}, {handler}")).format(
        reference=case.reference,
        day=date_format(timezone.localtime(case.received_at), "j F Y"),
        state=case.get_state_display(),
        handler=handler,
    )


class ContactMixin(forms.Form):
    """The structured contact person; the service validates (`services.contact`)."""

    contact_form_of_address = forms.ChoiceField(
        label=_("Form of address"),
        required=False,
        choices=FormOfAddress.choices,
        widget=forms.RadioSelect,
        help_text=_("Neutral: the letter opens with initials and name, “Geachte S. de Vries,”."),
    )
    contact_title = forms.CharField(
        label=_("Title"), required=False, max_length=100, help_text=_("For example drs. or mr.")
    )
    contact_initials = forms.CharField(
        label=_("Initials or first name"), required=False, max_length=100
    )
    contact_tussenvoegsel = forms.CharField(
        label=_("Tussenvoegsel"),
        required=False,
        max_length=100,
        help_text=_("For example van der; in lower case."),
    )
    contact_surname = forms.CharField(label=_("Surname"), required=False, max_length=200)

    def contact_input(self) -> dict[str, str]:
        return {name: str(self.cleaned_data.get(name) or "") for name in CONTACT_FIELDS}


class CallAttemptForm(MomentMixin, ActionForm):
    FIELD_ALIASES: ClassVar[dict[str, str]] = {"called_at": "called_date"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(self.now_initial())

    def service_input(self) -> dict[str, Any]:
        return {"called_at": self.moment()}


class CallForm(MomentMixin, ContactMixin, ActionForm):
    """A reached call: when, the person spoken to (the letter is addressed to them), the
    criteria discussed and the employer's response."""

    FIELD_ALIASES: ClassVar[dict[str, str]] = {"called_at": "called_date"}
    field_order = ("called_date", "called_time", *CONTACT_FIELDS, "criteria")

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(self.now_initial())
            employer = self.case.employer
            self.initial.update({name: getattr(employer, name) for name in CONTACT_FIELDS})

    def service_input(self) -> dict[str, Any]:
        return {
            "called_at": self.moment(),
            "contact": self.contact_input(),
            "criteria": self.cleaned_data.get("criteria") or [],
            "employer_response": self.text("employer_response"),
            "measures": self.text("measures"),
            "notes": self.text("notes"),
        }


class CallContactForm(ContactMixin, ActionForm):
    """Correcting the person spoken to in one reached call: `call` is its id."""

    call = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_input(self) -> dict[str, Any]:
        return {"call": self.cleaned_data.get("call") or 0, "contact": self.contact_input()}


IDENTIFY_DETAILS = (
    "visit_street",
    "visit_number",
    "visit_postcode",
    "visit_city",
    *CONTACT_FIELDS,
    "contact_phone",
    "contact_email",
)


class IdentifyEmployerForm(ContactMixin, ActionForm):
    FIELD_ALIASES: ClassVar[dict[str, str]] = {
        "sector_id": "sector",
        "employer_choice": "establishment_number",
    }

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
    contact_phone = forms.CharField(label=_("Phone contact person"), required=False, max_length=30)
    field_order = (
        "kvk_number",
        "establishment_number",
        "employer_name",
        "sector",
        "visit_street",
        "visit_number",
        "visit_postcode",
        "visit_city",
        *CONTACT_FIELDS,
    )
    contact_email = forms.CharField(
        label=_("E-mail contact person"), required=False, max_length=254
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            employer = self.case.employer
            self.initial.update(employer_name=employer.name, visit_city=employer.visit_city)

    def service_input(self) -> dict[str, Any]:
        sector = self.cleaned_data.get("sector")
        return {
            "kvk_number": self.text("kvk_number"),
            "establishment_number": self.text("establishment_number"),
            "name": self.text("employer_name"),
            "details": {
                "sector_id": sector.pk if sector else None,
                **{name: self.text(name).strip() for name in IDENTIFY_DETAILS},
            },
        }


class AgreementForm(ActionForm):
    """Adding an agreement."""

    agreement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(
        label=_("Agreement"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = SaneDateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def service_input(self) -> dict[str, Any]:
        return {
            "description": self.text("description"),
            "due_date": self.cleaned_data.get("due_date"),
        }


class AgreementEditForm(AgreementForm):
    """Changing one agreement: `agreement` is its id."""

    def service_input(self) -> dict[str, Any]:
        return {**super().service_input(), "agreement": self.cleaned_data.get("agreement") or 0}


class AgreementStatusForm(ActionForm):
    agreement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=AgreementStatus.choices, widget=forms.RadioSelect
    )

    def service_input(self) -> dict[str, Any]:
        return {"agreement": self.cleaned_data.get("agreement") or 0, "status": self.text("status")}


class ReopenForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_input(self) -> dict[str, Any]:
        return {"reason": self.text("reason")}


class AssigneeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


def assignable_users() -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(case_worker_users_q())
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class AssignForm(ActionForm):
    assignee = AssigneeField(label=_("Assign to"), required=False, queryset=assignable_users())

    def service_input(self) -> dict[str, Any]:
        assignee = self.cleaned_data.get("assignee")
        if assignee is None:
            raise ValidationError({"assignee": _("Choose who handles this case.")})
        return {"assignee": assignee}


class LetterForm(ActionForm):
    """An action on one letter of the case: `letter` is its version number."""

    letter = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def letter_object(self) -> Letter:
        number = self.cleaned_data.get("letter")
        found = self.case.letters.filter(number=number).first() if number else None
        if found is None:
            raise ValidationError(_("This letter does not exist."))
        return found


class MarkSentForm(LetterForm):
    sent_at = SaneDateField(
        label=_("Sent on"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    sent_via = forms.ChoiceField(
        label=_("Sent via"),
        required=False,
        choices=SentVia.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how the letter was sent.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sent_at", timezone.localdate())
            self.initial.setdefault("sent_via", SentVia.POST)

    def service_input(self) -> dict[str, Any]:
        return {
            "letter": self.letter_object(),
            "sent_at": self.cleaned_data.get("sent_at"),
            "sent_via": self.text("sent_via"),
        }


class RegenerateForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def service_input(self) -> dict[str, Any]:
        return {"reason": self.text("reason")}
