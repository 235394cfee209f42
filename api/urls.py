"""`/api/v1/`: the API, and `/api/schema/` (OpenAPI 3) with its browsable page."""

from __future__ import annotations

from django.urls import path

from api import views
from api.actions import action_urls
from api.docs import SchemaView, SwaggerView

app_name = "api"

urlpatterns = [
    path("v1/meldingen/", views.CaseListView.as_view(), name="cases"),
    path("v1/meldingen/<str:reference>/", views.CaseDetailView.as_view(), name="case"),
    path(
        "v1/meldingen/<str:reference>/events/", views.CaseEventsView.as_view(), name="case-events"
    ),
    path(
        "v1/meldingen/<str:reference>/letters/<int:number>/",
        views.LetterView.as_view(),
        name="letter",
    ),
    *[
        path(f"v1/{pattern.pattern}", pattern.callback, name=pattern.name)
        for pattern in action_urls()
    ],
    path("v1/employers/", views.EmployerLookupView.as_view(), name="employers"),
    path("v1/statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
]
