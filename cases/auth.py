"""Authentication backend: Django's ModelBackend, reading permissions in one query.

Every page asks `has_perm` (through cases.permissions) and shows the user's roles (group
names) in the navigation. ModelBackend needs two queries for the permissions (the user's
own and their groups') and the navigation a third for the group names; this backend reads
all three in one UNION. The answers and the per-request caching are the same.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Model, Value

from cases.types import Actor, AnyUser

PERMISSION = ("content_type__app_label", "codename")
# Cached on the user object for the request, like ModelBackend's own caches: the
# permissions under the name ModelBackend uses, the group names beside them. The user
# model declares neither attribute, hence setattr/getattr with these names.
PERM_CACHE = "_perm_cache"
GROUP_NAMES = "_group_names"


def _load(user: Actor) -> None:
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
    setattr(user, GROUP_NAMES, sorted({group for group, _app, _code in rows if group}))
    if not user.is_superuser:
        setattr(user, PERM_CACHE, {f"{app}.{code}" for _group, app, code in rows if code})


def group_names(user: Actor) -> list[str]:
    """The names of the user's groups (their roles), sorted."""
    if not hasattr(user, GROUP_NAMES):
        _load(user)
    names: list[str] = getattr(user, GROUP_NAMES)
    return names


class PermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: AnyUser, obj: Model | None = None) -> set[str]:
        if user_obj.is_anonymous or not user_obj.is_active or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, PERM_CACHE):
            _load(user_obj)
        permissions: set[str] = getattr(user_obj, PERM_CACHE)
        return permissions
