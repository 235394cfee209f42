"""The employer page and the team leaders' surge view (thin views over cases.employers and
cases.services.employers)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cases import employers, services
from cases.access import case_worker_required, supervisor_required
from cases.action_forms import assignable_users
from cases.forms import SurgeAssignForm
from cases.models import Employer
from cases.types import AuthenticatedRequest


@case_worker_required
@require_GET
def employer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Everything about one employer (its KvK number with every establishment): details,
    repeat signal, and one timeline over the cases this user may see; for the others only
    how many there are. Never melder data."""
    employer = get_object_or_404(Employer.objects.select_related("sector"), pk=pk)
    page = employers.employer_page(request.user, employer)
    return render(request, "cases/employer_detail.html", {"page": page, "employer": employer})


@supervisor_required
@require_GET
def surge(request: AuthenticatedRequest) -> HttpResponse:
    """The employers with the most open meldingen and their unassigned ones."""
    rows = employers.surge()
    context = {
        "rows": rows,
        "repeat_ids": employers.flagged_among({row.employer.pk for row in rows}),
        "assignees": list(assignable_users()),
        "limit": employers.SURGE_LIMIT,
    }
    return render(request, "cases/surge.html", context)


@supervisor_required
@require_POST
def surge_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Assign all unassigned meldingen of one employer, as the surge view showed them."""
    employer = get_object_or_404(Employer, pk=pk)
    form = SurgeAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("surge")
    assignee = form.cleaned_data["assignee"]
    try:
        assigned = services.employer_assign_unassigned(
            employer=employer, actor=request.user, assignee=assignee, versions=form.versions()
        )
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("surge")
    messages.success(
        request,
        ngettext(
            "{count} case about {employer} has been assigned to {name}.",
            "{count} cases about {employer} have been assigned to {name}.",
            len(assigned),
        ).format(
            count=len(assigned),
            employer=employer.name,
            name=assignee.get_full_name() or assignee.get_username(),
        ),
    )
    return redirect("surge")
