"""Every write to a case goes through one of these functions.

Each one runs in one transaction: lock the case row, compare the posted `version`, check
permission and guards, change the fields (state only through the FSM transition), save,
write the Event. A refused action raises `ServiceError` (or Django's `ValidationError` for
input errors) with a Dutch message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases import documents, permissions
from cases import validators as v
from cases.deadlines import add_working_days
from cases.events import record_event
from cases.models import (
    CLOSE_OUTCOMES,
    DECLINE_OUTCOMES,
    TEXT_MAX,
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Channel,
    Criterion,
    Employer,
    EmployerResponse,
    EventKind,
    Letter,
    Melder,
    Outcome,
    ReferenceCounter,
    SentVia,
    State,
    Topic,
)

EARLIEST_RECEIVED = dt.date(2020, 1, 1)
# Clock skew tolerated between the browser's "now" and the server's.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
_REFERENCE_RE = re.compile(r"^TW-(\d{4})-(\d{5})$")
# Called under the case lock with the locked case; raises ServiceError when the letter
# rendered before the lock no longer matches the data (see cases.letters).
LetterCheck = Callable[[Case], None]


class ServiceError(Exception):
    """A refused action. `message` is Dutch and shown to the user; nothing was changed."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class StaleVersionError(ServiceError):
    code = "stale"


class NotPermittedError(ServiceError):
    code = "forbidden"


class InvalidStateError(ServiceError):
    code = "invalid_state"


# ---------------------------------------------------------------------------
# Input records


@dataclass(frozen=True)
class EmployerInput:
    """An employer as given at intake or identification. Without KvK: as reported."""

    name: str
    city: str = ""
    kvk_number: str = ""
    establishment_number: str = ""


@dataclass(frozen=True)
class MelderInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    relation: str = ""


# ---------------------------------------------------------------------------
# Helpers


def _now() -> dt.datetime:
    return timezone.now()


def _state_label(state: str) -> str:
    return str(State(state).label)


def _lock(case: Case | int, version: int | None) -> Case:
    """Re-read the case with a row lock and compare the version the user saw."""
    pk = case.pk if isinstance(case, Case) else case
    try:
        # of=("self",): lock the case row only, not the employer shared with other cases.
        locked = Case.objects.select_for_update(of=("self",)).select_related("employer").get(pk=pk)
    except Case.DoesNotExist as exc:
        raise ServiceError(_("This case does not exist."), code="not_found") from exc
    if version is None or int(version) != locked.version:
        raise StaleVersionError(
            _(
                "Case {reference} has been changed by someone else in the meantime. Look at the "
                "current details and try again."
            ).format(reference=locked.reference)
        )
    return locked


def _require(
    condition: bool, message: str, *, error: type[ServiceError] = NotPermittedError
) -> None:
    if not condition:
        raise error(message)


def _require_actor_may_act(case: Case, actor: Any) -> None:
    if case.assignee_id is None:
        raise InvalidStateError(
            _("This case has not been assigned yet. Take the case or assign it first.")
        )
    _require(
        permissions.can_act_on_case(actor, case),
        _("You may not handle this case. Only the assignee or a team leader may do that."),
    )


def _require_state(case: Case, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if case.state not in allowed:
        raise InvalidStateError(
            _("{action} is not possible for a case with status ‘{state}’.").format(
                action=action, state=_state_label(case.state)
            )
        )


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version += 1
    case.save(update_fields=sorted({*fields, "version"}))


def _run_transition(case: Case, actor: Any, name: str, action: str, **kwargs: Any) -> str:
    """Check state and permission for transition `name`, run it, return the old state."""
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise InvalidStateError(
            _("{action} is not possible for a case with status ‘{state}’.").format(
                action=action, state=_state_label(case.state)
            )
        )
    transition = method._django_fsm.get_transition(case.state)
    _require(
        transition.has_perm(case, actor),
        _("You may not perform this action on this case."),
    )
    if not can_proceed(method):
        raise InvalidStateError(
            _("{action} is only possible once the conditions are met.").format(action=action)
        )
    before = case.state
    method(**kwargs)
    return before


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localdate(value)


def _clean_text(value: str | None, field: str, *, required: bool, max_length: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("Use at most {max} characters (now {count}).").format(
                    max=max_length, count=len(text)
                )
            }
        )
    return text


