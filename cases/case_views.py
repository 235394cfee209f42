"""The case page and its actions.

GET shows the case with the actions this user may take now (`workflow.allowed_actions`), each
in its section of the page. Every action is a POST of its form to the one action route,
`case_action`, which calls the action's service as the workflow table names it. A refused
action shows the page again with the typed input kept: field errors next to the fields, or,
for a stale page, what changed in the meantime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import employers, permissions, selectors, services, workflow
from cases.access import case_worker_required
from cases.action_forms import ActionForm
from cases.forms import apply_service_errors
from cases.letter_checks import LetterChecksError
from cases.models import CONTACT_FIELDS, Agreement, Call, Case, EventKind, Letter
from cases.templatetags.case_tags import TimelineFacts
from cases.types import AnyUser, AuthenticatedRequest
from cases.workflow import Action

# Where each section of the case page starts (the anchor to return to after an action).
ANCHORS = {
    "case": "acties",
    "employer": "werkgever",
    "calls": "gesprekken",
    "agreements": "afspraken",
    "letters": "brieven",
    "bundle": "samen",
}
# Per-row actions: the field of their form that names the row, and the row's key.
ROW_FIELD = {"call": "call", "agreement": "agreement", "letter": "letter"}
ROW_KINDS: dict[type, str] = {Call: "call", Agreement: "agreement", Letter: "letter"}


@dataclass
class Item:
    """One action on the page: a form to post, or (for a read) a link."""

    action: Action
    form: ActionForm | None = None
    url: str = ""
    open: bool = False
    row: Any = None
    number: int = 0  # the row's number as the page shows it (agreements are counted)

    @property
    def anchor(self) -> str:
        return ANCHORS.get(self.action.section, "acties")

    @property
    def label(self) -> str:
        if self.row is not None and self.action.row_label:
            return str(self.action.row_label).format(number=self.number)
        return str(self.action.label)

    @property
    def download_url(self) -> str:
        """For a read the user may also download (the draft letter)."""
        return f"{self.url}?download=1"


@dataclass
class Panels:
    """The page's actions by section, and per call, per agreement and per letter."""

    sections: dict[str, list[Item]] = field(default_factory=dict)
    rows: dict[tuple[str, Any], list[Item]] = field(default_factory=dict)
    # What someone else may still do now (a team leader reopening a closed case, say): the
    # refusals of the actions whose only obstacle is who this user is.
    others: list[str] = field(default_factory=list)

    def of(self, section: str) -> list[Item]:
        return self.sections.get(section, [])

    def for_row(self, row: Call | Agreement | Letter) -> list[Item]:
        kind = ROW_KINDS[type(row)]
        return self.rows.get((kind, _row_key(kind, row)), [])

    def shortcuts(self) -> list[Item]:
        """Links from the actions panel to the forms further down the page."""
        return [
            item
            for section, items in self.sections.items()
            if section != "case"
            for item in items
            if item.action.is_write
        ]


def auto_id(action: str, row: Any = None) -> str:
    """Element ids unique on the page, whichever forms it shows."""
    suffix = f"-{row}" if str(row or "").isdigit() else ""
    return f"{action}{suffix}-%s"


def _row_key(kind: str, row: Any) -> Any:
    return row.number if kind == "letter" else row.pk


def _rows_of(case: Case, kind: str) -> list[Any]:
    if kind == "call":
        return list(case.calls.all())
    return list(case.agreements.all() if kind == "agreement" else case.letters.all())


def _row_number(kind: str, row: Any, index: int) -> int:
    """Letters have a version number; calls and agreements are counted as the page lists
    them."""
    return int(row.number) if kind == "letter" else index + 1


def _others(user: AnyUser, case: Case, offered: tuple[Action, ...]) -> list[str]:
    notes: list[str] = []
    for action in workflow.ACTIONS.values():
        if not action.section or action in offered or not action.is_write:
            continue
        try:
            workflow.check(action, case, user)
        except workflow.WorkflowError as exc:
            if exc.kind == "forbidden" and exc.message not in notes:
                notes.append(exc.message)
    return notes


def _row_initial(kind: str, row: Any) -> dict[str, Any]:
    if kind == "agreement":
        return {
            "agreement": row.pk,
            "description": row.description,
            "due_date": row.due_date,
            "status": row.status,  # the status form starts at the current status
        }
    if kind == "call":
        return {"call": row.pk, **{name: getattr(row, name) for name in CONTACT_FIELDS}}
    return {"letter": row.number}


