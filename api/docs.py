"""The OpenAPI schema (for every authenticated caller: a web form's developers need it too)
and the browsable Swagger page (for signed-in case workers; its assets are served locally
from drf-spectacular-sidecar, no CDN)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication

from api.models import Scope
from api.permissions import ScopedPermission
from cases import permissions


class SchemaView(SpectacularAPIView):
    permission_classes = [ScopedPermission]
    scopes = (Scope.USER, Scope.INTAKE, Scope.STATISTICS)
    user_rule = staticmethod(permissions.is_case_worker)


class SwaggerView(SpectacularSwaggerSplitView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [ScopedPermission]
    scopes = (Scope.USER,)
    user_rule = staticmethod(permissions.is_case_worker)
