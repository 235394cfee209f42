"""Template helpers for case lists."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils import formats

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


@register.filter
def number(value: Any) -> str:
    """A whole number with the Dutch thousands separator: 1127 -> "1.127"."""
    return formats.number_format(value, force_grouping=True)


@register.filter
def case_count(value: int) -> str:
    """ "1 melding", "1.127 meldingen": a number of cases, thousands grouped."""
    from django.utils.translation import ngettext

    text = ngettext("%(counter)s case", "%(counter)s cases", value)
    return text % {"counter": number(value)}


@register.filter
def row_actions(panels: Any, row: Any) -> list[Any]:
    """The actions of the case page for one agreement or letter (cases.case_views.Panels)."""
    return list(panels.for_row(row))


@register.simple_tag
def event_details(event: Any, people: dict[int, str]) -> list[str]:
    """Readable details of an Event for the timeline (never melder data: Events hold none)."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.dateparse import parse_date
    from django.utils.translation import gettext as _

    from cases.models import (
        AgreementStatus,
        Criterion,
        EmployerResponse,
        EventKind,
        Outcome,
        SentVia,
        State,
    )

    data = event.data or {}
    lines: list[str] = []

    def label(choices: Any, value: str) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return value

    def day(value: str) -> str:
        parsed = parse_date(value or "")
        return date_filter(parsed, "j F Y") if parsed else value

    if event.from_state and event.to_state:
        lines.append(
            _("Status: {old} → {new}").format(
                old=label(State, event.from_state), new=label(State, event.to_state)
            )
        )
    if data.get("assignee_id"):
        lines.append(_("Handled by: {name}").format(name=people.get(data["assignee_id"], "?")))
    if data.get("outcome"):
        lines.append(_("Outcome: {outcome}").format(outcome=label(Outcome, data["outcome"])))
    if data.get("main_case"):
        lines.append(_("Main case: {reference}").format(reference=data["main_case"]))
    if data.get("reason"):
        lines.append(_("Reason: {reason}").format(reason=data["reason"]))
    if data.get("employer_response"):
        lines.append(label(EmployerResponse, data["employer_response"]))
    if data.get("criteria"):
        lines.append(
            _("Criteria discussed: {criteria}").format(
                criteria="; ".join(label(Criterion, c) for c in data["criteria"])
            )
        )
    if data.get("status"):
        lines.append(
            _("Agreement status: {status}").format(status=label(AgreementStatus, data["status"]))
        )
    if data.get("due_date") and event.kind != EventKind.TAKE_INTO_INVESTIGATION:
        lines.append(_("Due: {date}").format(date=day(data["due_date"])))
    if data.get("letter_number"):
        lines.append(_("Letter version {number}").format(number=data["letter_number"]))
    if data.get("sent_via"):
        lines.append(
            _("Sent {how} on {date}").format(
                how=label(SentVia, data["sent_via"]).lower(), date=day(data.get("sent_at", ""))
            )
        )
    if data.get("kvk_number"):
        lines.append(_("KvK {kvk}").format(kvk=data["kvk_number"]))
    return lines
