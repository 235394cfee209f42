"""Authentication backend: Django's ModelBackend, reading permissions in one query.

Every page asks `has_perm` (through cases.permissions); ModelBackend answers the first
question with two queries (the user's own permissions and their groups'). This backend
reads both in one UNION; the answers and the per-request cache are the same.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class PermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).order_by().values_list(*fields)
            groups = Permission.objects.filter(group__user=user_obj).order_by().values_list(*fields)
            user_obj._perm_cache = {f"{app}.{code}" for app, code in own.union(groups)}
        return user_obj._perm_cache