def _check_moment(value: dt.datetime | None, field: str, *, not_before: dt.datetime | None) -> None:
    if value is None:
        raise ValidationError({field: _("This field is required.")})
    if timezone.is_naive(value):
        raise ValidationError({field: _("Give a date and time with a time zone.")})
    if value > _now() + FUTURE_TOLERANCE:
        raise ValidationError({field: _("This date is in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {
                field: _("This date is before {date}.").format(
                    date=timezone.localtime(not_before).strftime("%d-%m-%Y %H:%M")
                )
            }
        )


def _merge(errors: dict[str, list[str]], exc: ValidationError) -> None:
    for field, messages in exc.message_dict.items():
        errors.setdefault(field, []).extend(messages)


# ---------------------------------------------------------------------------
# References


def allocate_reference(year: int) -> str:
    """Next reference for `year`, inside the caller's transaction (the counter row stays
    locked until it commits, so concurrent intakes queue and numbers stay contiguous)."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_number=0)], ignore_conflicts=True
    )
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    if counter.last_number >= 99999:
        raise ServiceError(_("The maximum number of references for this year has been reached."))
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"TW-{year:04d}-{counter.last_number:05d}"


def advance_reference_counter(reference: str) -> None:
    """Make sure the counter is past `reference` (used when cases are loaded from a fixture)."""
    match = _REFERENCE_RE.match(reference)
    if not match:
        return
    year, number = int(match.group(1)), int(match.group(2))
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_number=0)], ignore_conflicts=True
    )
    ReferenceCounter.objects.filter(year=year, last_number__lt=number).update(last_number=number)


# ---------------------------------------------------------------------------
# Intake


def _validate_topics(codes: Sequence[str]) -> list[Topic]:
    unique = list(dict.fromkeys(codes))
    if not unique:
        raise ValidationError({"topics": _("Choose at least one topic.")})
    topics = list(Topic.objects.filter(code__in=unique, active=True))
    unknown = sorted(set(unique) - {t.code for t in topics})
    if unknown:
        raise ValidationError(
            {"topics": _("Unknown topic: {codes}.").format(codes=", ".join(unknown))}
        )
    return topics


def _validate_melder(melder: MelderInput) -> MelderInput:
    errors: dict[str, list[str]] = {}
    name = melder.name.strip()
    email = melder.email.strip()
    phone = v.normalize_phone(melder.phone)
    relation = melder.relation.strip()
    for field, value, limit in (("melder_name", name, 200), ("melder_relation", relation, 200)):
        if len(value) > limit:
            errors[field] = [_("Use at most {max} characters.").format(max=limit)]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["melder_email"] = [_("Fill in a valid email address.")]
        else:
            # validate_email allows up to 320 characters; the column holds 254.
            limit = Melder._meta.get_field("email").max_length or 254
            if len(email) > limit:
                errors["melder_email"] = [_("Use at most {max} characters.").format(max=limit)]
    if phone:
        try:
            v.validate_phone(phone)
        except ValidationError as exc:
            errors["melder_phone"] = list(exc.messages)
    if not (name or email or phone):
        errors["melder_name"] = [
            _("Fill in at least a name, email address or phone number, or choose ‘anonymous’.")
        ]
    if errors:
        raise ValidationError(errors)
    return MelderInput(name=name, email=email, phone=phone, relation=relation)


def _validate_employer_input(data: EmployerInput) -> EmployerInput:
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    city = data.city.strip()
    kvk = data.kvk_number.strip()
    establishment = data.establishment_number.strip()
    if not name:
        errors["employer_name"] = [_("Fill in the employer’s name.")]
    elif len(name) > 200:
        errors["employer_name"] = [_("Use at most {max} characters.").format(max=200)]
    if len(city) > 100:
        errors["employer_city"] = [_("Use at most {max} characters.").format(max=100)]
    if kvk:
        try:
            v.validate_kvk_number(kvk)
        except ValidationError as exc:
            errors["kvk_number"] = list(exc.messages)
    if establishment:
        if not kvk:
            errors["establishment_number"] = [_("An establishment number needs a KvK number.")]
        else:
            try:
                v.validate_establishment_number(establishment)
            except ValidationError as exc:
                errors["establishment_number"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return EmployerInput(name=name, city=city, kvk_number=kvk, establishment_number=establishment)


def known_employer(kvk_number: str, establishment_number: str = "") -> Employer | None:
    """The registered employer with this KvK(+vestiging), if the numbers are well formed."""
    kvk, establishment = kvk_number.strip(), establishment_number.strip()
    try:
        v.validate_kvk_number(kvk)
        v.validate_establishment_number(establishment)
    except ValidationError:
        return None
    return Employer.objects.filter(kvk_number=kvk, establishment_number=establishment).first()


def _employer_for_intake(employer: Employer | None, reported: EmployerInput | None) -> Employer:
    if employer is not None:
        return employer
    if reported is None:
        raise ValidationError({"employer_name": _("Fill in the employer.")})
    existing = known_employer(reported.kvk_number, reported.establishment_number)
    if existing is not None:
        return existing
    return Employer.objects.create(
        name=reported.name,
        visit_city=reported.city,
        kvk_number=reported.kvk_number or None,
        establishment_number=reported.establishment_number,
    )


@dataclass(frozen=True)
class ValidIntake:
    received_at: dt.datetime
    channel: str
    topics: list[Topic]
    description: str
    employer: Employer | None
    reported_employer: EmployerInput | None
    melder: MelderInput | None


def validate_intake(
    *,
    received_at: dt.datetime | None,
    channel: str,
    topic_codes: Sequence[str],
    description: str,
    employer: Employer | None = None,
    reported_employer: EmployerInput | None = None,
    melder: MelderInput | None = None,
) -> ValidIntake:
    """Check all intake input at once; a ValidationError lists every problem per field."""
    errors: dict[str, list[str]] = {}
    earliest = timezone.make_aware(dt.datetime.combine(EARLIEST_RECEIVED, dt.time.min))
    try:
        _check_moment(received_at, "received_at", not_before=earliest)
    except ValidationError as exc:
        _merge(errors, exc)
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Choose a channel."))
    topics: list[Topic] = []
    try:
        topics = _validate_topics(topic_codes)
    except ValidationError as exc:
        _merge(errors, exc)
    try:
        description = _clean_text(description, "description", required=True, max_length=TEXT_MAX)
    except ValidationError as exc:
        _merge(errors, exc)
    if employer is None and reported_employer is None:
        errors.setdefault("employer_name", []).append(_("Fill in the employer."))
    elif employer is None and reported_employer is not None:
        employer = known_employer(
            reported_employer.kvk_number, reported_employer.establishment_number
        )
        if employer is None:
            try:
                reported_employer = _validate_employer_input(reported_employer)
            except ValidationError as exc:
                _merge(errors, exc)
    if melder is not None:
        try:
            melder = _validate_melder(melder)
        except ValidationError as exc:
            _merge(errors, exc)
    if errors or received_at is None:
        raise ValidationError(errors)
    return ValidIntake(
        received_at=received_at,
        channel=channel,
        topics=topics,
        description=description,
        employer=employer,
        reported_employer=reported_employer,
        melder=melder,
    )


def case_intake(
    *,
    actor: Any,
    received_at: dt.datetime | None,
    channel: str,
    topic_codes: Sequence[str],
    description: str,
    employer: Employer | None = None,
    reported_employer: EmployerInput | None = None,
    melder: MelderInput | None = None,
) -> Case:
    """Register a new melding. `melder=None` registers it anonymously."""
    _require(
        permissions.can_register(actor),
        _("You may not register cases."),
        error=NotPermittedError,
    )
    data = validate_intake(
        received_at=received_at,
        channel=channel,
        topic_codes=topic_codes,
        description=description,
        employer=employer,
        reported_employer=reported_employer,
        melder=melder,
    )
    received_at, channel, topics = data.received_at, data.channel, data.topics
    description, melder = data.description, data.melder
    employer, reported_employer = data.employer, data.reported_employer

    now = _now()
    with transaction.atomic():
        target_employer = _employer_for_intake(employer, reported_employer)
        case = Case(
            reference=allocate_reference(timezone.localdate(now).year),
            received_at=received_at,
            channel=channel,
            description=description,
            employer=target_employer,
            triage_due=add_working_days(_local_date(received_at), settings.TRIAGE_WORKING_DAYS),
            created_by=actor,
        )
        case.save()
        case.topics.set(topics)
        if melder is not None:
            Melder.objects.create(
                case=case,
                name=melder.name,
                email=melder.email,
                phone=melder.phone,
                relation=melder.relation,
            )
        record_event(
            kind=EventKind.INTAKE,
            actor=actor,
            case=case,
            to_state=case.state,
            at=now,
            data={
                "reference": case.reference,
                "channel": channel,
                "topics": sorted(t.code for t in topics),
                "anonymous": melder is None,
                "employer_id": target_employer.pk,
            },
        )
    return case


# ---------------------------------------------------------------------------
# Assignment


def case_take(*, case: Case | int, actor: Any, version: int | None) -> Case:
    """An inspector takes an unassigned case from the intake queue."""
    with transaction.atomic():
        case = _lock(case, version)
        if case.assignee_id is not None:
            raise InvalidStateError(_("This case has already been assigned."))
        _require(permissions.can_take(actor, case), _("You may not take this case."))
        case.assignee = actor
        _save(case, ["assignee"])
        record_event(
            kind=EventKind.ASSIGNED,
            actor=actor,
            case=case,
            data={"assignee_id": actor.pk, "previous_assignee_id": None},
        )
    return case


def case_assign(*, case: Case | int, actor: Any, version: int | None, assignee: Any) -> Case:
    """A supervisor assigns or reassigns a case to anyone who handles cases."""
    with transaction.atomic():
        case = _lock(case, version)
        _require(permissions.can_assign(actor), _("Only a team leader may assign cases."))
        if not permissions.can_be_assignee(assignee):
            raise ValidationError({"assignee": _("This user cannot handle cases.")})
        if case.state == State.CLOSED:
            raise InvalidStateError(_("A closed case cannot be assigned."))
        if case.assignee_id == assignee.pk:
            raise ValidationError({"assignee": _("The case is already assigned to this person.")})
        previous = case.assignee_id
        case.assignee = assignee
        _save(case, ["assignee"])
        record_event(
            kind=EventKind.ASSIGNED,
            actor=actor,
            case=case,
            data={"assignee_id": assignee.pk, "previous_assignee_id": previous},
        )
    return case


# ---------------------------------------------------------------------------
# Employer identification


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
        "contact_name",
        "contact_phone",
        "contact_email",
    }
)


def case_identify_employer(
    *,
    case: Case | int,
    actor: Any,
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
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(
            case,
            (State.RECEIVED, State.UNDER_INVESTIGATION),
            _("Identifying the employer"),
        )
        current = case.employer
        previous_employer_id = current.pk  # delete() below clears current.pk
        if current.is_identified:
            raise InvalidStateError(_("The employer of this case has already been identified."))
        data = _validate_employer_input(
            EmployerInput(
                name=name or current.name,
                city=current.visit_city,
                kvk_number=kvk_number or "",
                establishment_number=establishment_number or "",
            )
        )
        if not data.kvk_number:
            raise ValidationError({"kvk_number": _("Fill in the KvK number.")})
        existing = Employer.objects.filter(
            kvk_number=data.kvk_number, establishment_number=data.establishment_number
        ).first()
        if existing is not None:
            case.employer = existing
            _save(case, ["employer"])
            if not current.cases.exists():
                current.delete()
            target = existing
        else:
            current.name = data.name
            current.kvk_number = data.kvk_number
            current.establishment_number = data.establishment_number
            unknown = set(details or {}) - IDENTIFY_DETAIL_FIELDS
            if unknown:
                raise ValueError(f"not an employer detail: {sorted(unknown)}")
            for field, value in (details or {}).items():
                setattr(current, field, value)
            current.clean()
            current.full_clean()
            current.save()
            _save(case, [])
            target = current
        record_event(
            kind=EventKind.EMPLOYER_IDENTIFIED,
            actor=actor,
            case=case,
            data={
                "employer_id": target.pk,
                "previous_employer_id": previous_employer_id,
                "kvk_number": target.kvk_number,
                "establishment_number": target.establishment_number,
            },
        )
    return case


# ---------------------------------------------------------------------------
# Transitions


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


def case_take_into_investigation(*, case: Case | int, actor: Any, version: int | None) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        now = _now()
        call_due = add_working_days(timezone.localdate(now), settings.CALL_WORKING_DAYS)
        before = _run_transition(
            case,
            actor,
            "take_into_investigation",
            _("Taking into investigation"),
            now=now,
            call_due=call_due,
        )
        _save(case, ["state", "investigated_at", "call_due"])
        record_event(
            kind=EventKind.TAKE_INTO_INVESTIGATION,
            actor=actor,
            case=case,
            from_state=before,
            to_state=case.state,
            at=now,
            data={"due_date": call_due.isoformat()},
        )
    return case


def case_decline(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    outcome: str,
    main_case: Case | None = None,
) -> Case:
    """Niet in onderzoek nemen: received → closed with a decline outcome."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(case, (State.RECEIVED,), _("Not taking into investigation"))
        if outcome not in DECLINE_OUTCOMES:
            raise ValidationError(
                {
                    "outcome": _(
                        "Choose an outcome that fits not taking the case into investigation."
                    )
                }
            )
        main = _main_case_for_duplicate(case, outcome, main_case)
        now = _now()
        before = _run_transition(
            case,
            actor,
            "decline",
            _("Not taking into investigation"),
            outcome=outcome,
            main_case=main,
            now=now,
        )
        _save(case, ["state", "outcome", "main_case", "closed_at"])
        record_event(
            kind=EventKind.DECLINE,
            actor=actor,
            case=case,
            from_state=before,
            to_state=case.state,
            at=now,
            data={"outcome": outcome, "main_case": main.reference if main else None},
        )
    return case


def _validate_call_moment(case: Case, called_at: dt.datetime | None) -> None:
    _check_moment(called_at, "called_at", not_before=case.received_at)


def case_record_call_attempt(
    *, case: Case | int, actor: Any, version: int | None, called_at: dt.datetime | None
) -> Call:
    """An unanswered call attempt; needed for closing as werkgever_onbereikbaar."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(
            case,
            (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED),
            _("Recording a call attempt"),
        )
        if not case.employer.is_identified:
            raise InvalidStateError(_("Identify the employer (KvK number) before you call."))
        _validate_call_moment(case, called_at)
        call = Call.objects.create(case=case, called_at=called_at, caller=actor, reached=False)
        _save(case, [])
        record_event(
            kind=EventKind.CALL_ATTEMPT,
            actor=actor,
            case=case,
            data={"call_id": call.pk, "reached": False},
        )
    return call


def case_record_call(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    called_at: dt.datetime | None,
    contact_name: str,
    criteria: Sequence[str],
    employer_response: str,
    measures: str = "",
    notes: str = "",
) -> Call:
    """A reached call. The first one moves the case to employer_called; later ones are
    follow-up calls."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(
            case,
            (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED),
            _("Recording a call"),
        )
        if not case.employer.is_identified:
            raise InvalidStateError(_("Identify the employer (KvK number) before you call."))
        errors: dict[str, list[str]] = {}
        try:
            _validate_call_moment(case, called_at)
        except ValidationError as exc:
            _merge(errors, exc)
        try:
            contact_name = _clean_text(contact_name, "contact_name", required=True, max_length=200)
        except ValidationError as exc:
            _merge(errors, exc)
        chosen = list(dict.fromkeys(criteria))
        if not chosen:
            errors["criteria"] = [_("Tick at least one criterion discussed.")]
        elif set(chosen) - set(Criterion.values):
            errors["criteria"] = [_("Unknown criterion.")]
        if employer_response not in EmployerResponse.values:
            errors["employer_response"] = [_("Choose the employer’s response.")]
        try:
            measures = _clean_text(measures, "measures", required=False, max_length=TEXT_MAX)
            notes = _clean_text(notes, "notes", required=False, max_length=TEXT_MAX)
        except ValidationError as exc:
            _merge(errors, exc)
        if errors:
            raise ValidationError(errors)
        before = case.state
        if case.state == State.UNDER_INVESTIGATION:
            _run_transition(case, actor, "record_call", _("Recording that the employer was called"))
        call = Call.objects.create(
            case=case,
            called_at=called_at,
            caller=actor,
            reached=True,
            contact_name=contact_name,
            criteria=[c for c in Criterion.values if c in chosen],
            employer_response=employer_response,
            measures=measures,
            notes=notes,
        )
        _save(case, ["state"] if before != case.state else [])
        record_event(
            kind=EventKind.RECORD_CALL if before != case.state else EventKind.CALL,
            actor=actor,
            case=case,
            from_state=before if before != case.state else "",
            to_state=case.state if before != case.state else "",
            data={
                "call_id": call.pk,
                "reached": True,
                "criteria": call.criteria,
                "employer_response": employer_response,
            },
        )
    return call


