"""The API endpoints: thin views over the same services, selectors, filters and workflow table
as the web pages. Every case lookup goes through `cases.permissions.visible_cases`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schema as openapi
from api.auth import actor_of, token_of
from api.models import IdempotencyRecord, Scope
from api.permissions import scope_of
from api.problems import Problem
from api.serializers import (
    INTAKE_ERROR_FIELDS,
    CaseDetailSerializer,
    CasePageSerializer,
    CaseSummarySerializer,
    EmployerLookupSerializer,
    EventSerializer,
    IntakeResultSerializer,
    IntakeSerializer,
)
from cases import letters, permissions, selectors, services, workflow
from cases.dashboard import as_of
from cases.dashboard import figures as dashboard_figures
from cases.dashboard import params as dashboard_params
from cases.filters import CaseFilter
from cases.models import Case, Channel, EventKind, Letter
from cases.validators import validate_kvk_number


def _owner(request: Request) -> str:
    token = token_of(request)
    return f"token:{token.client_id}" if token else f"user:{request.user.pk}"


def _request_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def case_filter_for(params: Any, queryset: QuerySet[Case]) -> CaseFilter:
    """The shared CaseFilter on the API's query parameters; a parameter given without a value
    or with a value the filter does not know is a 400 that names it."""
    empty = sorted(name for name in CaseFilter.base_filters if "" in params.getlist(name))
    if empty:
        message = _("Give a value, or leave the parameter out.")
        raise Problem(
            400,
            _("One or more filter parameters are invalid."),
            errors={name: [message] for name in empty},
        )
    case_filter = CaseFilter(params, queryset=queryset)
    if not case_filter.is_valid():
        raise Problem(
            400,
            _("One or more filter parameters are invalid."),
            errors={name: list(errs) for name, errs in case_filter.errors.items()},
        )
    return case_filter


def known_on_for(params: Any) -> dt.date | None:
    """The statistics' reference date (`known_on`, a date up to today): the figures as known
    at the end of that day, Europe/Amsterdam. Empty or invalid is a 400 that names it."""
    if dashboard_params.KNOWN_ON not in params:
        return None
    form = dashboard_params.known_on_form(params)
    value = params.get(dashboard_params.KNOWN_ON)
    if not value or not form.is_valid():
        messages: list[str] = (
            [str(error) for error in form.errors.get(dashboard_params.KNOWN_ON, ())]
            if value
            else [_("Give a value, or leave the parameter out.")]
        )
        raise Problem(
            400,
            _("One or more filter parameters are invalid."),
            errors={dashboard_params.KNOWN_ON: messages},
        )
    known_on: dt.date | None = form.cleaned_data[dashboard_params.KNOWN_ON]
    return known_on


def _service_errors(exc: DjangoValidationError, names: dict[str, str]) -> Problem:
    errors: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            errors.setdefault(names.get(key, key), []).extend(messages)
    else:
        errors[""] = list(exc.messages)
    return Problem(400, _("Correct the input: see the errors per field."), errors=errors)


def case_etag(case: Case) -> str:
    return f'"{case.version}"'


# ---------------------------------------------------------------------------
# Meldingen: registering and listing


class CasePagination(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CaseListView(APIView):
    """`GET`: the meldingen the caller may see, with the shared filter parameters.
    `POST`: register a melding (the web form's intake), idempotent by `Idempotency-Key`."""

    scopes: tuple[str, ...] = (Scope.USER, Scope.INTAKE)
    schema = openapi.FilteredSchema()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Listing is for case workers; registering also for intake tokens.
        reading = request.method == "GET"
        self.scopes = (Scope.USER,) if reading else (Scope.USER, Scope.INTAKE)
        self.user_rule = permissions.is_case_worker if reading else permissions.can_register
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="meldingen_list",
        responses={200: CasePageSerializer, **openapi.problems(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        case_filter = case_filter_for(request.query_params, permissions.visible_cases(request.user))
        rows = selectors.list_rows(case_filter.qs, "-received").order_by("-received_at", "-id")
        paginator = CasePagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = CaseSummarySerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="meldingen_create",
        request=IntakeSerializer,
        parameters=[openapi.IDEMPOTENCY_KEY],
        responses={
            201: IntakeResultSerializer,
            **openapi.problems(400, 401, 403, 415, 422, 428, 429),
        },
    )
    def post(self, request: Request) -> Response:
        payload = request.data  # parsed first: a body that is not JSON is 415 or 400
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise Problem(
                428,
                _(
                    "Send an Idempotency-Key header, so that a repeated request is not "
                    "registered twice."
                ),
                slug="idempotency-key-required",
            )
        if not re.fullmatch(openapi.IDEMPOTENCY_KEY_PATTERN, key):
            raise Problem(400, _("The Idempotency-Key header is too long or invalid."))
        serializer = IntakeSerializer(data=payload)
        request_hash = _request_hash(payload)
        owner = _owner(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner, key=key, request_hash=request_hash, status=0, body={}
                    )
            except IntegrityError:
                # The same key was used before (or is being used right now: the insert
                # waited for that request's transaction to commit).
                return _replay(IdempotencyRecord.objects.get(owner=owner, key=key), request_hash)
            serializer.is_valid(raise_exception=True)
            received_at = serializer.validated_data.get("received_at") or timezone.now()
            channel = serializer.validated_data.get("channel") or Channel.WEBFORMULIER
            if scope_of(request) == Scope.INTAKE:
                channel = Channel.WEBFORMULIER
            try:
                case = services.case_intake(
                    actor=actor_of(request),
                    received_at=received_at,
                    channel=channel,
                    **serializer.service_input(),
                )
            except DjangoValidationError as exc:
                raise _service_errors(exc, INTAKE_ERROR_FIELDS) from exc
            except services.NotPermittedError as exc:
                raise Problem(403, exc.message) from exc
            body = dict(IntakeResultSerializer(case).data)
            record.status, record.body = 201, body
            record.save(update_fields=["status", "body"])
        return Response(
            body, status=201, headers={"Location": reverse("api:case", args=[case.reference])}
        )


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise Problem(
            422,
            _("This Idempotency-Key was already used for a different request."),
            slug="idempotency-key-reused",
        )
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"})


# ---------------------------------------------------------------------------
# One melding


def _visible_case(request: Request, reference: str) -> Case:
    case = selectors.case_page(request.user, reference)
    if case is None:
        raise Problem(404, _("There is no case with this reference that you may see."))
    return case


def case_response(request: Request, case: Case, *, status: int = 200) -> Response:
    user = request.user
    show_melder = permissions.can_view_melder(user, case)
    if show_melder:
        services.record_melder_view(case=case, actor=actor_of(request))
    actions = [
        {
            "name": action.name,
            "label": str(action.label),
            "method": "POST",
            "url": reverse(f"api:action-{action.name}", args=[case.reference]),
        }
        for action in workflow.allowed_actions(user, case)
        if action.is_write and action.form
    ]
    # The cases it refers to (a duplicate's main case, a bundle's lead or attached cases)
    # are named only when this user may see them.
    bundled = dict(case.bundled.order_by("reference").values_list("pk", "reference"))
    linked = {pk for pk in (case.main_case_id, case.bundle_lead_id) if pk} | set(bundled)
    visible_ids = (
        set(permissions.visible_cases(user).filter(pk__in=linked).values_list("pk", flat=True))
        if linked
        else set()
    )
    context = {
        "show_melder": show_melder,
        "allowed_actions": actions,
        "visible_ids": visible_ids,
        "bundled": bundled,
    }
    data = CaseDetailSerializer(case, context=context).data
    return Response(data, status=status, headers={"ETag": case_etag(case)})


class CaseDetailView(APIView):
    """One melding. A `user`-scope caller gets what its page shows (melder data only where
    the web shows it, each read an Event) and the actions it may take now; an intake token
    gets back only the reference and received date of meldingen it registered."""

    scopes = (Scope.USER, Scope.INTAKE)

    @extend_schema(
        operation_id="meldingen_retrieve",
        responses={
            200: OpenApiResponse(
                CaseDetailSerializer,
                description="For an intake token: only `reference` and `received_at`.",
            ),
            **openapi.problems(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        if scope_of(request) == Scope.INTAKE:
            case = Case.objects.filter(created_by=actor_of(request), reference=reference).first()
            if case is None:
                raise Problem(404, _("There is no case with this reference that you may see."))
            return Response(IntakeResultSerializer(case).data)
        return case_response(request, _visible_case(request, reference))


class CaseEventsView(APIView):
    """The timeline of a melding, oldest first (views of melder data are audit records, not
    listed)."""

    @extend_schema(
        operation_id="meldingen_events",
        responses={200: EventSerializer(many=True), **openapi.problems(401, 403, 404, 429)},
    )
    def get(self, request: Request, reference: str) -> Response:
        case = _visible_case(request, reference)
        events = sorted(
            (e for e in case.events.all() if e.kind != EventKind.MELDER_VIEWED),
            key=lambda e: (e.created_at, e.pk),
        )  # in the order they happened (the case page shows the newest first)
        people = selectors.people_named_in(events)
        return Response(EventSerializer(events, many=True, context={"people": people}).data)


class LetterView(APIView):
    """A stored letter as PDF, through the same permission check as the web; each download
    is an Event."""

    @extend_schema(
        operation_id="meldingen_letter",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **openapi.problems(401, 403, 404, 429),
        },
    )
    def get(self, request: Request, reference: str, number: int) -> HttpResponse:
        case = _visible_case(request, reference)
        letter = Letter.objects.select_related("case").filter(case=case, number=number).first()
        if letter is None:
            raise Problem(404, _("This letter does not exist."))
        try:
            content = services.letter_download(letter=letter, actor=actor_of(request))
        except services.NotPermittedError as exc:
            raise Problem(403, exc.message) from exc
        except services.ServiceError as exc:
            raise Problem(409, exc.message) from exc
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            content_disposition_header(True, letters.download_filename(letter)) or ""
        )
        response["Cache-Control"] = "private, no-store"
        return response


# ---------------------------------------------------------------------------
# Employers


class EmployerLookupView(APIView):
    """The registered establishments with a KvK number, for registering a melding: case
    workers only (which employers are registered is itself not public)."""

    user_rule = staticmethod(permissions.can_register)

    @extend_schema(
        operation_id="employers_lookup",
        parameters=[
            OpenApiParameter(
                "kvk",
                {"type": "string", "pattern": r"^[0-9]{8}$"},
                OpenApiParameter.QUERY,
                required=True,
                description="The KvK number (8 digits).",
            )
        ],
        responses={200: EmployerLookupSerializer, **openapi.problems(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        kvk = request.query_params.get("kvk", "")
        try:
            validate_kvk_number(kvk)
        except DjangoValidationError as exc:
            message = _("One or more filter parameters are invalid.")
            raise Problem(400, message, errors={"kvk": list(exc.messages)}) from exc
        employers = selectors.employers_by_kvk(kvk)
        return Response(EmployerLookupSerializer({"kvk_number": kvk, "employers": employers}).data)


# ---------------------------------------------------------------------------
# Statistics


class StatisticsView(APIView):
    """The dashboard's figures for the shared filter parameters: team leaders and
    `statistics` tokens. Counts only, never a case."""

    scopes = (Scope.USER, Scope.STATISTICS)
    user_rule = staticmethod(permissions.can_view_dashboard)
    schema = openapi.StatisticsSchema()

    @extend_schema(
        operation_id="statistics",
        responses={200: openapi.StatisticsSerializer, **openapi.problems(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        base: QuerySet[Case] = (
            Case.objects.all()
            if scope_of(request) == Scope.STATISTICS
            else permissions.visible_cases(request.user)
        )
        case_filter = case_filter_for(request.query_params, base)
        known_on = known_on_for(request.query_params)
        canonical = dashboard_params.canonical_params(case_filter)
        today = timezone.localdate()
        if known_on is not None:
            figures = as_of.figures_as_of(case_filter.qs, as_of.end_of_day(known_on), today=today)
        else:
            figures = dashboard_figures.dashboard_figures(case_filter.qs, today=today)
        return Response(openapi.statistics_body(figures, canonical, known_on))
