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
    from django.utils.html import format_html, format_html_join
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

    def case_line(text: str, hidden: str, references: list[str]) -> None:
        """`text` naming cases: links to those the user may open; `hidden` when none may
        be named (a case outside the user's scope is never named)."""
        if facts is None:
            lines.append(text.format(reference=", ".join(references)))
            return
        shown = [r for r in references if r in facts.visible_references]
        if not shown:
            lines.append(hidden)
            return
        links = [
            format_html('<a href="{}">{}</a>', reverse("case_detail", args=[r]), r) for r in shown
        ]
        lines.append(
            format_html(text, reference=format_html_join(", ", "{}", ((link,) for link in links)))
        )

    if data.get("main_case"):
        case_line(
            _("Main case: {reference}"),
            _("Main case: a case you cannot open"),
            [str(data["main_case"])],
        )
    if data.get("bundle_lead"):
        text = (
            _("No longer handled together with {reference}")
            if event.kind == EventKind.BUNDLE_DETACHED
            else _("Handled together with {reference} (the lead)")
        )
        case_line(
            text, _("Handled together with a case you cannot open"), [str(data["bundle_lead"])]
        )
    if data.get("previous_lead"):
        case_line(
            _("Lead before: {reference}"),
            _("Lead before: a case you cannot open"),
            [str(data["previous_lead"])],
        )
    if data.get("bundled"):
        case_line(
            _("Handled together with this case: {reference}"),
            _("Cases you cannot open are handled together with this case"),
            [str(r) for r in data["bundled"]],
        )
    if data.get("detached"):
        case_line(
            _("No longer handled together with this case: {reference}"),
            _("A case you cannot open is no longer handled together with this case"),
            [str(data["detached"])],
        )
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