def _validate_agreement(description: str, due_date: dt.date | None) -> tuple[str, dt.date]:
    errors: dict[str, list[str]] = {}
    try:
        description = _clean_text(description, "description", required=True, max_length=2000)
    except ValidationError as exc:
        _merge(errors, exc)
    if due_date is None:
        errors["due_date"] = [_("Fill in a due date.")]
    elif due_date < timezone.localdate():
        errors["due_date"] = [_("The due date may not be in the past.")]
    if errors or due_date is None:
        raise ValidationError(errors)
    return description, due_date


def agreement_add(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    description: str,
    due_date: dt.date | None,
) -> Agreement:
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(case, (State.EMPLOYER_CALLED,), _("Adding an agreement"))
        description, due_date = _validate_agreement(description, due_date)
        agreement = Agreement.objects.create(
            case=case, description=description, due_date=due_date, created_by=actor
        )
        _save(case, [])
        record_event(
            kind=EventKind.AGREEMENT_ADDED,
            actor=actor,
            case=case,
            data={"agreement_id": agreement.pk, "due_date": due_date.isoformat()},
        )
    return agreement


def _locked_agreement(case: Case, agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    try:
        return Agreement.objects.select_for_update().get(pk=pk, case=case)
    except Agreement.DoesNotExist as exc:
        raise ServiceError(
            _("This agreement does not belong to this case."), code="not_found"
        ) from exc


def agreement_edit(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    agreement: Agreement | int,
    description: str,
    due_date: dt.date | None,
) -> Agreement:
    """Change an agreement while it is not yet confirmed by letter."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(case, (State.EMPLOYER_CALLED,), _("Changing an agreement"))
        item = _locked_agreement(case, agreement)
        description, due_date = _validate_agreement(description, due_date)
        previous_due = item.due_date
        item.description = description
        item.due_date = due_date
        item.save(update_fields=["description", "due_date"])
        _save(case, [])
        record_event(
            kind=EventKind.AGREEMENT_CHANGED,
            actor=actor,
            case=case,
            data={
                "agreement_id": item.pk,
                "due_date": due_date.isoformat(),
                "previous_due_date": previous_due.isoformat(),
            },
        )
    return item


def agreement_set_status(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    agreement: Agreement | int,
    status: str,
) -> Agreement:
    """Record whether a confirmed agreement was kept."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(
            case, (State.AGREEMENTS_CONFIRMED,), _("Changing the status of an agreement")
        )
        item = _locked_agreement(case, agreement)
        if status not in AgreementStatus.values:
            raise ValidationError({"status": _("Choose a valid status.")})
        if status == item.status:
            raise ValidationError({"status": _("The agreement already has this status.")})
        previous = item.status
        item.status = status
        item.status_changed_at = _now()
        item.save(update_fields=["status", "status_changed_at"])
        _save(case, [])
        record_event(
            kind=EventKind.AGREEMENT_STATUS,
            actor=actor,
            case=case,
            data={"agreement_id": item.pk, "status": status, "previous_status": previous},
        )
    return item


