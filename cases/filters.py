"""The one FilterSet for lists, dashboard, exports and API.

Dates are inclusive calendar dates in Europe/Amsterdam (settings.TIME_ZONE) on
`received_at`: `received_before=2021-04-09` includes a melding received at 23:59 local
time on 9 April, which is 21:59 UTC.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case as CaseWhen
from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from cases.fields import SaneDateField
from cases.models import (
    Agreement,
    AgreementStatus,
    Call,
    Case,
    Channel,
    EmployerResponse,
    Outcome,
    Sector,
    State,
    Topic,
)
from cases.models.case import AGREEMENT_DEADLINE_STATES, DEADLINES
from cases.permissions import case_worker_users_q, visible_cases
from cases.types import AnyUser

YES_NO = (("yes", _("Yes")), ("no", _("No")))
DATE = {"type": "date"}


def local_day_start(day: dt.date) -> dt.datetime:
    """00:00 on `day` in the current time zone (Europe/Amsterdam), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def received_between(after: dt.date | None, before: dt.date | None) -> Q:
    q = Q()
    if after:
        q &= Q(received_at__gte=local_day_start(after))
    if before:
        q &= Q(received_at__lt=local_day_start(before + dt.timedelta(days=1)))
    return q


def has_topic(code: str) -> Exists:
    return Exists(Case.topics.through.objects.filter(case_id=OuterRef("pk"), topic__code=code))


def only_topic_q(code: str) -> Q:
    """Cases whose topics are exactly {code}."""
    others = Case.topics.through.objects.filter(case_id=OuterRef("pk")).exclude(topic__code=code)
    return Q(has_topic(code)) & ~Q(Exists(others))


def _open_agreements() -> QuerySet[Agreement]:
    return Agreement.objects.filter(case_id=OuterRef("pk"), status=AgreementStatus.OPEN)


def overdue_q(today: dt.date | None = None) -> Q:
    """Cases past the deadline of their current state (`Case.deadlines`; today in
    Europe/Amsterdam): the same rule as `Case.is_overdue`, in SQL. In
    `AGREEMENT_DEADLINE_STATES` that is an open agreement past its due date."""
    today = today or timezone.localdate()
    stored = (Q(state=state, **{f"{name}__lt": today}) for name, state, _label in DEADLINES)
    agreements = Q(state__in=AGREEMENT_DEADLINE_STATES) & Q(
        Exists(_open_agreements().filter(due_date__lt=today))
    )
    return reduce(operator.or_, stored, agreements)


def current_due() -> CaseWhen:
    """The due date of a case's current deadline (`Case.current_deadline`), as an SQL
    expression; NULL for a case without one (closed, or no open agreement yet)."""
    earliest = _open_agreements().order_by("due_date").values("due_date")[:1]
    return CaseWhen(
        *(When(state=state, then=F(name)) for name, state, _label in DEADLINES),
        When(state__in=AGREEMENT_DEADLINE_STATES, then=Subquery(earliest)),
        default=Value(None),
        output_field=DateField(),
    )


def not_recognised_q() -> Q:
    """Cases with at least one reached call in which the employer said it did not recognise
    itself in the melding (employer_response "nee")."""
    return Q(
        Exists(
            Call.objects.filter(
                case_id=OuterRef("pk"), reached=True, employer_response=EmployerResponse.NEE
            )
        )
    )


class ReferenceChoices(BaseChoiceIterator):
    """Choices read from the database at most once per FilterSet, and only when a field
    needs them (to validate a submitted value or to render the form)."""

    def __init__(self, load: Callable[[], Iterable[tuple[str, str]]]) -> None:
        self._load = load
        self._choices: list[tuple[str, str]] | None = None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self._choices is None:
            self._choices = [(str(value), str(label)) for value, label in self._load()]
        return iter(self._choices)

    def __len__(self) -> int:
        return len(list(self))

    def __deepcopy__(self, memo: dict[int, Any]) -> ReferenceChoices:
        return self  # the form's copies of a field share one read


def topic_choices() -> Iterable[tuple[str, str]]:
    return Topic.objects.values_list("code", "label")


def sector_choices() -> Iterable[tuple[str, str]]:
    return ((s.code, str(s)) for s in Sector.objects.only("code", "name"))


def assignee_choices() -> Iterable[tuple[str, str]]:
    """People who handle meldingen, and anyone who ever had a case assigned (someone who has
    left still appears in the figures, so their drill-down must stay valid)."""
    users = (
        get_user_model()
        .objects.filter(
            case_worker_users_q()
            | Q(is_superuser=True)
            | Q(Exists(Case.objects.filter(assignee=OuterRef("pk"))))
        )
        .distinct()
        .only("pk", "username", "first_name", "last_name")
        .order_by("last_name", "first_name", "username")
    )
    return ((str(user.pk), user.get_full_name() or user.get_username()) for user in users)


class SaneDateFilter(django_filters.DateFilter):
    """A date between 1 January 2020 and a year from today (cases.fields)."""

    field_class = SaneDateField


