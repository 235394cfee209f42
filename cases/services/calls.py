"""Calls with the employer: attempts without answer, and reached calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.errors import ServiceError
from cases.models import TEXT_MAX, Call, Case, Criterion, EmployerResponse, EventKind
from cases.models.contact import CONTACT_FIELDS
from cases.services import bundles
from cases.services.base import Errors, case_write, check_moment, clean_text
from cases.services.contact import clean_contact
from cases.types import Actor


def case_record_call_attempt(
    *, case: Case | int, actor: Actor, version: int | None, called_at: dt.datetime | None
) -> Call:
    """An unanswered call attempt; needed for closing as werkgever_onbereikbaar."""
    with case_write(case, action="call_attempt", actor=actor, version=version) as write:
        moment = check_moment(called_at, "called_at", not_before=write.case.received_at)
        call = Call.objects.create(case=write.case, called_at=moment, caller=actor, reached=False)
        write.data = {"call_id": call.pk, "reached": False}
    return call


def case_record_call(
    *,
    case: Case | int,
    actor: Actor,
    version: int | None,
    called_at: dt.datetime | None,
    contact: Mapping[str, str],
    criteria: Sequence[str],
    employer_response: str,
    measures: str = "",
    notes: str = "",
) -> Call:
    """A reached call. The first one moves the case to employer_called; later ones are
    follow-up calls. `contact` holds the person spoken to (`CONTACT_FIELDS`): a form of
    address and a surname are required, as the letter is addressed to this person."""
    with case_write(case, action="call", actor=actor, version=version) as write:
        errors = Errors()
        moment: dt.datetime | None = None
        try:
            moment = check_moment(called_at, "called_at", not_before=write.case.received_at)
        except ValidationError as exc:
            errors.merge(exc)
        person: dict[str, str] = {}
        try:
            person = clean_contact(contact, required=True)
        except ValidationError as exc:
            errors.merge(exc)
        chosen = list(dict.fromkeys(criteria))
        if not chosen:
            errors.add("criteria", _("Tick at least one criterion discussed."))
        elif set(chosen) - set(Criterion.values):
            errors.add("criteria", _("Unknown criterion."))
        if employer_response not in EmployerResponse.values:
            errors.add("employer_response", _("Choose the employer’s response."))
        try:
            measures = clean_text(measures, "measures", required=False, max_length=TEXT_MAX)
            notes = clean_text(notes, "notes", required=False, max_length=TEXT_MAX)
        except ValidationError as exc:
            errors.merge(exc)
        if errors or moment is None:
            raise ValidationError(errors.by_field)
        if write.moves:
            write.transition()
        else:
            write.kind = EventKind.CALL  # a follow-up call: the state stays
        call = Call.objects.create(
            case=write.case,
            called_at=moment,
            caller=actor,
            reached=True,
            **person,
            criteria=[c for c in Criterion.values if c in chosen],
            employer_response=employer_response,
            measures=measures,
            notes=notes,
        )
        write.data = {
            "call_id": call.pk,
            "reached": True,
            "criteria": call.criteria,
            "employer_response": employer_response,
        }
        # Bundled handling: the one call is recorded on every attached case too.
        for member in bundles.follow(write):
            if member.moves:
                member.transition()
            else:
                member.kind = EventKind.CALL
            copy = _copy_call(call, member.case)
            member.data.update({**write.data, "call_id": copy.pk, "shared_call_id": call.pk})
    return call


def _copy_call(call: Call, case: Case) -> Call:
    """The record of the lead's reached `call` on a case handled together with it."""
    fields = {
        f.attname: getattr(call, f.attname)
        for f in Call._meta.concrete_fields
        if f.attname not in {"id", "case_id", "created_at", "shared_call_id"}
    }
    return Call.objects.create(**fields, case=case, shared_call=call)


def call_edit(
    *, case: Case | int, actor: Actor, version: int | None, call: int, contact: Mapping[str, str]
) -> Call:
    """Correct the person spoken to in a reached call of `case` (before the letter is issued:
    the letter is addressed to that person). Writes an Event naming the fields changed."""
    with case_write(case, action="call_edit", actor=actor, version=version) as write:
        item = (
            Call.objects.select_for_update().filter(pk=call, case=write.case, reached=True).first()
        )
        if item is None:
            raise ServiceError(_("This call does not exist."), code="not_found")
        person = clean_contact(contact, required=True)
        changed = [name for name in CONTACT_FIELDS if getattr(item, name) != person[name]]
        if not changed:
            raise ValidationError({"contact_surname": _("Nothing was changed.")})
        for name in changed:
            setattr(item, name, person[name])
        item.save(update_fields=changed)
        # Its records on the cases handled together with this one follow.
        Call.objects.filter(shared_call=item).update(**{name: person[name] for name in changed})
        write.data = {"call_id": item.pk, "fields": changed}
    return item
