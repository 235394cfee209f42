"""The one place that answers "may this user ...?" for cases.

Roles are Django groups (`cases.models.Role`) carrying model permissions; code asks for
permissions, never for group names, so the Functioneel beheerder can adjust roles.
Another inspector's case is invisible (a 404), not forbidden (a 403 would confirm it exists).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cases.models import Case, State

ACT = "cases.act_on_case"
SUPERVISE = "cases.supervise_cases"
ADD_CASE = "cases.add_case"


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_supervisor(user: Any) -> bool:
    return _active(user) and user.has_perm(SUPERVISE)


def is_case_worker(user: Any) -> bool:
    """Inspectors and supervisors: people who handle meldingen."""
    return _active(user) and (user.has_perm(ACT) or user.has_perm(SUPERVISE))


def case_worker_users_q() -> Q:
    """Users whose groups give them ACT or SUPERVISE: people who handle meldingen, as a
    filter on users (for choosing an assignee)."""
    return Q(groups__permissions__codename__in=[p.split(".")[1] for p in (ACT, SUPERVISE)])


def intake_queue_q() -> Q:
    return Q(state=State.RECEIVED, assignee__isnull=True)


def visible_cases(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases this user may see at all: the filter under every list, export and detail view.

    Supervisors see every case; inspectors their own cases and the intake queue.
    """
    qs = Case.objects.all() if queryset is None else queryset
    if is_supervisor(user):
        return qs
    if is_case_worker(user):
        return qs.filter(Q(assignee=user) | intake_queue_q())
    return qs.none()


def can_view_case(user: Any, case: Case) -> bool:
    if is_supervisor(user):
        return True
    if not is_case_worker(user):
        return False
    return case.assignee_id == user.pk or (
        case.assignee_id is None and case.state == State.RECEIVED
    )


def can_view_melder(user: Any, case: Case) -> bool:
    """Melder data and the melding's free text: the assigned inspector and supervisors."""
    if is_supervisor(user):
        return True
    return is_case_worker(user) and case.assignee_id is not None and case.assignee_id == user.pk


def can_act_on_case(user: Any, case: Case) -> bool:
    """Transitions, calls, agreements and letters on this case."""
    if is_supervisor(user):
        return True
    return (
        _active(user)
        and user.has_perm(ACT)
        and case.assignee_id is not None
        and case.assignee_id == user.pk
    )


def can_take(user: Any, case: Case) -> bool:
    """Assign an unassigned case in the intake queue to oneself."""
    return is_case_worker(user) and case.assignee_id is None and case.state == State.RECEIVED


def can_assign(user: Any) -> bool:
    """Assign or reassign any case to anyone."""
    return is_supervisor(user)


def can_be_assignee(user: Any) -> bool:
    return _active(user) and (user.has_perm(ACT) or user.has_perm(SUPERVISE))


def can_register(user: Any) -> bool:
    return is_case_worker(user) and user.has_perm(ADD_CASE)


def can_reopen(user: Any, case: Case) -> bool:
    return is_supervisor(user)


def can_regenerate_letter(user: Any, case: Case) -> bool:
    return is_supervisor(user)


def can_view_dashboard(user: Any) -> bool:
    return is_supervisor(user)


def case_actions(user: Any, case: Case) -> frozenset[str]:
    """What `user` may do on `case` now: permission and state together.

    The case page shows exactly these buttons; the services check the same rules again
    under the row lock. Reads the case's agreements and letters (prefetch them).
    """
    actions: set[str] = set()
    if not can_view_case(user, case):
        return frozenset()
    if can_take(user, case):
        actions.add("take")
    if can_assign(user) and case.state != State.CLOSED:
        actions.add("assign")
    if can_reopen(user, case) and case.state == State.CLOSED:
        actions.add("reopen")
    if not can_act_on_case(user, case) or case.assignee_id is None:
        return frozenset(actions)
    state = case.state
    identified = case.employer.is_identified
    agreements = list(case.agreements.all())
    letters = list(case.letters.all())
    if state == State.RECEIVED:
        actions |= {"take_into_investigation", "decline"}
    if state in (State.RECEIVED, State.UNDER_INVESTIGATION) and not identified:
        actions.add("identify_employer")
    if state in (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED) and identified:
        actions |= {"call_attempt", "call"}
    if state in (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED, State.AGREEMENTS_CONFIRMED):
        actions.add("close")
    if state == State.EMPLOYER_CALLED:
        actions |= {"agreement_add", "letter_preview"}
        if agreements:
            actions |= {"agreement_edit", "letter_confirm"}
    if state == State.AGREEMENTS_CONFIRMED:
        actions.add("letter_preview")
        if agreements:
            actions.add("agreement_status")
    if letters:
        actions.add("letter_download")
        if any(letter.sent_at is None for letter in letters):
            actions.add("letter_mark_sent")
        if can_regenerate_letter(user, case) and state == State.AGREEMENTS_CONFIRMED:
            actions.add("letter_regenerate")
    return frozenset(actions)
