"""Triage and the transitions of a case: taking and assigning it, taking it into
investigation or declining it, identifying its employer, closing and reopening it.

Every function is one `case_write`: the workflow table (`cases.workflow`) decides who may do
it and from which states; these functions only validate the input and change the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import permissions
from cases.deadlines import add_working_days
from cases.models import (
    CLOSE_OUTCOMES,
    CONTACT_FIELDS,
    DECLINE_OUTCOMES,
    Agreement,
    AgreementStatus,
    Case,
    Channel,
    Outcome,
    State,
)
from cases.services import bundles
from cases.services.base import case_write, clean_text
from cases.services.contact import clean_contact
from cases.services.employers import employer_follow_sector, employer_for_case
from cases.services.intake import (
    EmployerInput,
    match_employer,
    validate_employer_input,
    validate_topics,
)
from cases.types import Actor
from cases.workflow import state_label

REOPEN_REASON_MAX = 1000


def case_act(*, case: Case | int, actor: Actor, version: int | None, action: str) -> Case:
    """An action of the workflow table without input or a service of its own: it runs the
    action's transition (if it has one) and writes its Event."""
    with case_write(case, action=action, actor=actor, version=version) as write:
        if write.moves:
            write.transition()
    return write.case


def case_take(*, case: Case | int, actor: Actor, version: int | None) -> Case:
    """An inspector takes an unassigned case from the intake queue."""
    with case_write(case, action="take", actor=actor, version=version) as write:
        write.case.assignee = actor
        write.data = {"assignee_id": actor.pk, "previous_assignee_id": None}
    return write.case


def case_assign(*, case: Case | int, actor: Actor, version: int | None, assignee: Actor) -> Case:
    """A supervisor assigns or reassigns a case to anyone who handles cases."""
    with case_write(case, action="assign", actor=actor, version=version) as write:
        if not permissions.can_be_assignee(assignee):
            raise ValidationError({"assignee": _("This user cannot handle cases.")})
        if write.case.assignee_id == assignee.pk:
            raise ValidationError({"assignee": _("The case is already assigned to this person.")})
        write.data = {"assignee_id": assignee.pk, "previous_assignee_id": write.case.assignee_id}
        write.case.assignee = assignee
        # Bundled handling: the open attached cases follow the lead to its new assignee.
        for member in bundles.follow(write):
            member.data.update(
                assignee_id=assignee.pk, previous_assignee_id=member.case.assignee_id
            )
            member.case.assignee = assignee
    return write.case


def case_take_into_investigation(*, case: Case | int, actor: Actor, version: int | None) -> Case:
    with case_write(case, action="take_into_investigation", actor=actor, version=version) as write:
        call_due = add_working_days(timezone.localdate(write.at), settings.CALL_WORKING_DAYS)
        write.transition(now=write.at, call_due=call_due)
        write.data = {"due_date": call_due.isoformat()}
    return write.case


def _main_case_for_duplicate(case: Case, outcome: str, main_case: Case | None) -> Case | None:
    if outcome != Outcome.DUBBELE_MELDING:
        if main_case is not None:
            raise ValidationError(
                {"main_case": _("A main case only belongs with a duplicate case.")}
            )
        return None
    if main_case is None:
        raise ValidationError({"main_case": _("For a duplicate case, give the main case.")})
    if main_case.pk == case.pk:
        raise ValidationError({"main_case": _("A case cannot be its own main case.")})
    if main_case.main_case_id == case.pk:
        raise ValidationError(
            {"main_case": _("That case was itself closed as a duplicate of this case.")}
        )
    return main_case


def case_decline(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    outcome: str,
    main_case: Case | None = None,
) -> Case:
    """Niet in onderzoek nemen: received → closed with a decline outcome."""
    with case_write(case, action="decline", actor=actor, version=version) as write:
        if outcome not in DECLINE_OUTCOMES:
            raise ValidationError(
                {
                    "outcome": _(
                        "Choose an outcome that fits not taking the case into investigation."
                    )
                }
            )
        main = _main_case_for_duplicate(write.case, outcome, main_case)
        write.transition(outcome=outcome, main_case=main, now=write.at)
        write.data = {"outcome": outcome, "main_case": main.reference if main else None}
    return write.case


# Employer details that may be filled in while identifying it (never its numbers).
IDENTIFY_DETAIL_FIELDS = frozenset(
    {
        "sector_id",
        "visit_street",
        "visit_number",
        "visit_postcode",
        "visit_city",
        "postal_street",
        "postal_number",
        "postal_postcode",
        "postal_city",
        *CONTACT_FIELDS,
        "contact_phone",
        "contact_email",
    }
)


