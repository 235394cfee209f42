"""Exports of the case lists and the dashboard as CSV or XLSX, for team leaders (thin views).

The rows come from the shared filter (`cases.filters.filtered_cases`) narrowed to the list,
the dashboard's figures from the same function the dashboard page uses
(`cases.dashboard.day_counts.figures_for`). Each export is an Event, written before any row
leaves; the file is streamed (`cases.exports.writers`).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import permissions, selectors, services
from cases.access import role_required
from cases.dashboard.current import current_figures
from cases.dashboard.params import canonical_params
from cases.dashboard.presentation import present
from cases.exports.case_rows import COLUMNS, case_rows, header
from cases.exports.dashboard import dashboard_sheets, row_count, top_lines
from cases.exports.names import file_name
from cases.exports.writers import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    XLSX_MAX_ROWS,
    Sheet,
    csv_chunks,
    xlsx_chunks,
)
from cases.filters import filtered_cases
from cases.types import AuthenticatedRequest
from cases.views import LISTS

# The list in the URL -> (the list's key in views.LISTS, its page, the file's name)
SCOPES = {
    "intake": ("intake", "intake_queue", "meldingen-intake"),
    "mijn": ("mine", "my_cases", "meldingen-mijn"),
    "alle": ("all", "all_cases", "meldingen-alle"),
}
FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}

export_required = role_required(permissions.can_export)


def _download(chunks: Iterator[bytes], fmt: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@export_required
@require_GET
def case_export(request: AuthenticatedRequest, scope: str, fmt: str) -> HttpResponseBase:
    """The list `scope` with the request's filter and sort, every row (not just a page)."""
    if scope not in SCOPES or fmt not in FORMATS:
        raise Http404
    key, page, what = SCOPES[scope]
    query = request.GET.copy()
    query.pop("page", None)
    back = f"{reverse(page)}?{query.urlencode()}"
    case_filter, cases = filtered_cases(request.user, request.GET)
    if not case_filter.is_valid():
        messages.error(request, _("The filter is invalid; correct it before exporting."))
        return redirect(back)
    cases = selectors.narrow_to_list(cases, request.user, key, request.GET)
    rows = cases.count()
    if fmt == "xlsx" and rows >= XLSX_MAX_ROWS:
        messages.error(
            request,
            _(
                "Excel holds at most %(max)s rows per sheet and this list has %(rows)s cases. "
                "Narrow the filter or export it as CSV."
            )
            % {
                "max": number_format(XLSX_MAX_ROWS - 1, force_grouping=True),
                "rows": number_format(rows, force_grouping=True),
            },
        )
        return redirect(back)
    params = canonical_params(case_filter)
    services.record_export(
        actor=request.user, export=key, fmt=fmt, query=params.urlencode(), rows=rows
    )
    sort = request.GET.get("sort")
    sheet = Sheet(
        _("Cases"),
        header(),
        case_rows(cases, sort, LISTS[key]["default_sort"]),
        widths=[column.width for column in COLUMNS],
    )
    chunks = csv_chunks([sheet]) if fmt == "csv" else xlsx_chunks([sheet])
    return _download(chunks, fmt, file_name(what, params, timezone.localdate(), fmt))


@export_required
@require_GET
def dashboard_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    """The dashboard's figures for the request's filter: the headline figures and every
    breakdown on a sheet of its own (CSV: a section each), under the filter, the reference
    date and the paragraph for the ministry."""
    if fmt not in FORMATS:
        raise Http404
    _filter, current = current_figures(request.user, request.GET)
    if current is None:
        messages.error(request, _("The filter is invalid; correct it before exporting."))
        return redirect(f"{reverse('dashboard')}?{request.GET.urlencode()}")
    moment = timezone.localtime()
    query = current.query
    sheets = dashboard_sheets(
        present(
            current.figures, None, start=current.start, end=current.end, known_on=current.known_on
        )
    )
    top = top_lines(current.description, moment, current.paragraph, current.known_on)
    services.record_export(
        actor=request.user,
        export="dashboard",
        fmt=fmt,
        query=query.urlencode(),
        rows=row_count(sheets),
    )
    chunks = csv_chunks(sheets, top, titled=True) if fmt == "csv" else xlsx_chunks(sheets, top)
    return _download(chunks, fmt, file_name("cijfers", query, moment.date(), fmt))
