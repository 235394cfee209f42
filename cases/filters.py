"""The one FilterSet for lists, dashboard, exports and API.

Dates are inclusive calendar dates in Europe/Amsterdam (settings.TIME_ZONE) on
`received_at`: `received_before=2021-04-09` includes a melding received at 23:59 local
time on 9 April, which is 21:59 UTC. (They are compared with `Case.local_day`, that date
stored with the case.)
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
from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.lookups import GreaterThan
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from cases.employers import repeat_q
from cases.fields import SaneDateField
from cases.models import Case, Channel, Outcome, Sector, State, Topic
from cases.models.case import DEADLINES
from cases.models.rollups import CHANNEL_CODES, OUTCOME_CODES, STATE_CODES
from cases.permissions import case_worker_users_q, visible_cases
from cases.reference_data import TOPIC_BITS
from cases.rollups import mask_of
from cases.types import AnyUser
from cases.widgets import QuickCheckboxSelectMultiple, QuickSelect

YES_NO = (("yes", _("Yes")), ("no", _("No")))
NULL = "null"  # django-filter's null_value: "no sector" / "nobody"
DATE = {"type": "date"}


def received_between(after: dt.date | None, before: dt.date | None) -> Q:
    """Received on the local calendar days after..before inclusive (`Case.local_day`, the
    day in Europe/Amsterdam, stored with every case)."""
    q = Q()
    if after:
        q &= Q(local_day__gte=after)
    if before:
        q &= Q(local_day__lte=before)
    return q


def any_topic_q(mask: int) -> Q:
    """Cases with at least one of the topics whose bits are set in `mask` (Topic.bit)."""
    return Q(GreaterThan(F("topic_mask").bitand(mask), 0))


def only_topic_q(code: str) -> Q:
    """Cases whose topics are exactly {code}, for a topic with a fixed bit
    (cases.reference_data.TOPIC_BITS)."""
    return Q(topic_mask=1 << TOPIC_BITS[code])


def overdue_q(today: dt.date | None = None) -> Q:
    """Cases past the deadline of their current state (`Case.deadlines`; today in
    Europe/Amsterdam): the same rule as `Case.is_overdue`, in SQL. In
    `AGREEMENT_DEADLINE_STATES` that is the earliest open agreement's due date, stored with
    the case as `Case.agreement_due` (NULL in the other states)."""
    today = today or timezone.localdate()
    stored = (
        Q(state_code=STATE_CODES[state], **{f"{name}__lt": today})
        for name, state, _label in DEADLINES
    )
    return reduce(operator.or_, stored, Q(agreement_due__lt=today))


def current_due() -> CaseWhen:
    """The due date of a case's current deadline (`Case.current_deadline`), as an SQL
    expression; NULL for a case without one (closed, or no open agreement yet)."""
    return CaseWhen(
        *(When(state_code=STATE_CODES[state], then=F(name)) for name, state, _label in DEADLINES),
        default=F("agreement_due"),
        output_field=DateField(),
    )


def not_recognised_q() -> Q:
    """Cases with at least one reached call in which the employer said it did not recognise
    itself in the melding (employer_response "nee"): `Case.not_recognised`."""
    return Q(not_recognised=True)


def codes_in(field: str, codes: dict[str, int], values: Iterable[str]) -> Q:
    """`field` (a code column) in the codes of the choices `values`."""
    return Q(**{f"{field}__in": sorted({codes[value] for value in values})})


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


class TopicChoices(ReferenceChoices):
    """The topics as choices, read with their bits (Topic.bit) in the same query."""

    def __init__(self) -> None:
        super().__init__(self._read)
        self.bits: dict[str, int] = {}

    def _read(self) -> list[tuple[str, str]]:
        rows = list(Topic.objects.values_list("code", "label", "bit"))
        self.bits = {code: bit for code, _label, bit in rows}
        return [(code, label) for code, label, _bit in rows]

    def mask(self, codes: Iterable[str]) -> int:
        """The topic mask of `codes` (validated choices)."""
        iter(self)  # reads them (once)
        return mask_of(self.bits[code] for code in codes)


def sector_choices() -> Iterable[tuple[str, str]]:
    return ((s.code, str(s)) for s in Sector.objects.only("code", "name"))


def assignee_choices() -> Iterable[tuple[str, str]]:
    """People who handle meldingen, and anyone who ever had a case assigned (someone who has
    left still appears in the figures, so their drill-down must stay valid)."""
    user_model = get_user_model()
    # Each part a semi-join of its own (no DISTINCT over the group and permission joins, no
    # EXISTS evaluated per user inside an OR): a probe of the assignee index per user.
    case_workers = user_model.objects.filter(case_worker_users_q()).values("pk")
    ever_assigned = user_model.objects.filter(
        Exists(Case.objects.filter(assignee=OuterRef("pk")))
    ).values("pk")
    users = (
        user_model.objects.filter(
            Q(pk__in=case_workers) | Q(is_superuser=True) | Q(pk__in=ever_assigned)
        )
        .only("pk", "username", "first_name", "last_name")
        .order_by("last_name", "first_name", "username")
    )
    return ((str(user.pk), user.get_full_name() or user.get_username()) for user in users)


class SaneDateFilter(django_filters.DateFilter):
    """A date between 1 January 2020 and a year from today (cases.fields)."""

    field_class = SaneDateField


class CaseFilter(django_filters.FilterSet):
    """No filter joins a multi-valued relation, so none needs DISTINCT. The filters read the
    precomputed columns of `Case` (`local_day`, the codes, `sector_code`, `topic_mask`,
    `not_recognised`): the dashboard's covering index holds all of them."""

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
        method="filter_state",
        distinct=False,
        widget=QuickCheckboxSelectMultiple,
    )
    topic = django_filters.MultipleChoiceFilter(
        label=_("Topic"),
        method="filter_topic",
        distinct=False,
        widget=QuickCheckboxSelectMultiple,
    )
    only_topic = django_filters.ChoiceFilter(
        label=_("Only topic"),
        method="filter_only_topic",
        empty_label=_("All"),
        widget=QuickSelect,
    )
    sector = django_filters.MultipleChoiceFilter(
        label=_("Sector"),
        method="filter_sector",
        distinct=False,
        widget=QuickCheckboxSelectMultiple,
        # `sector=null`: employers without a known sector (e.g. not identified yet).
        null_label=_("No sector known"),
    )
    channel = django_filters.MultipleChoiceFilter(
        label=_("Channel"),
        choices=Channel.choices,
        method="filter_channel",
        distinct=False,
        widget=QuickCheckboxSelectMultiple,
    )
    inspector = django_filters.ChoiceFilter(
        label=_("Assignee"),
        field_name="assignee",
        empty_label=_("Everyone"),
        widget=QuickSelect,
        # `inspector=null`: cases nobody has been assigned to (the intake queue).
        null_label=_("Nobody"),
    )
    investigated = django_filters.ChoiceFilter(
        label=_("Taken into investigation"),
        choices=YES_NO,
        method="filter_investigated",
        empty_label=_("Either"),
        widget=QuickSelect,
    )
    outcome = django_filters.MultipleChoiceFilter(
        label=_("Outcome"),
        choices=Outcome.choices,
        method="filter_outcome",
        distinct=False,
        widget=QuickCheckboxSelectMultiple,
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Deadline passed"),
        choices=YES_NO,
        method="filter_overdue",
        empty_label=_("Either"),
        widget=QuickSelect,
    )
    # yes: at least one reached call in which the employer did not recognise itself in the
    # melding (employer_response "nee"); no: no such call. See not_recognised_q().
    not_recognised = django_filters.ChoiceFilter(
        label=_("Employer did not recognise itself"),
        choices=YES_NO,
        method="filter_not_recognised",
        empty_label=_("Either"),
        widget=QuickSelect,
    )
    # yes: about an employer with a repeat signal today (cases.employers): at least
    # REPEAT_MELDINGEN meldingen in the last REPEAT_MELDINGEN_DAYS days, or an agreement not
    # kept in the last REPEAT_BROKEN_AGREEMENT_MONTHS months, over all its establishments.
    repeat_employer = django_filters.ChoiceFilter(
        label=_("Repeat employer"),
        choices=YES_NO,
        method="filter_repeat_employer",
        empty_label=_("Either"),
        widget=QuickSelect,
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
        self.topics = topics = TopicChoices()
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
        return qs.filter(any_topic_q(self.topics.mask(value)))

    def filter_only_topic(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.filter(topic_mask=self.topics.mask([value])) if value else qs

    def filter_state(self, qs: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        return qs.filter(codes_in("state_code", STATE_CODES, value)) if value else qs

    def filter_channel(self, qs: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        return qs.filter(codes_in("channel_code", CHANNEL_CODES, value)) if value else qs

    def filter_outcome(self, qs: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        return qs.filter(codes_in("outcome_code", OUTCOME_CODES, value)) if value else qs

    def filter_sector(self, qs: QuerySet[Case], name: str, value: list[str]) -> QuerySet[Case]:
        if not value:
            return qs
        # `sector=null`: employers without a known sector (e.g. not identified yet).
        known = [code for code in value if code != NULL]
        q = Q(sector_code__in=known) if known else Q(pk__in=[])
        return qs.filter(q | Q(sector_code__isnull=True) if NULL in value else q)

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

    def filter_repeat_employer(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == "yes":
            return qs.filter(repeat_q())
        if value == "no":
            return qs.exclude(repeat_q())
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
