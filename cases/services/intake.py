"""Intake: registering a new melding, and the reference numbers it gets."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions, rollups, selectors
from cases import validators as v
from cases.deadlines import add_working_days
from cases.errors import DuplicateIntakeError
from cases.events import record_event
from cases.models import (
    TEXT_MAX,
    Case,
    Channel,
    Employer,
    EventKind,
    Melder,
    ReferenceCounter,
    Topic,
)
from cases.services import base
from cases.services.base import Errors, NotPermittedError, ServiceError, check_moment, clean_text
from cases.services.employers import employer_for_case
from cases.types import Actor

EARLIEST_RECEIVED = dt.date(2020, 1, 1)
_REFERENCE_RE = re.compile(r"^TW-(\d{4})-(\d{5})$")


@dataclass(frozen=True)
class EmployerInput:
    """An employer as given at intake or identification. Without KvK: as reported."""

    name: str
    city: str = ""
    kvk_number: str = ""
    establishment_number: str = ""
    # A registered establishment of `kvk_number` the inspector chose (the intake form's list).
    employer_id: int | None = None


@dataclass(frozen=True)
class MelderInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    relation: str = ""


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
# Validation


def validate_topics(codes: Sequence[str]) -> list[Topic]:
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
    errors = Errors()
    name = melder.name.strip()
    email = melder.email.strip()
    phone = v.normalize_phone(melder.phone)
    relation = melder.relation.strip()
    for field, value, limit in (("melder_name", name, 200), ("melder_relation", relation, 200)):
        if len(value) > limit:
            errors.add(field, _("Use at most {max} characters.").format(max=limit))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("melder_email", _("Fill in a valid email address."))
        else:
            # validate_email allows up to 320 characters; the column holds 254.
            limit = Melder._meta.get_field("email").max_length or 254
            if len(email) > limit:
                errors.add("melder_email", _("Use at most {max} characters.").format(max=limit))
    if phone:
        try:
            v.validate_phone(phone)
        except ValidationError as exc:
            errors.by_field["melder_phone"] = list(exc.messages)
    if not (name or email or phone):
        errors.add(
            "melder_name",
            _("Fill in at least a name, email address or phone number, or choose ‘anonymous’."),
        )
    errors.raise_any()
    return MelderInput(name=name, email=email, phone=phone, relation=relation)


def validate_employer_input(data: EmployerInput) -> EmployerInput:
    errors = Errors()
    name = data.name.strip()
    city = data.city.strip()
    kvk = data.kvk_number.strip()
    establishment = data.establishment_number.strip()
    if not name:
        errors.add("employer_name", _("Fill in the employer’s name."))
    elif len(name) > 200:
        errors.add("employer_name", _("Use at most {max} characters.").format(max=200))
    if len(city) > 100:
        errors.add("employer_city", _("Use at most {max} characters.").format(max=100))
    if kvk:
        try:
            v.validate_kvk_number(kvk)
        except ValidationError as exc:
            errors.by_field["kvk_number"] = list(exc.messages)
    if establishment:
        if not kvk:
            errors.add("establishment_number", _("An establishment number needs a KvK number."))
        else:
            try:
                v.validate_establishment_number(establishment)
            except ValidationError as exc:
                errors.by_field["establishment_number"] = list(exc.messages)
    errors.raise_any()
    return EmployerInput(name=name, city=city, kvk_number=kvk, establishment_number=establishment)


def match_employer(data: EmployerInput) -> Employer | None:
    """The registered employer that the input names; None when it names a new one.

    - a chosen establishment (`employer_id`) must have the given KvK number;
    - a KvK number with an establishment number: that establishment, if registered;
    - a KvK number alone: the employer registered without an establishment number, else its
      only establishment; with several, the inspector chooses (a ValidationError).
    So a KvK number alone never makes a second row for an employer that has establishments.
    """
    kvk, establishment = data.kvk_number.strip(), data.establishment_number.strip()
    if data.employer_id is not None:
        chosen = Employer.objects.filter(pk=data.employer_id, kvk_number=kvk or None).first()
        if chosen is None:
            raise ValidationError(
                {
                    "employer_choice": _(
                        "The establishment you chose does not belong to KvK number {kvk}. "
                        "Choose again."
                    ).format(kvk=kvk)
                }
            )
        return chosen
    known = selectors.employers_by_kvk(kvk) if kvk else []
    if establishment:
        return next((e for e in known if e.establishment_number == establishment), None)
    main = [e for e in known if not e.establishment_number]
    if main or len(known) == 1:
        return (main or known)[0]
    if known:
        raise ValidationError(
            {
                "employer_choice": _(
                    "KvK number {kvk} has {count} establishments. Choose the establishment, "
                    "or fill in the establishment number of a new one."
                ).format(kvk=kvk, count=len(known))
            }
        )
    return None


def _known_name(data: EmployerInput) -> EmployerInput:
    """A new establishment of a registered KvK number takes the registered name when none
    is given: the name is needed only for an unknown employer."""
    if data.name.strip() or not data.kvk_number.strip():
        return data
    known = selectors.employers_by_kvk(data.kvk_number)
    if not known:
        return data
    return EmployerInput(
        name=known[0].name,
        city=data.city,
        kvk_number=data.kvk_number,
        establishment_number=data.establishment_number,
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
    errors = Errors()
    earliest = timezone.make_aware(dt.datetime.combine(EARLIEST_RECEIVED, dt.time.min))
    try:
        check_moment(received_at, "received_at", not_before=earliest)
    except ValidationError as exc:
        errors.merge(exc)
    if channel not in Channel.values:
        errors.add("channel", _("Choose a channel."))
    topics: list[Topic] = []
    try:
        topics = validate_topics(topic_codes)
    except ValidationError as exc:
        errors.merge(exc)
    try:
        description = clean_text(description, "description", required=True, max_length=TEXT_MAX)
    except ValidationError as exc:
        errors.merge(exc)
    if employer is None and reported_employer is None:
        errors.add("employer_name", _("Fill in the employer."))
    elif employer is None and reported_employer is not None:
        try:
            employer = match_employer(reported_employer)
            if employer is None:
                reported_employer = validate_employer_input(_known_name(reported_employer))
        except ValidationError as exc:
            errors.merge(exc)
    if melder is not None:
        try:
            melder = _validate_melder(melder)
        except ValidationError as exc:
            errors.merge(exc)
    if errors or received_at is None:
        raise ValidationError(errors.by_field)
    return ValidIntake(
        received_at=received_at,
        channel=channel,
        topics=topics,
        description=description,
        employer=employer,
        reported_employer=reported_employer,
        melder=melder,
    )


# ---------------------------------------------------------------------------
# Intake


def _employer_for_intake(employer: Employer | None, reported: EmployerInput | None) -> Employer:
    if employer is not None:
        return employer
    if reported is None:
        raise ValidationError({"employer_name": _("Fill in the employer.")})
    existing = match_employer(reported)
    if existing is not None:
        return existing
    if not reported.kvk_number:
        return Employer.objects.create(name=reported.name, visit_city=reported.city)
    # One row per KvK(+establishment): an intake registering the same new employer at the
    # same moment gets the row the other one made.
    employer, _created = Employer.objects.get_or_create(
        kvk_number=reported.kvk_number,
        establishment_number=reported.establishment_number,
        defaults={"name": reported.name, "visit_city": reported.city},
    )
    return employer


def _refuse_used_token(token: uuid.UUID, actor: Actor) -> None:
    earlier = Case.objects.filter(intake_token=token).first()
    if earlier is None:
        return
    if earlier.created_by_id != actor.pk:
        raise ServiceError(
            _("This form has already been used. Open a new form to register a case."),
            code="used_token",
        )
    raise DuplicateIntakeError(
        _(
            "This form had already been sent: case {reference} was registered then. No second "
            "case has been made."
        ).format(reference=earlier.reference),
        case=earlier,
    )


def case_intake(
    *,
    actor: Actor,
    received_at: dt.datetime | None,
    channel: str,
    topic_codes: Sequence[str],
    description: str,
    employer: Employer | None = None,
    reported_employer: EmployerInput | None = None,
    melder: MelderInput | None = None,
    token: uuid.UUID | None = None,
) -> Case:
    """Register a new melding. `melder=None` registers it anonymously.

    `token` is the intake form's one-time token: if a melding was registered with it already
    (the form sent twice, or again after going back), nothing new is registered and
    DuplicateIntakeError names that melding. Intakes queue on the year's reference counter,
    so of two identical requests at once the second finds the first one's melding."""
    if not permissions.can_register(actor):
        raise NotPermittedError(_("You may not register cases."))
    data = validate_intake(
        received_at=received_at,
        channel=channel,
        topic_codes=topic_codes,
        description=description,
        employer=employer,
        reported_employer=reported_employer,
        melder=melder,
    )
    now = base.now()
    with transaction.atomic():
        reference = allocate_reference(timezone.localdate(now).year)
        if token is not None:
            _refuse_used_token(token, actor)
        target_employer = employer_for_case(
            _employer_for_intake(data.employer, data.reported_employer).pk
        )
        case = Case(
            reference=reference,
            received_at=data.received_at,
            channel=data.channel,
            description=data.description,
            employer=target_employer,
            triage_due=add_working_days(
                timezone.localdate(data.received_at), settings.TRIAGE_WORKING_DAYS
            ),
            created_by=actor,
            intake_token=token,
        )
        rollups.derive(case, topic_bits=[t.bit for t in data.topics], not_recognised=False)
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            if token is None:
                raise
            # Registered at the same moment under another year's counter (New Year's Eve).
            _refuse_used_token(token, actor)
            raise
        case.topics.set(data.topics)
        rollups.count_change(None, rollups.Facts.of(case))
        if data.melder is not None:
            Melder.objects.create(
                case=case,
                name=data.melder.name,
                email=data.melder.email,
                phone=data.melder.phone,
                relation=data.melder.relation,
            )
        record_event(
            kind=EventKind.INTAKE,
            actor=actor,
            case=case,
            to_state=case.state,
            at=now,
            data={
                "reference": case.reference,
                "channel": data.channel,
                "topics": sorted(t.code for t in data.topics),
                "anonymous": data.melder is None,
                "employer_id": target_employer.pk,
            },
        )
    return case
