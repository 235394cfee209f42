"""The one place that answers "may this user ...?" for cases.

Roles are Django groups (`cases.models.Role`) carrying model permissions; code asks for
permissions, never for group names, so the Functioneel beheerder can adjust roles.
Another inspector's case is invisible (a 404), not forbidden (a 403 would confirm it exists).

Every lookup of a case, for a list, a detail page or a reference typed into a form, goes
through `visible_cases`. The workflow table (`cases.workflow`) names one `Rule` from here for
each action: who may do it, and what they are told when they may not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import Case, State
from cases.types import AnyUser

ACT = "cases.act_on_case"
SUPERVISE = "cases.supervise_cases"
ADD_CASE = "cases.add_case"
AUDIT = "cases.audit_personal_data"
MANAGE_USERS = "auth.change_user"


def _active(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_supervisor(user: AnyUser | None) -> bool:
    return _active(user) and user is not None and user.has_perm(SUPERVISE)


def is_case_worker(user: AnyUser | None) -> bool:
    """Inspectors and supervisors: people who handle meldingen."""
    return _active(user) and user is not None and (user.has_perm(ACT) or user.has_perm(SUPERVISE))


def case_worker_users_q() -> Q:
    """Users whose groups give them ACT or SUPERVISE: people who handle meldingen, as a
    filter on users (for choosing an assignee)."""
    return Q(groups__permissions__codename__in=[p.split(".")[1] for p in (ACT, SUPERVISE)])


def supervisor_users_q() -> Q:
    """Users whose groups let them supervise: the team leaders, as a filter on users."""
    return Q(groups__permissions__codename=SUPERVISE.split(".")[1])


def intake_queue_q() -> Q:
    return Q(state=State.RECEIVED, assignee__isnull=True)


def visible_cases(user: AnyUser | None, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases this user may see at all: the filter under every list, export and detail view,
    and under every lookup of another case (a main case, the employer's other meldingen).

    Supervisors see every case; inspectors their own cases and the intake queue.
    """
    qs = Case.objects.all() if queryset is None else queryset
    if is_supervisor(user):
        return qs
    if is_case_worker(user):
        return qs.filter(Q(assignee=user) | intake_queue_q())
    return qs.none()


def can_view_case(user: AnyUser | None, case: Case) -> bool:
    if is_supervisor(user):
        return True
    if not is_case_worker(user) or user is None:
        return False
    return case.assignee_id == user.pk or (
        case.assignee_id is None and case.state == State.RECEIVED
    )


def can_view_melder(user: AnyUser | None, case: Case) -> bool:
    """Melder data and the melding's free text: the assigned inspector and supervisors."""
    if is_supervisor(user):
        return True
    return (
        is_case_worker(user)
        and user is not None
        and case.assignee_id is not None
        and case.assignee_id == user.pk
    )


def attachable_cases_q(user: AnyUser | None) -> Q:
    """Which cases `user` may attach to a bundle they handle (cases.services.bundles): a team
    leader any; an inspector only unassigned ones and their own."""
    if is_supervisor(user):
        return Q()
    if not is_case_worker(user) or user is None:
        return Q(pk__in=[])
    return Q(assignee__isnull=True) | Q(assignee=user.pk)


def can_attach(user: AnyUser | None, case: Case) -> bool:
    """Whether `user` may attach `case` to a bundle (see `attachable_cases_q`)."""
    if is_supervisor(user):
        return True
    return is_case_worker(user) and user is not None and case.assignee_id in (None, user.pk)


def can_act_on_case(user: AnyUser | None, case: Case) -> bool:
    """Transitions, calls, agreements and letters on this case."""
    if is_supervisor(user):
        return True
    return (
        _active(user)
        and user is not None
        and user.has_perm(ACT)
        and case.assignee_id is not None
        and case.assignee_id == user.pk
    )


def can_take(user: AnyUser | None, case: Case) -> bool:
    """Assign an unassigned case in the intake queue to oneself."""
    return is_case_worker(user) and case.assignee_id is None and case.state == State.RECEIVED


def can_assign(user: AnyUser | None, case: Case | None = None) -> bool:
    """Assign or reassign any case to anyone."""
    return is_supervisor(user)


def can_be_assignee(user: AnyUser | None) -> bool:
    return is_case_worker(user)


def can_register(user: AnyUser | None) -> bool:
    """Register meldingen: case workers, and the service user of an API intake client (a web
    form), which has this permission and nothing else."""
    return _active(user) and user is not None and user.has_perm(ADD_CASE)


def can_reopen(user: AnyUser | None, case: Case | None = None) -> bool:
    return is_supervisor(user)


def can_regenerate_letter(user: AnyUser | None, case: Case | None = None) -> bool:
    return is_supervisor(user)


def can_run_letter_batches(user: AnyUser | None) -> bool:
    """Bulk work on letters (print batches for the mailroom, regenerating letters by filter):
    team leaders, who may regenerate and send every case's letter."""
    return is_supervisor(user)


def can_view_dashboard(user: AnyUser | None) -> bool:
    return is_supervisor(user)


def can_export(user: AnyUser | None) -> bool:
    """CSV and XLSX exports of the case lists and the dashboard: team leaders."""
    return is_supervisor(user)


def can_make_figures_report(user: AnyUser | None) -> bool:
    """The figures report (PDF) of the dashboard, for the ministry: team leaders."""
    return is_supervisor(user)


def can_audit(user: AnyUser | None) -> bool:
    """The Privacyfunctionaris: who viewed melder data, Events by actor, access requests."""
    return _active(user) and user is not None and user.has_perm(AUDIT)


def can_manage_users(user: AnyUser | None) -> bool:
    """The Functioneel beheerder: accounts and roles, in the admin."""
    return _active(user) and user is not None and user.has_perm(MANAGE_USERS)


def needs_second_factor(user: AnyUser | None) -> bool:
    """Everyone who can see melder data or manage users signs in with a second factor."""
    return bool(
        is_case_worker(user)
        or can_audit(user)
        or can_manage_users(user)
        or (user is not None and (user.is_staff or user.is_superuser))
    )


# ---------------------------------------------------------------------------
# Rules for the workflow table: a question from above and the refusal that goes with it.


@dataclass(frozen=True)
class Rule:
    """Who may do an action on a case; `refusal` is what anyone else is told (Dutch)."""

    test: Callable[[AnyUser | None, Case], bool]
    refusal: str | Promise

    def __call__(self, user: AnyUser | None, case: Case) -> bool:
        return self.test(user, case)


HANDLE = Rule(
    can_act_on_case,
    _("You may not handle this case. Only the assignee or a team leader may do that."),
)
TAKE = Rule(can_take, _("You may not take this case."))
ASSIGN = Rule(can_assign, _("Only a team leader may assign cases."))
REOPEN = Rule(can_reopen, _("Only a team leader may reopen a case."))
REGENERATE = Rule(can_regenerate_letter, _("Only a team leader may regenerate a letter."))
DOWNLOAD_LETTER = Rule(can_view_case, _("You may not download this letter."))
