"""The domain model, a module per part; everything is importable from `cases.models`."""

from cases.models.batches import BatchKind, LetterBatch, LetterBatchItem
from cases.models.case import Case, Melder, ReferenceCounter
from cases.models.choices import (
    CLOSE_OUTCOMES,
    DECLINE_OUTCOMES,
    INVESTIGATED_STATES,
    MELDER_DATA_ROLES,
    NOT_ALLOWED_TOPIC,
    TEXT_MAX,
    AgreementStatus,
    Channel,
    Criterion,
    EmployerResponse,
    EventKind,
    Outcome,
    Role,
    SentVia,
    State,
)
from cases.models.contact import CONTACT_FIELDS, ContactPerson, FormOfAddress
from cases.models.employer import Employer
from cases.models.handling import Agreement, Call, Letter, LetterCase
from cases.models.history import AppendOnlyError, Event, EventQuerySet, FigureSnapshot
from cases.models.people import AccountSecurity, InspectorProfile, RoleGrant
from cases.models.reference import Sector, Topic
from cases.models.rollups import DayAssigneeCount, DayCount, DaySectorCount, DayStateCount

__all__ = [
    "CLOSE_OUTCOMES",
    "CONTACT_FIELDS",
    "DECLINE_OUTCOMES",
    "INVESTIGATED_STATES",
    "MELDER_DATA_ROLES",
    "NOT_ALLOWED_TOPIC",
    "TEXT_MAX",
    "AccountSecurity",
    "Agreement",
    "AgreementStatus",
    "AppendOnlyError",
    "BatchKind",
    "Call",
    "Case",
    "Channel",
    "ContactPerson",
    "Criterion",
    "DayAssigneeCount",
    "DayCount",
    "DaySectorCount",
    "DayStateCount",
    "Employer",
    "EmployerResponse",
    "Event",
    "EventKind",
    "EventQuerySet",
    "FigureSnapshot",
    "FormOfAddress",
    "InspectorProfile",
    "Letter",
    "LetterBatch",
    "LetterBatchItem",
    "LetterCase",
    "Melder",
    "Outcome",
    "ReferenceCounter",
    "Role",
    "RoleGrant",
    "Sector",
    "SentVia",
    "State",
    "Topic",
]
