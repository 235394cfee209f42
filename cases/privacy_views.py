"""Pages of the Privacyfunctionaris (privacy officer), and nobody else: who viewed a case's
melder data, Events by actor and period (with a CSV export), and AVG access requests."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import permissions, privacy
from cases import validators as v
from cases.access import role_required
from cases.fields import SaneDateField
from cases.letters import render_pdf
from cases.models import Case, EventKind
from cases.services import audit
from cases.types import AuthenticatedRequest

EVENTS_PER_PAGE = 100

privacy_required = role_required(permissions.can_audit)


class CaseLookupForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=20)

    def reference_text(self) -> str:
        return str(self.cleaned_data.get("reference") or "").strip().upper()


class PersonField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return privacy.person_name(obj)


class EventFilterForm(forms.Form):
    actor = PersonField(
        label=gettext_lazy("By"),
        queryset=privacy.actors(),
        required=False,
        empty_label=gettext_lazy("Everyone"),
    )
    start = SaneDateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = SaneDateField(
        label=gettext_lazy("Up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *EventKind.choices],
    )

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "actor": data.get("actor"),
            "start": data.get("start"),
            "end": data.get("end"),
            "kind": data.get("kind") or "",
        }


class AccessRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(
        label=gettext_lazy("Phone number"),
        required=False,
        max_length=30,
        validators=[v.validate_phone],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("email") or data.get("phone")):
            raise ValidationError(_("Fill in the e-mail address or the phone number (or both)."))
        return data


@privacy_required
@require_GET
def privacy_home(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseLookupForm(request.GET or None)
    if form.is_bound and form.is_valid():
        reference = form.reference_text()
        if Case.objects.filter(reference=reference).exists():
            return redirect("privacy_case_views", reference=reference)
        form.add_error("reference", _("There is no case with this reference."))
    return render(request, "cases/privacy/home.html", {"form": form})


@privacy_required
@require_GET
def privacy_case_views(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Who viewed this case's melder data and description, and when (no melder data)."""
    case = get_object_or_404(
        Case.objects.only("pk", "reference", "anonymised_at"), reference=reference
    )
    context = {"case": case, "views": privacy.melder_views(case)}
    return render(request, "cases/privacy/case_views.html", context)


@privacy_required
@require_GET
def privacy_events(request: AuthenticatedRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    found = privacy.events(**form.criteria())
    page = Paginator(found, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "cases/privacy/events.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required  # and can_audit, below (privacy_required is typed for HttpResponse views)
@require_GET
def privacy_events_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """The Events of the filter as CSV (semicolons, as Dutch spreadsheets expect); an Event."""
    if not permissions.can_audit(request.user):
        raise PermissionDenied
    form = EventFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return redirect(f"{_reverse('privacy_events')}?{request.GET.urlencode()}")
    found = privacy.events(**form.criteria())
    query = request.GET.copy()
    audit.record_events_export(actor=request.user, query=query.urlencode(), rows=found.count())

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo(), delimiter=";")
        yield "\ufeff" + writer.writerow(
            [
                _("Time"),
                _("Name"),
                _("Username"),
                _("Kind (code)"),
                _("Kind"),
                _("Case"),
                _("From status"),
                _("To status"),
                _("Data"),
            ]
        )
        for row in privacy.event_rows(found):
            yield writer.writerow(row)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gebeurtenissen-{stamp}.csv"'
    return response


def _reverse(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@privacy_required
@never_cache
@require_http_methods(["GET", "POST"])
def access_request(request: AuthenticatedRequest) -> HttpResponse:
    """An AVG access request: the meldingen holding a melder's data (found by e-mail address
    or phone number), the data held and who viewed it; on screen or as a PDF. Each search is
    an Event, without what was searched for."""
    form = AccessRequestForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "cases/privacy/access_request.html", {"form": form})
    email, phone = form.cleaned_data.get("email") or "", form.cleaned_data.get("phone") or ""
    held = privacy.data_held(email=email, phone=phone)
    as_pdf = "pdf" in request.POST
    audit.record_access_request(actor=request.user, cases=[h.case for h in held], pdf=as_pdf)
    context = {
        "form": form,
        "held": held,
        "searched_email": email,
        "searched_phone": v.normalize_phone(phone),
        "made_at": timezone.localtime(),
        "made_by": privacy.person_name(request.user),
    }
    if not as_pdf:
        return render(request, "cases/privacy/access_request.html", context)
    html = render_to_string("cases/letters/access_request.html", context)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inzageverzoek-{stamp}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