def _panels(
    request: AuthenticatedRequest, case: Case, bound: tuple[Action, ActionForm] | None
) -> Panels:
    user = request.user
    panels = Panels()
    bound_action, bound_form = bound if bound else (None, None)
    placed = False
    offered = workflow.allowed_actions(user, case)
    for action in offered:
        rows = _rows_of(case, action.per) if action.per else [None]
        is_next = case.state in action.next_in
        for index, row in enumerate(rows):
            if row is not None and action.row_applies is not None and not action.row_applies(row):
                continue
            key = _row_key(action.per, row) if row is not None else None
            item = Item(action=action, row=row)
            if row is not None:
                item.number = _row_number(action.per, row, index)
            if not action.is_write:
                args = [case.reference] if key is None else [case.reference, key]
                item.url = reverse(action.url_name, args=args)
            elif (
                bound_form is not None
                and bound_action is action
                and (key is None or bound_form.cleaned_data.get(ROW_FIELD[action.per]) == key)
            ):
                item.form, item.open, placed = bound_form, True, True
            else:
                initial = {"version": case.version, "seen_at": timezone.now().isoformat()}
                if row is not None:
                    initial.update(_row_initial(action.per, row))
                item.form = action.form_class(
                    case=case, user=user, auto_id=auto_id(action.name, key), initial=initial
                )
                if not item.form.offered:
                    continue
            if is_next:
                panels.sections.setdefault("case", []).append(item)
            elif row is None:
                panels.sections.setdefault(action.section, []).append(item)
            else:
                panels.rows.setdefault((action.per, key), []).append(item)
    if not panels.sections.get("case"):
        panels.others = _others(user, case, offered)
    if bound_action is not None and not placed:
        # Refused, and not (or no longer) on offer: still show what was typed and why.
        item = Item(action=bound_action, form=bound_form, open=True)
        section = "case" if case.state in bound_action.next_in else bound_action.section
        panels.sections.setdefault(section, []).append(item)
    return panels


def _case_or_404(request: AuthenticatedRequest, reference: str) -> Case:
    case = selectors.case_page(request.user, reference)
    if case is None:
        raise Http404
    return case


