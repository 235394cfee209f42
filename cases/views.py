"""HTTP views: thin wrappers around selectors (reads) and services (writes)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from cases import employers, permissions, selectors, services
from cases.access import (
    case_worker_required,
    role_required,
    supervisor_required,
)
from cases.dashboard.day_counts import kamerbrief_counts_for
from cases.filters import filtered_cases, panel_context
from cases.forms import IntakeForm, apply_service_errors
from cases.models import Case, RoleGrant
from cases.services import accounts
from cases.types import AuthenticatedRequest

PAGE_SIZE = 50
HOME_PAGE_SIZE = 25
logger = logging.getLogger(__name__)


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers (GET or HEAD); no login, no data.

    503 when the database does not answer, so the balancer takes this instance out."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("health check: the database does not answer")
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in start page: the user's open meldingen and the Kamerbrief figures."""
    is_case_worker = permissions.is_case_worker(request.user)
    mine = selectors.list_rows(selectors.my_cases(request.user), "due")
    page = Paginator(mine, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "repeat_ids": employers.flagged_among({case.employer_id for case in page.object_list}),
        "intake_queue_size": selectors.intake_queue(request.user).count(),
        # Counted over the cases this user may see: for a team leader all of them.
        "kamerbrief": (
            kamerbrief_counts_for(request.user, *selectors.KAMERBRIEF_PERIOD)
            if is_case_worker
            else None
        ),
        "all_cases_counted": permissions.is_supervisor(request.user),
        "kamerbrief_period": selectors.KAMERBRIEF_PERIOD,
        "is_case_worker": is_case_worker,
        "role_grants": selectors.unacknowledged_role_grants(request.user),
    }
    return render(request, "cases/home.html", context)


