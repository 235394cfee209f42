"""The workflow, declared once: every action a user can take on a case.

Each `Action` in `ACTIONS` records its name and label, the states it may start from and the
state(s) it leads to, who may do it (a `Rule` from `cases.permissions`), its guards (conditions
on the case that must hold), its form, the service that carries it out and the Event kind it
writes. Everything else is derived from this table:

- `allowed_actions(user, case)`: what the case page (and the API) offers this user now;
- `check(action, case, actor)`: the one check every service runs under the row lock
  (assignment, state, guards, permission), and again before rendering a letter;
- the case page's panels and its single action route (`/meldingen/<ref>/actie/<name>/`);
- the states in which the draft letter can be previewed;
- which writes lock a whole bundle of cases handled together (`bundle`,
  cases.services.bundles).

The django-fsm-2 transitions on `Case` remain the engine that changes the state; a test checks
that this table and the FSM graph agree edge for edge. Adding an action is described in
docs/architecture.md ("Adding an action").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions
from cases.models import Agreement, Case, EventKind, State
from cases.permissions import Rule
from cases.types import AnyUser

if TYPE_CHECKING:
    from cases.action_forms import ActionForm

R, UI, EC, AC, CL = (
    State.RECEIVED,
    State.UNDER_INVESTIGATION,
    State.EMPLOYER_CALLED,
    State.AGREEMENTS_CONFIRMED,
    State.CLOSED,
)
OPEN = (R, UI, EC, AC)
ATTACHABLE = (R, UI)  # what can join a bundle (cases.services.bundles), if not yet called
ALL = (*OPEN, CL)


class WorkflowError(Exception):
    """A refused action: `message` (Dutch) says why; nothing was changed.

    `kind` is one of "invalid_state" (the case is not in a state or condition for it) or
    "forbidden" (this user may not); `cases.services` turns it into its own errors.
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class Guard:
    """A condition on the case (not on the input) that must hold for an action."""

    test: Callable[[Case], bool]
    refusal: str | Promise

    def holds(self, case: Case) -> bool:
        return self.test(case)


def _agreements(case: Case) -> bool:
    if case.bundle_lead_id is not None:  # handled together with others: the lead's
        return Agreement.objects.filter(case_id=case.bundle_lead_id).exists()
    return bool(case.agreements.all())  # uses a prefetch when the page made one


def _letters(case: Case) -> bool:
    return bool(case.letters.all())


def _reached_call(case: Case) -> bool:
    return any(call.reached for call in case.calls.all())


def _unsent_letter(case: Case) -> bool:
    return any(letter.sent_at is None for letter in case.letters.all())


UNASSIGNED = Guard(
    lambda case: case.assignee_id is None, gettext_lazy("This case has already been assigned.")
)
EMPLOYER_IDENTIFIED = Guard(
    lambda case: case.employer.is_identified,
    gettext_lazy("Identify the employer (KvK number) before you call."),
)
EMPLOYER_NOT_IDENTIFIED = Guard(
    lambda case: not case.employer.is_identified,
    gettext_lazy("The employer of this case has already been identified."),
)
HAS_AGREEMENTS = Guard(
    _agreements, gettext_lazy("Record at least one agreement with a due date before you confirm.")
)
HAS_REACHED_CALL = Guard(_reached_call, gettext_lazy("This case has no call with the employer."))
HAS_LETTER = Guard(_letters, gettext_lazy("This case has no letter yet."))
NOT_ATTACHED = Guard(
    lambda case: case.bundle_lead_id is None,
    gettext_lazy(
        "This case is handled together with another case: its call, agreements, letter and "
        "closing are done on that case (the lead)."
    ),
)
ATTACHED = Guard(
    lambda case: case.bundle_lead_id is not None,
    gettext_lazy("This case is not handled together with another case."),
)
NO_REACHED_CALL = Guard(
    lambda case: not _reached_call(case),
    gettext_lazy("The employer has already been called about this case."),
)
HAS_UNSENT_LETTER = Guard(
    _unsent_letter, gettext_lazy("This letter has already been recorded as sent.")
)