def _check_pdf(letter_pdf: bytes) -> None:
    if not letter_pdf or not letter_pdf.startswith(b"%PDF-"):
        raise ServiceError(_("The letter could not be generated; try again."))


def _store_letter(
    case: Case,
    actor: Any,
    *,
    letter_pdf: bytes,
    template_version: str,
    at: dt.datetime,
    reason: str = "",
    failure: str,
) -> Letter:
    """Store the bytes under their sha256 and create the next Letter version. Inside the
    caller's transaction, with the case row locked; the caller writes the Events."""
    try:
        sha256 = documents.store(letter_pdf)
    except OSError as exc:
        raise ServiceError(failure) from exc
    letter = Letter.objects.create(
        case=case,
        number=case.letters.count() + 1,
        sha256=sha256,
        size=len(letter_pdf),
        template_version=template_version,
        generated_by=actor,
        generated_at=at,
        reason=reason,
    )
    return letter


def _record_letter_generated(case: Case, actor: Any, letter: Letter) -> None:
    # Every generated letter is an Event of its own (PRODUCT.md, "Event").
    data = {**_letter_data(letter), **({"reason": letter.reason} if letter.reason else {})}
    record_event(
        kind=EventKind.LETTER_GENERATED,
        actor=actor,
        case=case,
        at=letter.generated_at,
        data=data,
    )


