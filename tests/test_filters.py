"""The shared CaseFilter: each parameter, on top of the permission queryset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.fields import latest_date
from cases.filters import CaseFilter, assignee_choices, filtered_cases
from cases.models import Case, State
from tests.factories import EmployerFactory, make_user
from tests.helpers import case_in_state, intake, local


def refs(params: str, user=None) -> set[str]:
    if user is None:
        qs = CaseFilter(QueryDict(params), queryset=Case.objects.all()).qs
    else:
        _f, qs = filtered_cases(user, QueryDict(params))
    return set(qs.values_list("reference", flat=True))


def test_received_dates_are_inclusive_local_days(inspector) -> None:
    late = intake(inspector, received_at=local(2021, 4, 9, 23, 59))
    early = intake(inspector, received_at=local(2021, 4, 10, 0, 1))
    assert refs("received_before=2021-04-09") == {late.reference}
    assert refs("received_after=2021-04-10") == {early.reference}
    assert refs("received_after=2021-04-09&received_before=2021-04-09") == {late.reference}
    # In UTC both fall on 9 April: 21:59 and 22:01.
    assert early.received_at.astimezone(dt.UTC).date() == dt.date(2021, 4, 9)


def test_topic_and_only_topic(inspector) -> None:
    only = intake(inspector, topic_codes=("niet_mogen_thuiswerken",))
    both = intake(inspector, topic_codes=("niet_mogen_thuiswerken", "werkdruk"))
    other = intake(inspector, topic_codes=("werkdruk",))
    assert refs("topic=niet_mogen_thuiswerken") == {only.reference, both.reference}
    assert refs("topic=werkdruk&topic=niet_mogen_thuiswerken") == {
        only.reference,
        both.reference,
        other.reference,
    }
    assert refs("only_topic=niet_mogen_thuiswerken") == {only.reference}
    assert refs("only_topic=werkdruk") == {other.reference}
    # No duplicates when a case matches several topics.
    qs = CaseFilter(
        QueryDict("topic=werkdruk&topic=niet_mogen_thuiswerken"), queryset=Case.objects.all()
    ).qs
    assert qs.count() == 3


def test_state_channel_sector_inspector_investigated_outcome(inspector, other_inspector) -> None:
    received = case_in_state(
        State.RECEIVED, inspector=inspector, employer=EmployerFactory(sector_id="K")
    )
    investigating = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    declined = case_in_state(State.CLOSED, inspector=inspector)
    assert refs("state=received&state=closed") == {received.reference, declined.reference}
    assert refs("channel=webformulier") == {
        received.reference,
        investigating.reference,
        declined.reference,
    }
    assert refs("channel=brief") == set()
    assert refs("sector=K") == {received.reference}
    assert refs(f"inspector={other_inspector.pk}") == {investigating.reference}
    assert refs("investigated=yes") == {investigating.reference}
    assert refs("investigated=no") == {received.reference, declined.reference}
    assert refs("outcome=ingetrokken") == {declined.reference}


def test_overdue(inspector) -> None:
    old = intake(inspector, received_at=timezone.now() - dt.timedelta(days=30))
    new = intake(inspector, received_at=timezone.now() - dt.timedelta(hours=1))
    assert refs("overdue=yes") == {old.reference}
    assert refs("overdue=no") == {new.reference}


def test_q_searches_reference_employer_name_and_kvk(inspector) -> None:
    employer = EmployerFactory(name="Kantoorgigant Zuid B.V.", kvk_number="87654321")
    case = intake(inspector, employer=employer)
    intake(inspector)
    assert refs("q=kantoorgigant") == {case.reference}
    assert refs("q=8765") == {case.reference}
    assert refs(f"q={case.reference}") == {case.reference}
    assert refs("q=4321") == set()  # KvK matches on its start only


def test_invalid_parameters_give_errors_and_no_rows(inspector) -> None:
    intake(inspector)
    case_filter, qs = filtered_cases(inspector, QueryDict("received_after=2021-13-45"))
    assert not qs.exists()
    assert "received_after" in case_filter.errors
    case_filter, qs = filtered_cases(inspector, QueryDict("state=bogus"))
    assert not qs.exists()


def test_filters_apply_on_top_of_permissions(inspector, other_inspector, supervisor) -> None:
    mine = case_in_state(State.UNDER_INVESTIGATION, inspector=inspector)
    theirs = case_in_state(State.UNDER_INVESTIGATION, inspector=other_inspector)
    queue = intake(supervisor)
    assert refs("", inspector) == {mine.reference, queue.reference}
    assert refs("state=under_investigation", inspector) == {mine.reference}
    assert refs("state=under_investigation", supervisor) == {mine.reference, theirs.reference}
    services.case_take(case=queue, actor=other_inspector, version=queue.version)
    assert refs("", inspector) == {mine.reference}


# ---------------------------------------------------------------------------
# Dates outside 2020 .. a year from today are input errors, never a query


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("received_before=9999-12-31", "Deze datum ligt na"),
        ("received_after=0001-01-01", "Deze datum ligt vóór 1 januari 2020."),
        ("received_after=2019-12-31", "Deze datum ligt vóór 1 januari 2020."),
    ],
)
@pytest.mark.parametrize("url", ["intake_queue", "my_cases", "all_cases", "dashboard"])
def test_dates_out_of_range_are_refused_on_every_list_and_the_dashboard(
    client, supervisor, url, params, message
) -> None:
    client.force_login(supervisor)
    response = client.get(f"{reverse(url)}?{params}")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_range_reaches_a_year_from_today(inspector) -> None:
    case_filter = CaseFilter(QueryDict(f"received_before={latest_date().isoformat()}"))
    assert case_filter.is_valid()
    later = latest_date() + dt.timedelta(days=1)
    assert not CaseFilter(QueryDict(f"received_before={later.isoformat()}")).is_valid()
    assert CaseFilter(QueryDict("received_after=2020-01-01")).is_valid()


def test_assignee_choices_are_case_workers_superusers_and_former_assignees(
    inspector, other_inspector, supervisor, functional_admin
) -> None:
    former = make_user(None, username="vertrokken")
    case_in_state(State.RECEIVED, inspector=inspector)
    Case.objects.update(assignee=former)  # had a case, has no role any more
    superuser = make_user(None, username="root", is_superuser=True)
    # In both case-worker groups: listed once all the same.
    inspector.groups.add(Group.objects.get(name="Teamleider"))
    with CaptureQueriesContext(connection) as ctx:
        pks = [int(pk) for pk, _name in assignee_choices()]
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"].upper()
    assert "DISTINCT" not in sql  # semi-joins, not DISTINCT over the group joins
    assert sorted(pks) == sorted(
        [inspector.pk, other_inspector.pk, supervisor.pk, former.pk, superuser.pk]
    )
    assert functional_admin.pk not in pks