@supervisor_required
@require_POST
def role_grant_acknowledge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A team leader has seen a grant of a role that sees melder data (start page)."""
    grant = get_object_or_404(RoleGrant, pk=pk)
    try:
        accounts.role_grant_acknowledge(actor=request.user, grant=grant)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("home")


# ---------------------------------------------------------------------------
# Lists

LISTS: dict[str, dict[str, Any]] = {
    "intake": {
        "title": gettext_lazy("Intake"),
        "intro": gettext_lazy("New cases that nobody has taken yet."),
        "filters": ["received_after", "received_before", "topic", "channel", "sector", "q"],
        "columns": ["reference", "received_at", "employer", "topics", "channel", "due"],
        # The oldest first: they are the nearest to (or past) their triage deadline.
        "default_sort": "received",
    },
    "mine": {
        "title": gettext_lazy("My cases"),
        "intro": gettext_lazy(
            "Cases assigned to you. You see closed cases through the Status filter."
        ),
        "filters": [
            "received_after",
            "received_before",
            "state",
            "topic",
            "channel",
            "investigated",
            "overdue",
            "q",
        ],
        "columns": ["reference", "received_at", "employer", "topics", "state", "due"],
        # Overdue first, then the nearest deadline.
        "default_sort": "due",
    },
    "all": {
        "title": gettext_lazy("All cases"),
        "intro": gettext_lazy("All cases of all inspectors."),
        "filters": [
            "received_after",
            "received_before",
            "state",
            "topic",
            "only_topic",
            "sector",
            "channel",
            "inspector",
            "investigated",
            "outcome",
            "overdue",
            "not_recognised",
            "q",
        ],
        "columns": ["reference", "received_at", "employer", "topics", "state", "assignee", "due"],
        "default_sort": selectors.DEFAULT_SORT,
    },
}


# The list's name in the address of its export (cases.export_views.SCOPES), the formats.
EXPORT_SCOPES = {"intake": "intake", "mine": "mijn", "all": "alle"}
FORMATS = ("csv", "xlsx")


LIST_EXPORT_NOTE = gettext_lazy(
    "The export holds every case that matches the filter, not just this page, without the "
    "complainant’s details or any free text. Your export is recorded."
)


def export_links(
    user: Any, url_name: str, query: str, note: Any = LIST_EXPORT_NOTE, **kwargs: str
) -> dict[str, str] | None:
    """The CSV and Excel links of a list or the dashboard, for those who may export."""
    if not permissions.can_export(user):
        return None
    suffix = f"?{query}" if query else ""
    links = {fmt: reverse(url_name, kwargs={**kwargs, "fmt": fmt}) + suffix for fmt in FORMATS}
    return {**links, "note": str(note)}


def _case_list(request: AuthenticatedRequest, scope: str) -> HttpResponse:
    config = LISTS[scope]
    case_filter, cases = filtered_cases(request.user, request.GET)
    cases = selectors.narrow_to_list(cases, request.user, scope, request.GET)
    sort = selectors.parse_sort(request.GET.get("sort"), config["default_sort"])
    page = Paginator(selectors.list_rows(cases, sort), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query_with_sort = query.urlencode()  # an export keeps the list's order
    query.pop("sort", None)
    context = {
        "scope": scope,
        "config": config,
        **panel_context(case_filter, request.GET, config["filters"]),
        "page": page,
        # The rows' employers with a repeat signal (one query, for this page's rows only).
        "repeat_ids": employers.flagged_among({case.employer_id for case in page.object_list}),
        "sort": sort,
        "query": query.urlencode(),
        "can_take": scope == "intake",
        "exports": export_links(
            request.user, "case_export", query_with_sort, scope=EXPORT_SCOPES[scope]
        ),
    }
    return render(request, "cases/case_list.html", context)


@case_worker_required
@require_GET
def intake_queue(request: AuthenticatedRequest) -> HttpResponse:
    return _case_list(request, "intake")


@case_worker_required
@require_GET
def my_cases(request: AuthenticatedRequest) -> HttpResponse:
    return _case_list(request, "mine")


@supervisor_required
@require_GET
def all_cases(request: AuthenticatedRequest) -> HttpResponse:
    return _case_list(request, "all")


@case_worker_required
@require_GET
def my_deadlines(request: AuthenticatedRequest) -> HttpResponse:
    """Every due date of the user's open cases: passed, this week, later."""
    groups = selectors.my_deadlines(request.user)
    return render(request, "cases/deadlines.html", {"groups": groups})


@case_worker_required
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    """The header's search box: a reference the user may see opens that case; anything else
    opens the list (all cases for a team leader, the user's own otherwise) with `q`."""
    text = request.GET.get("q", "").strip()[:100]
    case = selectors.case_by_reference(request.user, text)
    if case is not None:
        return redirect("case_detail", reference=case.reference)
    target = "all_cases" if permissions.is_supervisor(request.user) else "my_cases"
    query = QueryDict(mutable=True)
    if text:
        query["q"] = text
    return redirect(f"{reverse(target)}?{query.urlencode()}" if text else reverse(target))


@role_required(permissions.can_register)
@require_GET
def employer_lookup(request: AuthenticatedRequest) -> JsonResponse:
    """`?kvk=12345678`: the known establishments with that KvK number, for the intake form."""
    kvk = request.GET.get("kvk", "").strip()
    found = selectors.employers_by_kvk(kvk)
    signal = employers.repeat_signal(found[0]) if found else None
    return JsonResponse(
        {
            "kvk_number": kvk,
            # The repeat signal of the KvK number (cases.employers): the reasons, in Dutch,
            # for the intake form to show; empty when the employer is not flagged.
            "repeat_signal": repeat_reasons(signal) if signal and signal.flagged else [],
            "employers": [
                {
                    "id": e.pk,
                    "name": e.name,
                    "establishment_number": e.establishment_number,
                    "address": e.visit_address,
                }
                for e in found
            ],
        }
    )


# ---------------------------------------------------------------------------
# Writes