def _letter_data(letter: Letter) -> dict[str, Any]:
    return {
        "letter_id": letter.pk,
        "letter_number": letter.number,
        "sha256": letter.sha256,
        "template_version": letter.template_version,
    }


def case_confirm_agreements(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    letter_pdf: bytes,
    template_version: str,
    check_letter: LetterCheck | None = None,
) -> Letter:
    """employer_called → agreements_confirmed, issuing the final letter.

    `letter_pdf` is rendered by the caller *before* this is called (never inside the write
    transaction); here the version is re-checked under the lock, `check_letter` (if given)
    confirms that the letter's data still match what was rendered, the bytes are stored
    under their sha256, and the transition and the Letter record commit together.
    """
    _check_pdf(letter_pdf)
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(case, (State.EMPLOYER_CALLED,), _("Confirming agreements"))
        if not case.agreements.exists():
            raise InvalidStateError(
                _("Record at least one agreement with a due date before you confirm.")
            )
        if check_letter is not None:
            check_letter(case)
        now = _now()
        before = _run_transition(case, actor, "confirm_agreements", _("Confirming agreements"))
        letter = _store_letter(
            case,
            actor,
            letter_pdf=letter_pdf,
            template_version=template_version,
            at=now,
            failure=_("The letter could not be stored. The case has not been changed."),
        )
        _save(case, ["state"])
        record_event(
            kind=EventKind.CONFIRM_AGREEMENTS,
            actor=actor,
            case=case,
            from_state=before,
            to_state=case.state,
            at=now,
            data=_letter_data(letter),
        )
        _record_letter_generated(case, actor, letter)
    return letter


