"""Template helpers for case lists."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.inclusion_tag("cases/includes/sort_header.html", takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    """A column header that sorts the list by `key`; a second click reverses."""
    current = context.get("sort", "")
    if current == key:
        direction, next_sort = "ascending", f"-{key}"
    elif current == f"-{key}":
        direction, next_sort = "descending", key
    else:
        direction, next_sort = "", key
    query = QueryDict(mutable=True)
    query.update(context["request"].GET)
    query.pop("page", None)
    query["sort"] = next_sort
    return {"label": label, "direction": direction, "href": f"?{query.urlencode()}"}
