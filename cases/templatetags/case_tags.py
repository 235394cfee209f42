"""Template helpers for case lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import formats

register = template.Library()


@dataclass(frozen=True)
class TimelineFacts:
    """What an Event refers to, as the case page may show it (`case_views._timeline_facts`)."""

    visible_references: set[str] = field(default_factory=set)  # cases the user may open
    agreements: dict[int, tuple[int, str]] = field(default_factory=dict)  # pk: number, text


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
def event_details(
    event: Any, people: dict[int, str], facts: TimelineFacts | None = None
) -> list[str]:
    """Readable details of an Event for the timeline (never melder data: Events hold none).

    With `facts`, a referenced case is a link when the user may open it (and never named
    when not), and an agreement is named by its number and text."""
    from django.template.defaultfilters import date as date_filter
    from django.template.defaultfilters import truncatechars
    from django.urls import reverse
    from django.utils.dateparse import parse_date
    from django.utils.html import format_html
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
        reference = str(data["main_case"])
        if facts is None:
            lines.append(_("Main case: {reference}").format(reference=reference))
        elif reference in facts.visible_references:
            link = format_html(
                '<a href="{}">{}</a>', reverse("case_detail", args=[reference]), reference
            )
            lines.append(format_html(_("Main case: {reference}"), reference=link))
        else:
            lines.append(_("Main case: a case you cannot open"))
    if facts is not None and data.get("agreement_id") in facts.agreements:
        number, text = facts.agreements[data["agreement_id"]]
        lines.append(
            _("Agreement {number}: {text}").format(number=number, text=truncatechars(text, 90))
        )
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
    if data.get("decision"):
        lines.extend(_letter_checks_details(data))
    return lines


def _letter_checks_details(data: dict[str, Any]) -> list[str]:
    """The issuing checks' decision (codes only: the Event holds no text)."""
    from django.utils.translation import gettext as _

    from cases.letter_checks import check_label, field_label

    if data["decision"] == "passed":
        return [_("All checks passed")]
    return [
        _("Refused by: {checks}").format(checks=", ".join(check_label(c) for c in data["checks"])),
        _("In: {fields}").format(fields=", ".join(field_label(f) for f in data["fields"])),
    ]