@dataclass(frozen=True)
class Action:
    """One row of the workflow table (see the module docstring)."""

    name: str
    label: str | Promise  # what the action is called: form titles, links, refusals
    sources: tuple[str, ...]  # the states it may start from
    rule: Rule  # who may do it
    event: str = ""  # the Event kind the service writes ("" for reads)
    targets: tuple[str, ...] = ()  # the state(s) it leads to; () when the state stays
    transition: str = ""  # the FSM transition method on Case that changes the state
    guards: tuple[Guard, ...] = ()
    needs_assignee: bool = True  # refused on an unassigned case, before anything else
    form: str = "PlainActionForm"  # the form class in cases.action_forms
    # The service under cases.services ("module.function"). A write without one of its own
    # runs `triage.case_act`: its transition, if any, and its Event; nothing else.
    service: str = ""
    button: str | Promise = ""  # the submit button's text
    done: str | Promise = ""  # the message after success
    section: str = "case"  # where the case page shows it: case, employer, calls, ...
    per: str = ""  # "call", "agreement" or "letter": shown once per row of that kind
    method: str = "post"  # "get": a read (preview, download) with its own URL
    url_name: str = ""  # the URL of a read
    extra_events: tuple[str, ...] = field(default=())  # further Event kinds it writes
    # Rows of the case besides its own that it may change and that the figures count
    # ("topics", "calls", "agreements"): Write.finish derives the case's precomputed
    # columns from them.
    changes: tuple[str, ...] = ()
    row_applies: Callable[[Any], bool] | None = None  # per-row: whether a row gets it
    row_label: str | Promise = ""  # per-row: the label with the row's {number}
    # The states in which it is a next step: the case page shows it in the actions panel
    # (each row's, for a per-row action) instead of further down in its section.
    next_in: tuple[str, ...] = ()
    # A read the user may open in a new tab or download (the draft letter).
    tab_or_download: bool = False
    # Its write may change the other cases of the case's bundle (cases.services.bundles):
    # it locks the whole bundle, in the order of the ids.
    bundle: bool = False

    @property
    def is_write(self) -> bool:
        return self.method == "post"

    @property
    def has_inputs(self) -> bool:
        return self.form != "PlainActionForm"

    @cached_property
    def form_class(self) -> type[ActionForm]:
        from cases import action_forms

        form: type[ActionForm] = getattr(action_forms, self.form)
        return form

    @cached_property
    def run(self) -> Callable[..., Any]:
        """The service: called as run(case=..., actor=..., version=..., **form input)."""
        if not self.service:
            return partial(import_string("cases.services.triage.case_act"), action=self.name)
        service: Callable[..., Any] = import_string(f"cases.services.{self.service}")
        return service

    def edges(self) -> set[tuple[str, str]]:
        """(from, to) pairs this action's transition makes; none for an action that keeps
        the state (a start state equal to a target stays where it is)."""
        if not self.transition:
            return set()
        return {(s, t) for s in self.sources for t in self.targets if s != t}


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "take",
            gettext_lazy("Take this case"),
            sources=(R,),
            rule=permissions.TAKE,
            guards=(UNASSIGNED,),
            needs_assignee=False,
            event=EventKind.ASSIGNED,
            service="triage.case_take",
            button=gettext_lazy("Take this case"),
            done=gettext_lazy("You have taken case {reference}."),
        ),
        Action(
            "take_into_investigation",
            gettext_lazy("Take into investigation"),
            sources=(R,),
            targets=(UI,),
            transition="take_into_investigation",
            rule=permissions.HANDLE,
            event=EventKind.TAKE_INTO_INVESTIGATION,
            service="triage.case_take_into_investigation",
            button=gettext_lazy("Take into investigation"),
            done=gettext_lazy("The case has been taken into investigation."),
        ),
        Action(
            "decline",
            gettext_lazy("Do not investigate"),
            sources=(R,),
            targets=(CL,),
            transition="decline",
            rule=permissions.HANDLE,
            event=EventKind.DECLINE,
            form="DeclineForm",
            service="triage.case_decline",
            button=gettext_lazy("Close without investigation"),
            done=gettext_lazy("The case has been closed."),
        ),
        Action(
            "identify_employer",
            gettext_lazy("Identify employer (KvK)"),
            sources=(R, UI),
            rule=permissions.HANDLE,
            guards=(EMPLOYER_NOT_IDENTIFIED,),
            event=EventKind.EMPLOYER_IDENTIFIED,
            form="IdentifyEmployerForm",
            service="triage.case_identify_employer",
            button=gettext_lazy("Save employer"),
            done=gettext_lazy("The employer has been identified."),
            section="employer",
            next_in=(UI,),
        ),
        Action(
            "call_attempt",
            gettext_lazy("Record a call attempt without answer"),
            sources=(UI, EC),
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, EMPLOYER_IDENTIFIED),
            event=EventKind.CALL_ATTEMPT,
            form="CallAttemptForm",
            service="calls.case_record_call_attempt",
            button=gettext_lazy("Record call attempt"),
            done=gettext_lazy("The call attempt has been recorded."),
            section="calls",
            next_in=(UI,),
        ),
        Action(
            "call",
            gettext_lazy("Record a call with the employer"),
            sources=(UI, EC),
            targets=(EC,),
            transition="record_call",
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, EMPLOYER_IDENTIFIED),
            # The first reached call moves the case on; a follow-up call is an Event "call".
            event=EventKind.RECORD_CALL,
            extra_events=(EventKind.CALL,),
            changes=("calls",),
            form="CallForm",
            service="calls.case_record_call",
            button=gettext_lazy("Record call"),
            done=gettext_lazy("The call has been recorded."),
            section="calls",
            next_in=(UI,),
            bundle=True,
        ),
        Action(
            "call_edit",
            gettext_lazy("Correct the person spoken to"),
            # Before the letter is issued: the letter is addressed to this person.
            sources=(EC,),
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, HAS_REACHED_CALL),
            event=EventKind.CALL_EDITED,
            form="CallContactForm",
            service="calls.call_edit",
            button=gettext_lazy("Save person spoken to"),
            done=gettext_lazy("The person spoken to has been corrected."),
            section="calls",
            per="call",
            row_applies=lambda call: call.reached,
            row_label=gettext_lazy("Correct the person spoken to in call {number}"),
        ),
        Action(
            "agreement_add",
            gettext_lazy("Add an agreement"),
            sources=(EC,),
            guards=(NOT_ATTACHED,),
            rule=permissions.HANDLE,
            event=EventKind.AGREEMENT_ADDED,
            form="AgreementForm",
            service="agreements.agreement_add",
            button=gettext_lazy("Add agreement"),
            done=gettext_lazy("The agreement has been added."),
            changes=("agreements",),
            section="agreements",
            next_in=(EC,),
            bundle=True,
        ),
        Action(
            "agreement_edit",
            gettext_lazy("Change agreement"),
            sources=(EC,),
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, HAS_AGREEMENTS),
            event=EventKind.AGREEMENT_CHANGED,
            form="AgreementEditForm",
            service="agreements.agreement_edit",
            button=gettext_lazy("Save agreement"),
            done=gettext_lazy("The agreement has been changed."),
            changes=("agreements",),
            section="agreements",
            per="agreement",
            bundle=True,
        ),
        Action(
            "letter_preview",
            gettext_lazy("Preview the draft letter (PDF)"),
            sources=(EC, AC),
            guards=(NOT_ATTACHED,),
            rule=permissions.HANDLE,
            section="letters",
            method="get",
            url_name="letter_preview",
            next_in=(EC,),
            tab_or_download=True,
        ),
        Action(
            "letter_confirm",
            gettext_lazy("Confirm agreements by letter"),
            sources=(EC,),
            targets=(AC,),
            transition="confirm_agreements",
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, HAS_AGREEMENTS),
            event=EventKind.CONFIRM_AGREEMENTS,
            extra_events=(EventKind.LETTER_GENERATED,),
            service="letters.issue_confirmation_letter",
            button=gettext_lazy("Confirm agreements and issue the letter"),
            done=gettext_lazy(
                "The agreements are confirmed and letter {number} has been generated. Download "
                "the letter, send it and then record that it was sent."
            ),
            section="letters",
            next_in=(EC,),
            bundle=True,
        ),
        Action(
            "agreement_status",
            gettext_lazy("Record whether it was kept"),
            sources=(AC,),
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, HAS_AGREEMENTS),
            event=EventKind.AGREEMENT_STATUS,
            form="AgreementStatusForm",
            service="agreements.agreement_set_status",
            button=gettext_lazy("Save status"),
            done=gettext_lazy("The status of the agreement has been recorded."),
            changes=("agreements",),
            section="agreements",
            per="agreement",
            next_in=(AC,),
            row_label=gettext_lazy("Agreement {number}: was it kept?"),
            bundle=True,
        ),
        Action(
            "letter_download",
            gettext_lazy("Download letter"),
            sources=ALL,
            rule=permissions.DOWNLOAD_LETTER,
            guards=(HAS_LETTER,),
            needs_assignee=False,
            event=EventKind.LETTER_DOWNLOADED,
            section="letters",
            per="letter",
            method="get",
            url_name="letter_download",
            row_label=gettext_lazy("Download version {number}"),
            next_in=(AC,),
        ),
        Action(
            "letter_mark_sent",
            gettext_lazy("Record as sent"),
            sources=ALL,
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, HAS_UNSENT_LETTER),
            event=EventKind.LETTER_SENT,
            form="MarkSentForm",
            service="letters.letter_mark_sent",
            button=gettext_lazy("Save"),
            done=gettext_lazy("Letter {number} has been recorded as sent ({sent_via_label})."),
            section="letters",
            per="letter",
            row_applies=lambda letter: letter.sent_at is None,
            next_in=(AC,),
            row_label=gettext_lazy("Record that version {number} was sent"),
        ),
        Action(
            "letter_regenerate",
            gettext_lazy("Make a new version of the letter"),
            sources=(AC,),
            rule=permissions.REGENERATE,
            guards=(
                NOT_ATTACHED,
                HAS_LETTER,
            ),
            needs_assignee=False,
            event=EventKind.LETTER_GENERATED,
            form="RegenerateForm",
            service="letters.regenerate_confirmation_letter",
            button=gettext_lazy("Make new version"),
            done=gettext_lazy("Letter {number} has been generated; the earlier versions are kept."),
            section="letters",
            bundle=True,
        ),
        Action(
            "close",
            gettext_lazy("Close the case"),
            sources=(UI, EC, AC),
            targets=(CL,),
            transition="close",
            guards=(NOT_ATTACHED,),
            rule=permissions.HANDLE,
            event=EventKind.CLOSE,
            form="CloseForm",
            service="triage.case_close",
            button=gettext_lazy("Close case"),
            done=gettext_lazy("The case has been closed."),
            bundle=True,
        ),
        Action(
            "bundle_attach",
            gettext_lazy("Handle other cases about this employer together with this one"),
            sources=(UI,),  # before the call: the cases attached share it
            rule=permissions.HANDLE,
            guards=(NOT_ATTACHED, EMPLOYER_IDENTIFIED, NO_REACHED_CALL),
            event=EventKind.BUNDLE_ATTACHED,
            form="BundleAttachForm",
            service="bundles.bundle_attach",
            button=gettext_lazy("Handle together"),
            done=gettext_lazy(
                "Now handled together with {reference}: {references}. One call, one letter."
            ),
            section="bundle",
            bundle=True,
        ),
        Action(
            "bundle_detach",
            gettext_lazy("Handle this case on its own again"),
            sources=(UI,),  # until the call with the employer is recorded
            rule=permissions.HANDLE,
            guards=(ATTACHED,),
            event=EventKind.BUNDLE_DETACHED,
            service="bundles.bundle_detach",
            button=gettext_lazy("Handle on its own"),
            done=gettext_lazy("Case {reference} is handled on its own again."),
            section="bundle",
            bundle=True,
        ),
        Action(
            "bundle_make_lead",
            gettext_lazy("Make this case the lead"),
            sources=(UI,),  # until the call
            rule=permissions.HANDLE,
            guards=(ATTACHED,),
            event=EventKind.BUNDLE_LEAD_CHANGED,
            service="bundles.bundle_make_lead",
            button=gettext_lazy("Make lead"),
            done=gettext_lazy("Case {reference} is now the lead of the cases handled together."),
            section="bundle",
            bundle=True,
        ),
        Action(
            "assign",
            gettext_lazy("(Re)assign"),
            sources=OPEN,
            guards=(NOT_ATTACHED,),
            rule=permissions.ASSIGN,
            needs_assignee=False,
            event=EventKind.ASSIGNED,
            form="AssignForm",
            service="triage.case_assign",
            button=gettext_lazy("Assign"),
            done=gettext_lazy("The case has been assigned."),
            bundle=True,
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            sources=(CL,),
            # Back to received when it was never investigated, else under investigation.
            targets=(R, UI),
            transition="reopen",
            rule=permissions.REOPEN,
            needs_assignee=False,
            event=EventKind.REOPEN,
            form="ReopenForm",
            service="triage.case_reopen",
            button=gettext_lazy("Reopen case"),
            done=gettext_lazy("The case has been reopened."),
            bundle=True,
        ),
        Action(
            "update_details",
            gettext_lazy("Change channel or topics"),
            sources=OPEN,
            rule=permissions.HANDLE,
            event=EventKind.CASE_EDITED,
            form="",  # changed in the admin, not on the case page
            service="triage.case_update_details",
            changes=("topics",),
            section="",
        ),
    )
}