class CaseFilter(django_filters.FilterSet):
    """No filter joins a multi-valued relation (topics use EXISTS), so none needs DISTINCT."""

    received_after = SaneDateFilter(
        label=_("Received from"),
        method="filter_received_after",
        widget=forms.DateInput(attrs=DATE),
    )
    received_before = SaneDateFilter(
        label=_("Received up to and including"),
        method="filter_received_before",
        widget=forms.DateInput(attrs=DATE),
    )
    state = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=State.choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topic = django_filters.MultipleChoiceFilter(
        label=_("Topic"),
        method="filter_topic",
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    only_topic = django_filters.ChoiceFilter(
        label=_("Only topic"),
        method="filter_only_topic",
        empty_label=_("All"),
    )
    sector = django_filters.MultipleChoiceFilter(
        label=_("Sector"),
        field_name="employer__sector",
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        # `sector=null`: employers without a known sector (e.g. not identified yet).
        null_label=_("No sector known"),
    )
    channel = django_filters.MultipleChoiceFilter(
        label=_("Channel"),
        choices=Channel.choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inspector = django_filters.ChoiceFilter(
        label=_("Assignee"),
        field_name="assignee",
        empty_label=_("Everyone"),
        # `inspector=null`: cases nobody has been assigned to (the intake queue).
        null_label=_("Nobody"),
    )
    investigated = django_filters.ChoiceFilter(
        label=_("Taken into investigation"),
        choices=YES_NO,
        method="filter_investigated",
        empty_label=_("Either"),
    )
    outcome = django_filters.MultipleChoiceFilter(
        label=_("Outcome"),
        choices=Outcome.choices,
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Deadline passed"),
        choices=YES_NO,
        method="filter_overdue",
        empty_label=_("Either"),
    )
    # yes: at least one reached call in which the employer did not recognise itself in the
    # melding (employer_response "nee"); no: no such call. See not_recognised_q().
    not_recognised = django_filters.ChoiceFilter(
        label=_("Employer did not recognise itself"),
        choices=YES_NO,
        method="filter_not_recognised",
        empty_label=_("Either"),
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=100,
        help_text=_("Reference, employer name or KvK number"),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = ReferenceChoices(topic_choices)
        for name, choices in (
            ("topic", topics),
            ("only_topic", topics),
            ("sector", ReferenceChoices(sector_choices)),
            ("inspector", ReferenceChoices(assignee_choices)),
        ):
            self.filters[name].extra["choices"] = choices

    def filter_received_after(
        self, qs: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return qs.filter(received_between(value, None))

    def filter_received_before(
        self, qs: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return qs.filter(received_between(None, value))

    def filter_topic(self, qs: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        if not value:
            return qs
        return qs.filter(
            Exists(
                Case.topics.through.objects.filter(case_id=OuterRef("pk"), topic__code__in=value)
            )
        )

    def filter_only_topic(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.filter(only_topic_q(value)) if value else qs

    def filter_investigated(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "yes":
            return qs.filter(investigated_at__isnull=False)
        if value == "no":
            return qs.filter(investigated_at__isnull=True)
        return qs

    def filter_overdue(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "yes":
            return qs.filter(overdue_q())
        if value == "no":
            return qs.exclude(overdue_q())
        return qs

    def filter_not_recognised(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "yes":
            return qs.filter(not_recognised_q())
        if value == "no":
            return qs.exclude(not_recognised_q())
        return qs

    def filter_q(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(reference__icontains=text)
            | Q(employer__name__icontains=text)
            | Q(employer__kvk_number__startswith=text)
        )


@dataclass(frozen=True)
class ActiveFilter:
    """One value of a filter in use, as a tag that removes it."""

    label: str  # "Status: In onderzoek"
    remove_url: str  # the same list without this value


def _value_text(field: forms.Field, value: str) -> str:
    if isinstance(field, forms.DateField):
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        return formats.date_format(day, "j F Y") if day else value
    choices = getattr(field, "choices", None)
    if choices is not None:
        return next((str(label) for key, label in choices if str(key) == value), value)
    return value


def active_filters(case_filter: CaseFilter, params: QueryDict, names: list[str]) -> list[Any]:
    """The filter values in use, each with the link that removes just that value."""
    tags = []
    for name in names:
        values = [v for v in params.getlist(name) if v.strip()]
        field = case_filter.form.fields[name]
        for value in values:
            query = params.copy()
            query.setlist(name, [v for v in values if v != value])
            query.pop("page", None)
            label = f"{field.label}: {_value_text(field, value)}"
            tags.append(ActiveFilter(label=label, remove_url=f"?{query.urlencode()}"))
    return tags


def panel_context(
    case_filter: CaseFilter,
    params: Any,
    names: list[str] | None = None,
    *,
    not_counted: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What templates/cases/includes/filter_panel.html needs: the form, the fields shown
    (`names`, default all), whether any of them is in use (`not_counted` ones, such as a
    period shown on its own, do not make the list "filtered") and the active filters."""
    names = names if names is not None else list(case_filter.filters)
    return {
        "filter_form": case_filter.form,
        "filter_fields": [case_filter.form[name] for name in names],
        "filtered": any(params.get(name) for name in names if name not in not_counted),
        "active_filters": active_filters(case_filter, params, names)
        if isinstance(params, QueryDict)
        else [],
    }


def filtered_cases(user: AnyUser, params: Any) -> tuple[CaseFilter, QuerySet[Case]]:
    """The permission queryset for `user`, narrowed by the shared filter parameters.

    Invalid parameters give a bound filter with errors and an empty queryset.
    """
    case_filter = CaseFilter(params, queryset=visible_cases(user))
    if not case_filter.is_valid():
        return case_filter, Case.objects.none()
    return case_filter, case_filter.qs