def case_identify_employer(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    kvk_number: str,
    establishment_number: str = "",
    name: str = "",
    details: dict[str, Any] | None = None,
) -> Case:
    """Identify the employer of a case by KvK(+vestiging).

    An existing employer with that number is linked; otherwise the as-reported employer
    row becomes the identified employer with the given details.
    """
    unknown = set(details or {}) - IDENTIFY_DETAIL_FIELDS
    if unknown:
        raise ValueError(f"not an employer detail: {sorted(unknown)}")
    with case_write(case, action="identify_employer", actor=actor, version=version) as write:
        current = write.case.employer
        previous_employer_id = current.pk
        data = validate_employer_input(
            EmployerInput(
                name=name or current.name,
                city=current.visit_city,
                kvk_number=kvk_number or "",
                establishment_number=establishment_number or "",
            )
        )
        if not data.kvk_number:
            raise ValidationError({"kvk_number": _("Fill in the KvK number.")})
        # The same rule as at intake: a KvK number alone names the registered employer (or
        # its only establishment) and never makes a second row beside its establishments.
        existing = match_employer(data)
        if existing is not None:
            write.case.employer = employer_for_case(existing.pk)
            # The as-reported row goes once no case refers to it any more.
            write.then(lambda: current.cases.exists() or current.delete())
            target = existing
        else:
            current.name = data.name
            current.kvk_number = data.kvk_number
            current.establishment_number = data.establishment_number
            given = dict(details or {})
            if any(name in given for name in CONTACT_FIELDS):
                given.update(clean_contact(given, required=False))
            for field, value in given.items():
                setattr(current, field, value)
            current.full_clean()
            current.save()
            # Its other cases follow a new sector now; this one when the write saves it.
            employer_follow_sector(current, exclude_case=write.case.pk)
            target = current
        write.data = {
            "employer_id": target.pk,
            "previous_employer_id": previous_employer_id,
            "kvk_number": target.kvk_number,
            "establishment_number": target.establishment_number,
        }
    return write.case


def _check_unreachable(case: Case) -> None:
    days = {
        timezone.localdate(moment)
        for moment in case.calls.filter(reached=False).values_list("called_at", flat=True)
    }
    if len(days) < 2:
        raise ValidationError(
            {
                "outcome": _(
                    "‘Employer unreachable’ needs at least two call attempts without answer on "
                    "different days."
                )
            }
        )


def _check_agreements_kept(case: Case) -> None:
    # A case handled together with others reads its lead's agreements.
    statuses = list(
        Agreement.objects.filter(case_id=case.agreements_case_id).values_list("status", flat=True)
    )
    if not statuses or any(s != AgreementStatus.NAGEKOMEN for s in statuses):
        raise ValidationError(
            {
                "outcome": _(
                    "‘Agreements fulfilled’ is only possible once all agreements have been "
                    "recorded as fulfilled."
                )
            }
        )


def case_close(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    outcome: str,
    main_case: Case | None = None,
) -> Case:
    with case_write(case, action="close", actor=actor, version=version) as write:
        locked = write.case
        if outcome not in CLOSE_OUTCOMES[locked.state]:
            raise ValidationError(
                {
                    "outcome": _("This outcome does not fit a case with status ‘{state}’.").format(
                        state=state_label(locked.state)
                    )
                }
            )
        main = _main_case_for_duplicate(locked, outcome, main_case)
        if outcome == Outcome.WERKGEVER_ONBEREIKBAAR:
            _check_unreachable(locked)
        if outcome == Outcome.AFSPRAKEN_NAGEKOMEN:
            _check_agreements_kept(locked)
        attached = [c for c in write.attached if c.state != State.CLOSED]
        if attached and outcome in bundles.OWN_OUTCOMES:
            raise ValidationError(
                {
                    "outcome": ngettext(
                        "‘{outcome}’ concerns only this case’s own melding, while another case "
                        "is handled together with it. First let that case be handled on its "
                        "own, or make it the lead (possible until the employer is called).",
                        "‘{outcome}’ concerns only this case’s own melding, while {count} other "
                        "cases are handled together with it. First let them be handled on their "
                        "own, or make one of them the lead (possible until the employer is "
                        "called).",
                        len(attached),
                    ).format(outcome=Outcome(outcome).label, count=len(attached))
                }
            )
        write.transition(outcome=outcome, main_case=main, now=write.at)
        write.data = {"outcome": outcome, "main_case": main.reference if main else None}
        # Bundled handling: the attached cases are closed with the same outcome.
        for member in bundles.follow(write):
            member.transition(outcome=outcome, main_case=None, now=write.at)
            member.data["outcome"] = outcome
    return write.case


def case_reopen(*, case: Case | int, actor: Actor, version: int | None, reason: str) -> Case:
    """Supervisor only: closed → received (never investigated) or under_investigation."""
    with case_write(case, action="reopen", actor=actor, version=version) as write:
        reason = clean_text(reason, "reason", required=True, max_length=REOPEN_REASON_MAX)
        write.data = {"reason": reason, "outcome": write.case.outcome}
        write.transition()
        # Reopening a case handled together with another detaches it; reopening the lead
        # leaves its attached cases as they are.
        if write.case.bundle_lead_id is not None:
            bundles.detach(write)
    return write.case


def case_update_details(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    channel: str | None = None,
    topic_codes: Sequence[str] | None = None,
) -> Case:
    """Correct the channel or topics of an open case (admin); written as an Event."""
    with case_write(case, action="update_details", actor=actor, version=version) as write:
        locked = write.case
        changed: list[str] = []
        if channel is not None and channel != locked.channel:
            if channel not in Channel.values:
                raise ValidationError({"channel": _("Choose a channel.")})
            locked.channel = channel
            changed.append("channel")
            write.data["channel"] = channel
        if topic_codes is not None:
            topics = validate_topics(topic_codes)
            old = sorted(locked.topics.values_list("code", flat=True))
            new = sorted(t.code for t in topics)
            if old != new:
                locked.topics.set(topics)
                changed.append("topics")
                write.data["topics"] = new
        if not changed:
            write.skip()
        write.data["fields"] = changed
    return write.case