def letter_mark_sent(
    *,
    letter: Letter | int,
    actor: Any,
    version: int | None,
    sent_at: dt.date | None,
    sent_via: str,
) -> Letter:
    pk = letter.pk if isinstance(letter, Letter) else letter
    with transaction.atomic():
        item = Letter.objects.select_for_update().filter(pk=pk).first()
        if item is None:
            raise ServiceError(_("This letter does not exist."), code="not_found")
        case = _lock(item.case_id, version)
        _require_actor_may_act(case, actor)
        errors: dict[str, list[str]] = {}
        if sent_via not in SentVia.values:
            errors["sent_via"] = [_("Choose how the letter was sent.")]
        if sent_at is None:
            errors["sent_at"] = [_("Fill in the date it was sent.")]
        elif sent_at > timezone.localdate():
            errors["sent_at"] = [_("The date sent is in the future.")]
        elif sent_at < timezone.localdate(item.generated_at):
            errors["sent_at"] = [_("The date sent is before the date of the letter.")]
        if errors:
            raise ValidationError(errors)
        if item.sent_at is not None:
            raise InvalidStateError(_("This letter has already been recorded as sent."))
        item.sent_at = sent_at
        item.sent_via = sent_via
        item.save(update_fields=["sent_at", "sent_via"])
        _save(case, [])
        record_event(
            kind=EventKind.LETTER_SENT,
            actor=actor,
            case=case,
            data={
                "letter_id": item.pk,
                "letter_number": item.number,
                "sent_at": sent_at.isoformat() if sent_at else None,
                "sent_via": sent_via,
            },
        )
    return item