def state_label(state: str) -> str:
    return str(State(state).label)


def check(action: Action | str, case: Case, actor: AnyUser | None) -> None:
    """Raise WorkflowError unless `actor` may do `action` on `case` now.

    In this order: the case must be assigned (for actions that need it); it must be in one of
    the action's start states and meet its guards; the actor must pass the action's rule.
    Services call this under the row lock; it reads only the case and what the guards need.
    """
    spec = ACTIONS[action] if isinstance(action, str) else action
    if spec.needs_assignee and case.assignee_id is None:
        raise WorkflowError(
            _("This case has not been assigned yet. Take the case or assign it first."),
            kind="invalid_state",
        )
    if case.state not in spec.sources:
        raise WorkflowError(
            _("{action} is not possible for a case with status ‘{state}’.").format(
                action=spec.label, state=state_label(case.state)
            ),
            kind="invalid_state",
        )
    for guard in spec.guards:
        if not guard.holds(case):
            raise WorkflowError(str(guard.refusal), kind="invalid_state")
    if not spec.rule(actor, case):
        raise WorkflowError(str(spec.rule.refusal), kind="forbidden")


def allows(action: Action | str, case: Case, actor: AnyUser | None) -> bool:
    try:
        check(action, case, actor)
    except WorkflowError:
        return False
    return True


def allowed_actions(user: AnyUser | None, case: Case) -> tuple[Action, ...]:
    """The actions `user` may take on `case` now, in table order: what the case page shows.

    Reads the case's agreements and letters for the guards (prefetch them)."""
    if not permissions.can_view_case(user, case):
        return ()
    return tuple(
        action for action in ACTIONS.values() if action.section and allows(action, case, user)
    )


def preview_states() -> tuple[str, ...]:
    return ACTIONS["letter_preview"].sources


def transition_edges() -> dict[str, set[tuple[str, str]]]:
    """The FSM edges the table declares, per transition method."""
    edges: dict[str, set[tuple[str, str]]] = {}
    for action in ACTIONS.values():
        if action.transition:
            edges.setdefault(action.transition, set()).update(action.edges())
    return edges
