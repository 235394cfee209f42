"""Authentication backend: Django's ModelBackend, reading permissions in one query.

Every page asks `has_perm` (through cases.permissions) and shows the user's roles (group
names) in the navigation. ModelBackend needs two queries for the permissions (the user's
own and their groups') and the navigation a third for the group names; this backend reads
all three in one UNION. The answers and the per-request caching are the same.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value

PERMISSION = ("content_type__app_label", "codename")


def _load(user: Any) -> None:
    """Fill the user's permission cache and group names from one query."""
    in_groups = (
        Group.objects.filter(user=user)
        .order_by()
        .values_list("name", *(f"permissions__{field}" for field in PERMISSION))
    )
    own = (
        Permission.objects.filter(user=user)
        .order_by()
        .annotate(no_group=Value("", output_field=CharField()))
        .values_list("no_group", *PERMISSION)
    )
    rows = list(in_groups.union(own, all=True))
    user._group_names = sorted({group for group, _app, _code in rows if group})
    if not user.is_superuser:
        user._perm_cache = {f"{app}.{code}" for _group, app, code in rows if code}


def group_names(user: Any) -> list[str]:
    """The names of the user's groups (their roles), sorted."""
    if not hasattr(user, "_group_names"):
        _load(user)
    return user._group_names


class PermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            _load(user_obj)
        return user_obj._perm_cache