REGENERATE_REASON_MAX = 500


def _check_regenerate(case: Case, actor: Any, reason: str) -> str:
    _require(
        permissions.can_regenerate_letter(actor, case),
        _("Only a team leader may regenerate a letter."),
    )
    _require_state(case, (State.AGREEMENTS_CONFIRMED,), _("Regenerating a letter"))
    if not case.letters.exists():
        raise InvalidStateError(_("This case has no letter to regenerate yet."))
    return _clean_text(reason, "reason", required=True, max_length=REGENERATE_REASON_MAX)


def confirm_agreements_precheck(*, case: Case, actor: Any) -> None:
    """The checks of `case_confirm_agreements` without a lock, so a refused request is
    refused before a letter is rendered for it. `case_confirm_agreements` checks again."""
    _require_actor_may_act(case, actor)
    _require_state(case, (State.EMPLOYER_CALLED,), _("Confirming agreements"))
    if not case.agreements.exists():
        raise InvalidStateError(
            _("Record at least one agreement with a due date before you confirm.")
        )


def letter_regenerate_precheck(*, case: Case, actor: Any, reason: str) -> None:
    """The checks of `letter_regenerate` without a lock, so a refused request is refused
    before a PDF is rendered for it. `letter_regenerate` checks everything again."""
    _check_regenerate(case, actor, reason)


def letter_regenerate(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    reason: str,
    letter_pdf: bytes,
    template_version: str,
    check_letter: LetterCheck | None = None,
) -> Letter:
    """Supervisor only: store a new version of the confirmation letter, with a reason.

    Earlier versions (their rows and stored bytes) stay exactly as they are. Like
    `case_confirm_agreements`, the PDF is rendered by the caller before this is called and
    `check_letter` runs under the lock.
    """
    _check_pdf(letter_pdf)
    with transaction.atomic():
        case = _lock(case, version)
        reason = _check_regenerate(case, actor, reason)
        if check_letter is not None:
            check_letter(case)
        letter = _store_letter(
            case,
            actor,
            letter_pdf=letter_pdf,
            template_version=template_version,
            at=_now(),
            reason=reason,
            failure=_("The letter could not be stored. Nothing has been changed."),
        )
        _save(case, [])
        _record_letter_generated(case, actor, letter)
    return letter


def letter_download(*, letter: Letter, actor: Any) -> bytes:
    """The stored bytes of `letter` for `actor`; each download is an Event.

    The checksum is verified on reading; the Event is written only when the bytes were read.
    """
    case = letter.case
    _require(
        permissions.can_view_case(actor, case),
        _("You may not download this letter."),
    )
    try:
        content = documents.read(letter.sha256)
    except (OSError, ValueError) as exc:
        raise ServiceError(
            _("The letter could not be read. Contact the functional administrator."),
            code="unreadable",
        ) from exc
    record_event(
        kind=EventKind.LETTER_DOWNLOADED,
        actor=actor,
        case=case,
        data={"letter_id": letter.pk, "letter_number": letter.number, "sha256": letter.sha256},
    )
    return content


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
    statuses = list(case.agreements.values_list("status", flat=True))
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
    actor: Any,
    version: int | None,
    outcome: str,
    main_case: Case | None = None,
) -> Case:
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        _require_state(case, tuple(CLOSE_OUTCOMES), _("Closing"))
        if outcome not in CLOSE_OUTCOMES[case.state]:
            raise ValidationError(
                {
                    "outcome": _("This outcome does not fit a case with status ‘{state}’.").format(
                        state=_state_label(case.state)
                    )
                }
            )
        main = _main_case_for_duplicate(case, outcome, main_case)
        if outcome == Outcome.WERKGEVER_ONBEREIKBAAR:
            _check_unreachable(case)
        if outcome == Outcome.AFSPRAKEN_NAGEKOMEN:
            _check_agreements_kept(case)
        now = _now()
        before = _run_transition(
            case, actor, "close", _("Closing"), outcome=outcome, main_case=main, now=now
        )
        _save(case, ["state", "outcome", "main_case", "closed_at"])
        record_event(
            kind=EventKind.CLOSE,
            actor=actor,
            case=case,
            from_state=before,
            to_state=case.state,
            at=now,
            data={"outcome": outcome, "main_case": main.reference if main else None},
        )
    return case


