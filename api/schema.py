"""Pieces of the OpenAPI description shared by the views: the problem responses, the shared
filter parameters (read from `cases.filters.CaseFilter`), headers, and the statistics."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.problems import CONTENT_TYPE
from cases.dashboard.figures import Figures
from cases.filters import CaseFilter, ReferenceChoices

if TYPE_CHECKING:
    Base = serializers.Serializer[Any]
else:
    Base = serializers.Serializer


class ProblemSerializer(Base):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(  # type: ignore[assignment]  # a field named errors; DRF's metaclass moves it
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    current_version = serializers.IntegerField(required=False)


def problems(*codes: int) -> dict[Any, Any]:
    return {(code, CONTENT_TYPE): OpenApiResponse(ProblemSerializer) for code in codes}


# Visible ASCII without spaces, as a UUID or a form's submission id is.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per melding; a repeat with the same key and body returns the "
    "first answer, with a different body 422. Kept at least 24 hours.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The case's version as its ETag gave it (a stale version gives 412).",
)


def _parameter_schema(field: forms.Field) -> dict[str, Any]:
    """A filter field's values as JSON Schema: exactly what the filter accepts."""
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    choices = getattr(field, "choices", None)
    if isinstance(getattr(choices, "choices", None), ReferenceChoices):
        # Topics, sectors and assignees are data, not part of the contract: the schema is
        # the same whatever the database holds (and is built without one, by
        # `manage.py check --deploy` on a new machine). A value not known is a 400.
        return {"type": "string", "minLength": 1, "maxLength": 100}
    if choices is not None:
        values = [str(value) for value, _label in choices if value not in ("", None)]
        null_value = getattr(field, "null_value", None)
        if getattr(field, "null_label", None) and null_value:
            values.append(str(null_value))
        return {"type": "string", "enum": sorted(set(values))}
    schema: dict[str, Any] = {"type": "string"}
    max_length = getattr(field, "max_length", None)
    if max_length:
        schema["maxLength"] = max_length
    return schema


def filter_parameters() -> list[OpenApiParameter]:
    """The shared filter parameters as query parameters, from the FilterSet's form."""
    form = CaseFilter(QueryDict(), queryset=None).form
    parameters = []
    for name, field in form.fields.items():
        schema = _parameter_schema(field)
        if isinstance(field, forms.MultipleChoiceField):
            schema = {"type": "array", "items": schema}
        parameters.append(
            OpenApiParameter(
                name,
                schema,
                OpenApiParameter.QUERY,
                required=False,
                description=str(field.label or name),
            )
        )
    return parameters


def known_on_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "known_on",
        {"type": "string", "format": "date"},
        OpenApiParameter.QUERY,
        required=False,
        description="Reference date (peildatum): the figures as known at the end of that day "
        "(Europe/Amsterdam), not after today. Only meldingen registered by then count; "
        "'investigated', states and outcomes are as they stood then (from the transition "
        "Events); topics, sector and assignee are today's values; overdue is null.",
    )


class StatisticsSchema(AutoSchema):
    """The statistics' parameters: the shared filter and the reference date."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters += [*filter_parameters(), known_on_parameter()]
        return parameters


class FilteredSchema(AutoSchema):
    """The schema of a view whose GET takes the shared filter parameters."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "GET":
            parameters += filter_parameters()
        return parameters


class StatisticsSerializer(Base):
    filter = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    known_on = serializers.DateField(allow_null=True)
    received = serializers.IntegerField()
    investigated = serializers.IntegerField()
    only_not_allowed = serializers.IntegerField()
    declined = serializers.IntegerField()
    not_triaged = serializers.IntegerField()
    overdue = serializers.IntegerField(allow_null=True)
    not_recognised = serializers.IntegerField()
    not_recognised_employers = serializers.IntegerField()
    declined_by_outcome = serializers.DictField(child=serializers.IntegerField())
    by_state = serializers.DictField(child=serializers.IntegerField())
    by_sector = serializers.ListField(child=serializers.DictField())
    by_inspector = serializers.ListField(child=serializers.DictField())
    by_week = serializers.ListField(child=serializers.DictField())


def statistics_body(
    figures: Figures, canonical: QueryDict, known_on: dt.date | None = None
) -> dict[str, Any]:
    c = figures.counts
    return {
        "filter": {name: canonical.getlist(name) for name in canonical},
        "known_on": known_on.isoformat() if known_on else None,
        "received": c.received,
        "investigated": c.investigated,
        "only_not_allowed": c.only_not_allowed,
        "declined": c.declined,
        "not_triaged": c.not_triaged,
        "overdue": figures.overdue,
        "not_recognised": figures.not_recognised,
        "not_recognised_employers": figures.not_recognised_employers,
        "declined_by_outcome": dict(c.declined_by_outcome or {}),
        "by_state": dict(figures.by_state or {}),
        "by_sector": [
            {"sector": code, "name": name, "count": n} for code, name, n in figures.by_sector or []
        ],
        "by_inspector": [
            {"user_id": pk, "name": name, "count": n} for pk, name, n in figures.by_inspector or []
        ],
        "by_week": [
            {"monday": monday.isoformat(), "count": n} for monday, n in figures.by_week or []
        ],
    }
