"""HTTP views for the confirmation letter: thin wrappers around `cases.letters` and services.

Case lookup goes through `permissions.visible_cases`, so a case outside the user's scope is a
404; acting needs `permissions.can_act_on_case` (else 403), regenerating is for supervisors.
Writes are POST-only (CSRF) and report in Dutch via django.contrib.messages, then redirect back
to a safe local `next` URL or the home page. Letters are served only here, never from a public
media or static URL.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import letters, permissions, services
from cases.access import case_worker_required, visible_case_or_404
from cases.models import Case, Letter, SentVia, State

CASES = Case.objects.select_related("employer")
PREVIEW_STATES = (State.EMPLOYER_CALLED, State.AGREEMENTS_CONFIRMED)


class VersionForm(forms.Form):
    """The case version the user saw; a missing or bad value is treated as stale."""

    version = forms.IntegerField(required=False, min_value=1)

    def version_or_none(self) -> int | None:
        return self.cleaned_data.get("version") if self.is_valid() else None


class MarkSentForm(VersionForm):
    # Not required here: the service says in Dutch what is missing.
    sent_at = forms.DateField(required=False, label=gettext_lazy("Sent on"))
    sent_via = forms.CharField(required=False, label=gettext_lazy("Sent via"))


class RegenerateForm(VersionForm):
    reason = forms.CharField(required=False, label=gettext_lazy("Reason"))


def _require_act(request: HttpRequest, case: Case) -> None:
    if not permissions.can_act_on_case(request.user, case):
        raise PermissionDenied


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")


def _report(request: HttpRequest, exc: services.ServiceError | ValidationError) -> None:
    if isinstance(exc, services.ServiceError):
        messages.error(request, exc.message)
        return
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: forms.Form) -> bool:
    """Report field errors other than `version` (a stale version is the service's to say)."""
    form.is_valid()
    reported = False
    for name, errors in form.errors.items():
        if name == "version":
            continue
        label = form.fields[name].label or name
        for error in errors:
            messages.error(request, f"{label}: {error}")
            reported = True
    return reported


def _pdf_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@case_worker_required
@require_GET
def letter_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The draft letter (watermarked CONCEPT), shown inline; nothing is stored."""
    case = visible_case_or_404(request, reference, CASES)
    _require_act(request, case)
    if case.state not in PREVIEW_STATES:
        messages.error(
            request,
            _(
                "A draft letter is only available once the employer has been called (status "
                "‘Employer called’)."
            ),
        )
        return _back(request)
    try:
        pdf = letters.render_draft(case)
    except services.ServiceError as exc:
        _report(request, exc)
        return _back(request)
    return _pdf_response(pdf, f"{case.reference}-concept.pdf", attachment=False)


@case_worker_required
@require_POST
def letter_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    """Confirm the agreements and issue the final letter."""
    case = visible_case_or_404(request, reference, CASES)
    _require_act(request, case)
    form = VersionForm(request.POST)
    try:
        letter = letters.issue_confirmation_letter(
            case=case, actor=request.user, version=form.version_or_none()
        )
    except (services.ServiceError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _(
                "The agreements are confirmed and letter {number} has been generated. Download "
                "the letter, send it and then record that it was sent."
            ).format(number=letter.number),
        )
    return _back(request)


@case_worker_required
@require_GET
def letter_download(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    """A stored letter as an attachment; each download is an Event."""
    case = visible_case_or_404(request, reference, CASES)
    letter = get_object_or_404(Letter.objects.select_related("case"), case=case, number=number)
    try:
        content = services.letter_download(letter=letter, actor=request.user)
    except services.NotPermittedError as exc:
        raise PermissionDenied from exc
    except services.ServiceError as exc:
        _report(request, exc)
        return _back(request)
    return _pdf_response(content, letters.download_filename(letter), attachment=True)


@case_worker_required
@require_POST
def letter_mark_sent(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    """Record when and how a letter was sent."""
    case = visible_case_or_404(request, reference, CASES)
    _require_act(request, case)
    letter = get_object_or_404(Letter, case=case, number=number)
    form = MarkSentForm(request.POST)
    if _form_errors(request, form):
        return _back(request)
    sent_via = form.cleaned_data["sent_via"]
    try:
        services.letter_mark_sent(
            letter=letter,
            actor=request.user,
            version=form.cleaned_data.get("version"),
            sent_at=form.cleaned_data["sent_at"],
            sent_via=sent_via,
        )
    except (services.ServiceError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("Letter {number} has been recorded as sent ({via}).").format(
                number=letter.number, via=SentVia(sent_via).label.lower()
            ),
        )
    return _back(request)


@case_worker_required
@require_POST
def letter_regenerate(request: HttpRequest, reference: str) -> HttpResponse:
    """Supervisor only: a new version of the letter, with a reason."""
    case = visible_case_or_404(request, reference, CASES)
    if not permissions.can_regenerate_letter(request.user, case):
        raise PermissionDenied
    form = RegenerateForm(request.POST)
    if _form_errors(request, form):
        return _back(request)
    try:
        letter = letters.regenerate_confirmation_letter(
            case=case,
            actor=request.user,
            version=form.cleaned_data.get("version"),
            reason=form.cleaned_data["reason"],
        )
    except (services.ServiceError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("Letter {number} has been generated; the earlier versions are kept.").format(
                number=letter.number
            ),
        )
    return _back(request)
