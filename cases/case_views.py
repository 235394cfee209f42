"""The case page and its actions.

GET shows the case with the buttons this user may use now (`permissions.case_actions`).
Each action is a POST of one form to `case_action`; the matching service does the work.
A refused action shows the page again with the typed input kept: field errors next to the
fields, or, for a stale page, what changed in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import action_forms as af
from cases import permissions, selectors, services
from cases.access import case_worker_required
from cases.forms import apply_service_errors
from cases.models import Case, Criterion, EmployerResponse, EventKind, State

FORM_ALIASES = {"called_at": "called_date", "sector_id": "sector"}


@dataclass(frozen=True)
class Action:
    form: type[af.ActionForm]
    run: Callable[[Case, Any, Any], Any]
    done: Any  # lazy message
    anchor: str = "acties"


def _call_attempt(case: Case, user: Any, form: Any) -> Any:
    return services.case_record_call_attempt(
        case=case, actor=user, version=form.posted_version(), called_at=form.moment()
    )


def _call(case: Case, user: Any, form: Any) -> Any:
    data = form.cleaned_data
    return services.case_record_call(
        case=case,
        actor=user,
        version=form.posted_version(),
        called_at=form.moment(),
        contact_name=data.get("contact_name", ""),
        criteria=data.get("criteria") or [],
        employer_response=data.get("employer_response", ""),
        measures=data.get("measures", ""),
        notes=data.get("notes", ""),
    )


def _decline(case: Case, user: Any, form: Any) -> Any:
    main = form.main_case_object()
    if form.errors:
        raise ValidationError(form.errors.as_data())
    return services.case_decline(
        case=case,
        actor=user,
        version=form.posted_version(),
        outcome=form.cleaned_data.get("outcome", ""),
        main_case=main,
    )


def _close(case: Case, user: Any, form: Any) -> Any:
    main = form.main_case_object()
    if form.errors:
        raise ValidationError(form.errors.as_data())
    return services.case_close(
        case=case,
        actor=user,
        version=form.posted_version(),
        outcome=form.cleaned_data.get("outcome", ""),
        main_case=main,
    )


def _identify(case: Case, user: Any, form: Any) -> Any:
    data = form.cleaned_data
    return services.case_identify_employer(
        case=case,
        actor=user,
        version=form.posted_version(),
        kvk_number=data.get("kvk_number", ""),
        establishment_number=data.get("establishment_number", ""),
        name=data.get("employer_name", ""),
        details=form.details(),
    )


def _agreement_add(case: Case, user: Any, form: Any) -> Any:
    return services.agreement_add(
        case=case,
        actor=user,
        version=form.posted_version(),
        description=form.cleaned_data.get("description", ""),
        due_date=form.cleaned_data.get("due_date"),
    )


def _agreement_edit(case: Case, user: Any, form: Any) -> Any:
    return services.agreement_edit(
        case=case,
        actor=user,
        version=form.posted_version(),
        agreement=form.cleaned_data.get("agreement") or 0,
        description=form.cleaned_data.get("description", ""),
        due_date=form.cleaned_data.get("due_date"),
    )


def _agreement_status(case: Case, user: Any, form: Any) -> Any:
    return services.agreement_set_status(
        case=case,
        actor=user,
        version=form.posted_version(),
        agreement=form.cleaned_data.get("agreement") or 0,
        status=form.cleaned_data.get("status", ""),
    )


def _assign(case: Case, user: Any, form: Any) -> Any:
    assignee = form.cleaned_data.get("assignee")
    if assignee is None:
        raise ValidationError({"assignee": _("Choose who handles this case.")})
    return services.case_assign(
        case=case, actor=user, version=form.posted_version(), assignee=assignee
    )


ACTIONS: dict[str, Action] = {
    "take": Action(
        af.PlainActionForm,
        lambda c, u, f: services.case_take(case=c, actor=u, version=f.posted_version()),
        gettext_lazy("You have taken this case."),
    ),
    "take_into_investigation": Action(
        af.PlainActionForm,
        lambda c, u, f: services.case_take_into_investigation(
            case=c, actor=u, version=f.posted_version()
        ),
        gettext_lazy("The case has been taken into investigation."),
    ),
    "decline": Action(af.DeclineForm, _decline, gettext_lazy("The case has been closed.")),
    "identify_employer": Action(
        af.IdentifyEmployerForm,
        _identify,
        gettext_lazy("The employer has been identified."),
        anchor="werkgever",
    ),
    "call_attempt": Action(
        af.CallAttemptForm,
        _call_attempt,
        gettext_lazy("The call attempt has been recorded."),
        anchor="gesprekken",
    ),
    "call": Action(
        af.CallForm, _call, gettext_lazy("The call has been recorded."), anchor="gesprekken"
    ),
    "agreement_add": Action(
        af.AgreementForm,
        _agreement_add,
        gettext_lazy("The agreement has been added."),
        anchor="afspraken",
    ),
    "agreement_edit": Action(
        af.AgreementForm,
        _agreement_edit,
        gettext_lazy("The agreement has been changed."),
        anchor="afspraken",
    ),
    "agreement_status": Action(
        af.AgreementStatusForm,
        _agreement_status,
        gettext_lazy("The status of the agreement has been recorded."),
        anchor="afspraken",
    ),
    "close": Action(af.CloseForm, _close, gettext_lazy("The case has been closed.")),
    "reopen": Action(
        af.ReopenForm,
        lambda c, u, f: services.case_reopen(
            case=c, actor=u, version=f.posted_version(), reason=f.cleaned_data.get("reason", "")
        ),
        gettext_lazy("The case has been reopened."),
    ),
    "assign": Action(af.AssignForm, _assign, gettext_lazy("The case has been assigned.")),
}


def _aliased(exc: ValidationError) -> ValidationError:
    """Service error keys renamed to the fields of the case-page forms."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {FORM_ALIASES.get(key, key): errors for key, errors in exc.message_dict.items()}
    )


