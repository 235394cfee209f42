"""The two reads of letters, with their own addresses: the draft preview and the download of
a stored letter. Issuing, recording as sent and regenerating are actions of the workflow
table, posted to the case's action route (`cases.case_views.case_action`).

Case lookup goes through `permissions.visible_cases`, so a case outside the user's scope is a
404; the rest is the workflow table's check for the action (`letter_preview`,
`letter_download`). Letters are served only here, never from a public media or static URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import letters, services, workflow
from cases.access import case_worker_required, visible_case_or_404
from cases.models import Case, Letter
from cases.types import AuthenticatedRequest

CASES = Case.objects.select_related("employer")


def _pdf_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or ""
    response["Cache-Control"] = "private, no-store"
    return response


def _back_to(case: Case) -> HttpResponse:
    return redirect(f"{reverse('case_detail', args=[case.reference])}#brieven")


@case_worker_required
@require_GET
def letter_preview(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The draft letter (watermarked CONCEPT), shown in the browser or, with `?download=1`,
    as a download: the user chooses on the case page. Nothing is stored."""
    case = visible_case_or_404(request, reference, CASES)
    try:
        services.ensure_allowed("letter_preview", case, request.user)
    except services.NotPermittedError as exc:
        raise PermissionDenied from exc
    except services.InvalidStateError:
        states = ", ".join(f"‘{workflow.state_label(s)}’" for s in workflow.preview_states())
        messages.error(
            request,
            _("A draft letter is only available for a case with status {states}.").format(
                states=states
            ),
        )
        return _back_to(case)
    try:
        pdf = letters.render_draft(case)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return _back_to(case)
    download = request.GET.get("download") == "1"
    return _pdf_response(pdf, f"{case.reference}-concept.pdf", attachment=download)


@case_worker_required
@require_GET
def letter_download(request: AuthenticatedRequest, reference: str, number: int) -> HttpResponse:
    """A stored letter as an attachment; each download is an Event."""
    case = visible_case_or_404(request, reference, CASES)
    letter = get_object_or_404(Letter.objects.select_related("case"), case=case, number=number)
    try:
        content = services.letter_download(letter=letter, actor=request.user)
    except services.NotPermittedError as exc:
        raise PermissionDenied from exc
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return _back_to(case)
    return _pdf_response(content, letters.download_filename(letter), attachment=True)
