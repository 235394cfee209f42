"""HTTP views: thin wrappers around selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases import permissions, selectors
from cases.models import Case


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers; no login, no data."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in start page: the user's open meldingen and the Kamerbrief figures."""
    context = {
        "my_cases": selectors.my_cases(request.user),
        "intake_queue_size": selectors.intake_queue(request.user).count(),
        "kamerbrief": selectors.kamerbrief_counts(Case.objects.all()),
        "kamerbrief_period": selectors.KAMERBRIEF_PERIOD,
        "is_case_worker": permissions.is_case_worker(request.user),
    }
    return render(request, "cases/home.html", context)