@case_worker_required
@require_GET
def case_detail(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    return _render(request, case)


@case_worker_required
@require_POST
def case_action(request: AuthenticatedRequest, reference: str, action: str) -> HttpResponse:
    """Every action on a case: parse its form, call its service, show the outcome."""
    spec = workflow.ACTIONS.get(action)
    if spec is None or not spec.is_write or not spec.form:
        raise Http404
    case = selectors.case_page(request.user, reference)
    if case is None:
        return _not_visible(request, reference, spec)
    row = request.POST.get(ROW_FIELD.get(spec.per, ""), "")
    form = spec.form_class(request.POST, case=case, user=request.user, auto_id=auto_id(action, row))
    form.is_valid()  # parsing only; the service validates and says what is wrong
    try:
        result = spec.run(
            case=case, actor=request.user, version=form.posted_version(), **form.service_input()
        )
    except services.StaleVersionError as exc:
        changes = selectors.events_since(case, form.cleaned_data.get("seen_at"))
        return _render(request, case, bound=(spec, form), stale=exc.message, changes=changes)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _render(request, case, bound=(spec, form))
    except LetterChecksError as exc:
        for message in exc.messages:  # each failed check on a line of its own
            form.add_error(None, message)
        return _render(request, case, bound=(spec, form))
    except services.ServiceError as exc:
        form.add_error(None, exc.message)
        return _render(request, case, bound=(spec, form))
    messages.success(request, _with_case_link(request, case, done_message(spec, case, result)))
    return _after(request, case, spec)


def _not_visible(request: AuthenticatedRequest, reference: str, spec: Action) -> HttpResponse:
    """A case outside the user's scope is a 404, except for whoever lost the race to take it
    from the intake queue: 409, who took it and when, and nothing else about the case."""
    if spec.name == "take":
        form = spec.form_class(request.POST, case=Case(version=0))
        form.is_valid()
        taken = selectors.taken_from_queue(request.user, reference, form.posted_version())
        if taken is not None:
            return render(request, "cases/taken_meanwhile.html", {"taken": taken}, status=409)
    raise Http404


@case_worker_required
@require_POST
def case_take(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """`/meldingen/<ref>/oppakken/`: the "take" action under its own address."""
    return case_action(request, reference, "take")


def done_message(action: Action, case: Case, result: Any) -> str:
    """The action's success message; `{reference}` is the case's, other fields (`{number}`)
    come from what the service returned (a letter, say)."""

    class Facts(dict[str, Any]):
        def __missing__(self, key: str) -> Any:
            return getattr(result, key)

    return str(action.done).format_map(Facts(reference=case.reference))


def _after(request: AuthenticatedRequest, case: Case, action: Action) -> HttpResponse:
    """Back to where the user came from (`next`, if it is on this site), else the case page
    at the section of the action; home if the user may no longer see the case."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)  # a path, never read as a view name
    if not permissions.can_view_case(request.user, Case.objects.get(pk=case.pk)):
        return redirect("home")
    url = reverse("case_detail", args=[case.reference])
    section = "case" if case.state in action.next_in else action.section
    return redirect(f"{url}#{ANCHORS.get(section, 'acties')}")


def _with_case_link(request: AuthenticatedRequest, case: Case, message: str) -> str:
    """The success message, with a link to the case when the user lands elsewhere."""
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return message
    if not permissions.can_view_case(request.user, Case.objects.get(pk=case.pk)):
        return message
    return format_html(
        '{} <a href="{}">{}</a>',
        message,
        reverse("case_detail", args=[case.reference]),
        _("Open case {reference}").format(reference=case.reference),
    )


def _render(
    request: AuthenticatedRequest,
    case: Case,
    *,
    bound: tuple[Action, ActionForm] | None = None,
    stale: str = "",
    changes: list[Any] | None = None,
) -> HttpResponse:
    user = request.user
    if bound is not None:
        case = selectors.case_page(user, case.reference) or case
        _refresh_version(bound[1], case)
    panels = _panels(request, case, bound)
    show_melder = permissions.can_view_melder(user, case)
    if show_melder:
        services.record_melder_view(case=case, actor=user)
    # Views of melder data are audit records, not steps in the handling of the case.
    events = [e for e in case.events.all() if e.kind != EventKind.MELDER_VIEWED]
    people = selectors.people_named_in(events)
    bundle = _bundle_context(case)
    facts = _timeline_facts(user, case, [*events, *(changes or [])], bundle["bundled"])
    context = {
        "case": case,
        "panels": panels,
        "show_melder": show_melder,
        "melder": getattr(case, "melder", None) if show_melder else None,
        "events": events,
        "people": people,
        "facts": facts,
        "main_case_visible": case.main_case is not None
        and case.main_case.reference in facts.visible_references,
        "stale": stale,
        "changes": changes or [],
        "repeat_signal": employers.repeat_signal(case.employer),
        **bundle,
    }
    status = 409 if stale else 200
    return render(request, "cases/case_detail.html", context, status=status)


def _bundle_context(case: Case) -> dict[str, Any]:
    """Bundled handling on the case page: the cases a lead leads; the letters of a lead that
    cover this case (also after it was detached by reopening); for an attached case, the
    lead's agreements (both belong to the lead)."""
    context: dict[str, Any] = {
        "bundled": selectors.bundle_of(case) if case.bundle_lead_id is None else [],
        "shared_letters": list(
            Letter.objects.filter(covers__case=case)
            .select_related("case", "generated_by")
            .order_by("generated_at", "pk")
        ),
    }
    if case.bundle_lead_id is not None:
        context["lead_agreements"] = list(
            Agreement.objects.filter(case_id=case.bundle_lead_id).order_by("due_date", "pk")
        )
    return context


def _timeline_facts(
    user: AnyUser, case: Case, events: list[Any], bundled: list[Case]
) -> TimelineFacts:
    """What the timeline names: the agreements by their number and text, and which of the
    referenced cases (a duplicate's main case, a bundle's lead and attached cases) this user
    may open."""
    references = {
        str(reference)
        for e in events
        for key in ("main_case", "bundle_lead", "previous_lead", "detached")
        if (reference := e.data.get(key))
    }
    references.update(str(r) for e in events for r in e.data.get("bundled") or [])
    for linked in (case.main_case, case.bundle_lead):
        if linked is not None:
            references.add(linked.reference)
    references.update(other.reference for other in bundled)
    visible = (
        set(
            permissions.visible_cases(user)
            .filter(reference__in=references)
            .values_list("reference", flat=True)
        )
        if references
        else set()
    )
    agreements = {a.pk: (i + 1, a.description) for i, a in enumerate(case.agreements.all())}
    return TimelineFacts(visible_references=visible, agreements=agreements)


def _refresh_version(form: ActionForm, case: Case) -> None:
    """A refused form is shown again with the user's input, but carrying the current
    version, so that sending it again (after checking) is not refused as stale once more."""
    data = cast(QueryDict, form.data).copy()
    data["version"] = str(case.version)
    data["seen_at"] = timezone.now().isoformat()
    form.data = data