def auto_id(action: str, agreement: Any = None) -> str:
    """Element ids unique on the page, whichever forms it shows."""
    suffix = f"-{agreement}" if str(agreement or "").isdigit() else ""
    return f"{action}{suffix}-%s"


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    case = selectors.case_page(request.user, reference)
    if case is None:
        raise Http404
    return case


@case_worker_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    return _render(request, case)


@case_worker_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = spec.form(
        request.POST, case=case, auto_id=auto_id(action, request.POST.get("agreement"))
    )
    form.is_valid()  # parsing only; the service validates and says what is wrong
    try:
        spec.run(case, request.user, form)
    except services.StaleVersionError as exc:
        changes = selectors.events_since(case, form.cleaned_data.get("seen_at"))
        return _render(request, case, bound=(action, form), stale=exc.message, changes=changes)
    except ValidationError as exc:
        apply_service_errors(form, _aliased(exc))
        return _render(request, case, bound=(action, form))
    except services.ServiceError as exc:
        form.add_error(None, exc.message)
        return _render(request, case, bound=(action, form))
    messages.success(request, str(spec.done))
    target = reverse("case_detail", args=[case.reference])
    if not permissions.can_view_case(request.user, Case.objects.get(pk=case.pk)):
        return redirect("home")
    return redirect(f"{target}#{spec.anchor}")


def _render(
    request: HttpRequest,
    case: Case,
    *,
    bound: tuple[str, Any] | None = None,
    stale: str = "",
    changes: list[Any] | None = None,
) -> HttpResponse:
    user = request.user
    if bound is not None:
        case = selectors.case_page(user, case.reference) or case
    actions = permissions.case_actions(user, case)
    forms: dict[str, Any] = {}
    for name in actions:
        spec = ACTIONS.get(name)
        if spec is not None and name not in ("agreement_edit", "agreement_status"):
            forms[name] = spec.form(case=case, auto_id=auto_id(name))
    open_action = ""
    if bound is not None:
        open_action, bound_form = bound
        _refresh_version(bound_form, case)
        forms[open_action] = bound_form
    show_melder = permissions.can_view_melder(user, case)
    if show_melder:
        services.record_melder_view(case=case, actor=user)
    # Views of melder data are audit records, not steps in the handling of the case.
    events = [e for e in case.events.all() if e.kind != EventKind.MELDER_VIEWED]
    people_ids = {e.data.get("assignee_id") for e in events} | {
        e.data.get("previous_assignee_id") for e in events
    }
    people = {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=[p for p in people_ids if p])
    }
    context = {
        "case": case,
        "actions": actions,
        "forms": forms,
        "open_action": open_action,
        "agreement_rows": _agreement_rows(case, actions, bound),
        "show_melder": show_melder,
        "melder": getattr(case, "melder", None) if show_melder else None,
        "events": events,
        "people": people,
        "stale": stale,
        "changes": changes or [],
        "criteria_labels": dict(Criterion.choices),
        "response_labels": dict(EmployerResponse.choices),
        "today": selectors.today(),
        "closed": case.state == State.CLOSED,
    }
    status = 409 if stale else 200
    return render(request, "cases/case_detail.html", context, status=status)


def _refresh_version(form: Any, case: Case) -> None:
    """A refused form is shown again with the user's input, but carrying the current
    version, so that sending it again (after checking) is not refused as stale once more."""
    data = form.data.copy()
    data["version"] = str(case.version)
    data["seen_at"] = timezone.now().isoformat()
    form.data = data


def _agreement_rows(
    case: Case, actions: frozenset[str], bound: tuple[str, Any] | None
) -> list[dict[str, Any]]:
    """Each agreement with its edit or status form (the posted one if it was refused)."""
    posted_for = None
    if bound is not None and bound[0] in ("agreement_edit", "agreement_status"):
        posted_for = bound[1].cleaned_data.get("agreement")
    rows = []
    for agreement in case.agreements.all():
        row: dict[str, Any] = {"agreement": agreement, "edit": None, "status": None}
        initial = {
            "version": case.version,
            "seen_at": timezone.now().isoformat(),
            "agreement": agreement.pk,
        }
        if "agreement_edit" in actions:
            row["edit"] = af.AgreementForm(
                case=case,
                auto_id=auto_id("agreement_edit", agreement.pk),
                initial={
                    **initial,
                    "description": agreement.description,
                    "due_date": agreement.due_date,
                },
            )
        if "agreement_status" in actions:
            row["status"] = af.AgreementStatusForm(
                case=case,
                auto_id=auto_id("agreement_status", agreement.pk),
                initial={**initial, "status": agreement.status},
            )
        if posted_for == agreement.pk and bound is not None:
            row["edit" if bound[0] == "agreement_edit" else "status"] = bound[1]
            row["open"] = True
        rows.append(row)
    return rows