def case_reopen(*, case: Case | int, actor: Any, version: int | None, reason: str) -> Case:
    """Supervisor only: closed → received (never investigated) or under_investigation."""
    with transaction.atomic():
        case = _lock(case, version)
        _require(
            permissions.can_reopen(actor, case),
            _("Only a team leader may reopen a case."),
        )
        _require_state(case, (State.CLOSED,), _("Reopening"))
        reason = _clean_text(reason, "reason", required=True, max_length=1000)
        previous_outcome = case.outcome
        before = _run_transition(case, actor, "reopen", _("Reopening"))
        _save(case, ["state", "outcome", "main_case", "closed_at"])
        record_event(
            kind=EventKind.REOPEN,
            actor=actor,
            case=case,
            from_state=before,
            to_state=case.state,
            data={"reason": reason, "outcome": previous_outcome},
        )
    return case


def case_update_details(
    *,
    case: Case | int,
    actor: Any,
    version: int | None,
    channel: str | None = None,
    topic_codes: Sequence[str] | None = None,
) -> Case:
    """Correct the channel or topics of an open case (admin); written as an Event."""
    with transaction.atomic():
        case = _lock(case, version)
        _require_actor_may_act(case, actor)
        if case.state == State.CLOSED:
            raise InvalidStateError(_("A closed case can no longer be changed."))
        changed: list[str] = []
        data: dict[str, Any] = {}
        if channel is not None and channel != case.channel:
            if channel not in Channel.values:
                raise ValidationError({"channel": _("Choose a channel.")})
            case.channel = channel
            changed.append("channel")
            data["channel"] = channel
        if topic_codes is not None:
            topics = _validate_topics(topic_codes)
            old = sorted(case.topics.values_list("code", flat=True))
            new = sorted(t.code for t in topics)
            if old != new:
                case.topics.set(topics)
                changed.append("topics")
                data["topics"] = new
        if not changed:
            return case
        _save(case, [f for f in changed if f != "topics"])
        data["fields"] = changed
        record_event(kind=EventKind.CASE_EDITED, actor=actor, case=case, data=data)
    return case


def record_melder_view(*, case: Case, actor: Any) -> None:
    """Each view of melder data or the melding text is an Event."""
    if not permissions.can_view_melder(actor, case):
        raise NotPermittedError(_("You may not view the complainant’s details."))
    record_event(kind=EventKind.MELDER_VIEWED, actor=actor, case=case)


# ---------------------------------------------------------------------------
# Figures for the ministry


def _read_one_snapshot() -> None:
    """Make the transaction just opened see one snapshot of the data in all its statements,
    so the recorded headline and breakdowns (two queries) always agree.

    PostgreSQL's default READ COMMITTED gives each statement its own snapshot; REPEATABLE
    READ gives the whole transaction one. It must be the transaction's first statement, so
    this applies to an outermost transaction only (a request; not inside a test's
    transaction). SQLite transactions already read one snapshot.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def snapshot_create(*, actor: Any, params: Any, label: str = "") -> Any:
    """Freeze the dashboard figures for the shared filter `params` as a FigureSnapshot:
    the figures (breakdowns included), the canonical filter, the generated paragraph, who
    and when. Supervisors only; written with an Event (no melder data: counts only)."""
    from cases.dashboard.figures import SCHEMA_VERSION, dashboard_figures
    from cases.dashboard.params import (
        canonical_params,
        describe_filter,
        ministry_paragraph,
        period_of,
    )
    from cases.filters import filtered_cases
    from cases.models import FigureSnapshot

    if not permissions.can_view_dashboard(actor):
        raise NotPermittedError(_("Only team leaders may record figures."))
    label = _clean_text(label, "label", required=False, max_length=200)
    with transaction.atomic():
        _read_one_snapshot()
        case_filter, cases = filtered_cases(actor, params)
        if not case_filter.is_valid():
            raise ValidationError({"filter": _("The filter is invalid; correct it first.")})
        canonical = canonical_params(case_filter)
        now = _now()
        today = _local_date(now)
        figures = dashboard_figures(cases, today=today)
        start, end = period_of(canonical, today)
        snapshot = FigureSnapshot.objects.create(
            created_at=now,
            created_by=actor,
            label=label,
            filter_query=canonical.urlencode(),
            filter_description=[list(pair) for pair in describe_filter(case_filter)],
            period_start=start,
            period_end=end,
            received=figures.counts.received,
            investigated=figures.counts.investigated,
            only_not_allowed=figures.counts.only_not_allowed,
            paragraph=ministry_paragraph(figures.counts, start, end),
            figures=figures.to_json(),
            schema_version=SCHEMA_VERSION,
        )
        record_event(
            kind=EventKind.FIGURES_FROZEN,
            actor=actor,
            at=now,
            data={"snapshot_id": snapshot.pk, "filter": snapshot.filter_query[:1000]},
        )
    return snapshot