@role_required(permissions.can_register)
@require_http_methods(["GET", "POST"])
def case_create(request: AuthenticatedRequest) -> HttpResponse:
    bound = request.POST if request.method == "POST" else None  # an empty POST too
    form = IntakeForm(bound, initial=IntakeForm.initial_now())
    if request.method == "POST":
        try:
            case = _register(request, form)
        except services.DuplicateIntakeError as exc:
            # The same form again: show the melding its first sending registered.
            messages.info(request, exc.message)
            if permissions.can_view_case(request.user, exc.case):
                return redirect("case_detail", exc.case.reference)
            return redirect("intake_queue")
        if case is not None:
            _announce_intake(request, case)
            return redirect("intake_queue")
    # Without JavaScript, the establishments of the typed KvK number come with the page.
    kvk = str(form["kvk_number"].value() or "") if form.is_bound else ""
    establishments = selectors.employers_by_kvk(kvk)
    context = {
        "form": form,
        "establishments": establishments,
        "repeat_signal": employers.repeat_signal(establishments[0]) if establishments else None,
        "chosen": str(form["employer_choice"].value() or ""),
    }
    return render(request, "cases/case_form.html", context)


def _register(request: AuthenticatedRequest, form: IntakeForm) -> Case | None:
    """Register the melding, or put every problem on the form (all at once)."""
    form_ok = form.is_valid()
    try:
        if not form_ok:
            # Still report what the services find wrong in the rest of the input.
            services.validate_intake(**form.intake_input())
            return None
        return services.case_intake(
            actor=request.user, token=form.submission_token(), **form.intake_input()
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
    except services.DuplicateIntakeError:
        raise
    except services.ServiceError as exc:
        form.add_error(None, exc.message)
    return None


def _announce_intake(request: AuthenticatedRequest, case: Case) -> None:
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("Case {reference} has been registered and is in the intake.").format(
                reference=case.reference
            ),
            reverse("case_detail", args=[case.reference]),
            _("Open case {reference}").format(reference=case.reference),
        ),
    )
    employer_link = format_html(
        '<a href="{}">{}</a>',
        reverse("employer_detail", args=[case.employer_id]),
        case.employer.name,
    )
    others = selectors.other_open_cases(request.user, case)
    if others.visible:
        references = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("case_detail", args=[o.reference]), o.reference) for o in others.visible),
        )
        messages.warning(
            request,
            format_html(
                _("Note: there are already open cases about {employer}: {references}."),
                employer=employer_link,
                references=references,
            ),
        )
    signal = employers.repeat_signal(case.employer)
    if signal.flagged:
        messages.warning(
            request,
            format_html(
                "{} {}",
                format_html(_("{employer} is a repeat employer."), employer=employer_link),
                " ".join(repeat_reasons(signal)),
            ),
        )
    if others.hidden:
        messages.warning(
            request,
            format_html(
                ngettext(
                    "There is {count} other open case about {employer} that you cannot see. Ask a "
                    "team leader ({names}) about it.",
                    "There are {count} other open cases about {employer} that you cannot see. Ask "
                    "a team leader ({names}) about them.",
                    others.hidden,
                ),
                count=others.hidden,
                employer=employer_link,
                names=", ".join(others.supervisors) or _("none is registered"),
            ),
        )


def repeat_reasons(signal: employers.RepeatSignal) -> list[str]:
    """Why an employer has a repeat signal, as sentences (the intake form's lookup)."""
    reasons = []
    if signal.many_meldingen:
        reasons.append(
            ngettext(
                "{count} case about this employer (all establishments) was received in the "
                "last {days} days.",
                "{count} cases about this employer (all establishments) were received in the "
                "last {days} days.",
                signal.meldingen,
            ).format(count=signal.meldingen, days=signal.days)
        )
    if signal.broke_agreement:
        reasons.append(
            ngettext(
                "{count} agreement was recorded as not fulfilled in the last {months} months.",
                "{count} agreements were recorded as not fulfilled in the last {months} months.",
                signal.broken,
            ).format(count=signal.broken, months=signal.months)
        )
    return reasons
