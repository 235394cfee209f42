"""`POST /api/v1/meldingen/{reference}/actions/{action}/`: every write of the workflow table,
each with its own URL and input schema.

The input is parsed by the same form the case page posts (`cases.action_forms`, named by the
table) and carried out by the same service; the input schema is derived from that form.
`If-Match` carries the case version: without it 428, stale 412 (with the current version),
not possible now 409 (with the reason), not for this role 403. Issuing a letter that fails
the issuing checks (`cases.letter_checks`) is 422 `letter-checks-failed`, with the failed
checks' messages per field in `errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schema
from api.auth import actor_of
from api.problems import Problem
from api.serializers import Base, CaseDetailSerializer
from api.views import _visible_case, case_response
from cases import selectors, services, workflow
from cases.action_forms import ActionForm
from cases.forms import apply_service_errors
from cases.letter_checks import LetterChecksError
from cases.models import Case
from cases.workflow import Action

# Fields of every action form that the API carries in headers instead (If-Match).
HEADER_FIELDS = {"version", "seen_at"}


def _serializer_field(field: forms.Field) -> serializers.Field[Any, Any, Any, Any]:
    common: dict[str, Any] = {"required": False, "help_text": str(field.help_text or "")}
    if field.label:
        common["label"] = str(field.label)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=True, **common)
    if isinstance(field, forms.MultipleChoiceField):
        choices = [value for value, _label in cast(Iterable[tuple[Any, Any]], field.choices)]
        if not choices:  # choices that depend on the case (references of cases)
            return serializers.ListField(child=serializers.CharField(max_length=20), **common)
        return serializers.ListField(child=serializers.ChoiceField(choices=choices), **common)
    if isinstance(field, forms.ChoiceField):
        choices = [value for value, _label in cast(Iterable[tuple[Any, Any]], field.choices)]
        return serializers.ChoiceField(choices=choices, allow_blank=True, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=True, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=True, **common)
    if isinstance(field, forms.TimeField):
        return serializers.TimeField(allow_null=True, **common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(allow_null=True, **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    max_length = getattr(field, "max_length", None)
    return serializers.CharField(allow_blank=True, max_length=max_length, **common)


def input_serializer(action: Action) -> type[Base]:
    """The action's input, as the API documents it: its form's fields."""
    fields = {
        name: _serializer_field(field)
        for name, field in action.form_class.base_fields.items()
        if name not in HEADER_FIELDS
    }
    name = "".join(part.capitalize() for part in action.name.split("_")) + "Input"
    return type(name, (Base,), {**fields, "__doc__": str(action.label)})


def _form_data(payload: Any) -> QueryDict:
    """The JSON body as the form data a browser would have posted."""
    data = QueryDict(mutable=True)
    if not isinstance(payload, dict):
        return data
    for key, value in payload.items():
        if key in HEADER_FIELDS:
            continue
        values = value if isinstance(value, list) else [value]
        data.setlist(str(key), ["" if v is None else _text(v) for v in values])
    return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def if_match_version(request: Request) -> int:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise Problem(
            428,
            _("Send the case's version in an If-Match header (the ETag of the case)."),
            slug="if-match-required",
        )
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise Problem(400, _("If-Match must be the case's version, a whole number."))
    return int(value)


class ActionView(APIView):
    workflow_action: Action

    def post(self, request: Request, reference: str) -> Response:
        version = if_match_version(request)
        case = _visible_case(request, reference)
        spec = self.workflow_action
        actor = actor_of(request)
        try:
            # Before the input: an action not possible now is 409, not for this role 403.
            services.ensure_allowed(spec, case, actor)
        except services.NotPermittedError as exc:
            raise Problem(403, exc.message) from exc
        except services.InvalidStateError as exc:
            raise Problem(409, exc.message, slug="not-possible-now") from exc
        form: ActionForm = spec.form_class(_form_data(request.data), case=case, user=request.user)
        form.is_valid()  # parsing only; the service validates and says what is wrong
        try:
            inputs = form.service_input()
            spec.run(case=case, actor=actor, version=version, **inputs)
        except services.StaleVersionError as exc:
            current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
            raise Problem(412, exc.message, extra={"current_version": current}) from exc
        except DjangoValidationError as exc:
            # As on the case page: a field that could not be parsed keeps that message.
            apply_service_errors(form, exc)
            errors = {
                ("" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in form.errors.items()
            }
            message = _("Correct the input: see the errors per field.")
            raise Problem(400, message, errors=errors) from exc
        except services.NotPermittedError as exc:
            raise Problem(403, exc.message) from exc
        except LetterChecksError as exc:
            # Which check failed in which field (codes), and the Dutch message per field.
            problems: dict[str, list[str]] = {}
            for problem in exc.problems:
                problems.setdefault(problem.field, []).append(problem.message)
            raise Problem(422, exc.message, slug="letter-checks-failed", errors=problems) from exc
        except services.ServiceError as exc:
            status = 404 if exc.code == "not_found" else 409
            raise Problem(status, exc.message, slug="not-possible-now") from exc
        updated = selectors.case_page(request.user, reference)
        if updated is None:  # the user may no longer see it (say, after assigning it away)
            return Response(status=204)
        return case_response(request, updated)


# The actions that issue a letter, and so may fail the issuing checks.
LETTER_CHECK_STATUS: dict[str, tuple[int, ...]] = {
    "letter_confirm": (422,),
    "letter_regenerate": (422,),
}


def action_urls() -> list[URLPattern]:
    """One URL per write of the workflow table that has a form."""
    patterns = []
    for action in workflow.ACTIONS.values():
        if not (action.is_write and action.form):
            continue

        def post(self: ActionView, request: Request, reference: str) -> Response:
            return ActionView.post(self, request, reference)

        post = extend_schema(
            operation_id=f"meldingen_action_{action.name}",
            summary=str(action.label),
            request=input_serializer(action),
            parameters=[schema.IF_MATCH],
            responses={
                200: CaseDetailSerializer,
                204: None,
                **schema.problems(
                    400,
                    401,
                    403,
                    404,
                    409,
                    412,
                    *LETTER_CHECK_STATUS.get(action.name, ()),
                    428,
                    429,
                ),
            },
        )(post)
        view: type[ActionView] = type(
            f"{action.name.title().replace('_', '')}ActionView",
            (ActionView,),
            {"workflow_action": action, "post": post, "__doc__": str(action.label)},
        )
        patterns.append(
            path(
                f"meldingen/<str:reference>/actions/{action.name}/",
                view.as_view(),
                name=f"action-{action.name}",
            )
        )
    return patterns
