"""The OpenAPI schema (for every authenticated caller: a web form's developers need it too)
and the browsable Swagger page (for signed-in case workers; its assets are served locally
from drf-spectacular-sidecar, no CDN)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import Scope
from api.permissions import ScopedPermission
from cases import permissions


class SchemaView(SpectacularAPIView):
    permission_classes = [ScopedPermission]
    scopes = (Scope.USER, Scope.INTAKE, Scope.STATISTICS)
    user_rule = staticmethod(permissions.is_case_worker)


class SwaggerView(SpectacularSwaggerSplitView):
    permission_classes = [ScopedPermission]
    scopes = (Scope.USER,)
    user_rule = staticmethod(permissions.is_case_worker)
    session_only = True  # a page for people signed in, not for API clients
    template_name = "api/swagger_ui.html"

    def handle_exception(self, exc: Exception) -> Response:
        # The page is HTML; a refusal is a problem+json document like every API error.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)
