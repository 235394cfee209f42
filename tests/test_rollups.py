"""cases/rollups.py: the precomputed columns of a case and the counts per day equal a recount
after any sequence of service calls, refusals included; drift is found and repaired."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases import rollups, services
from cases.dashboard.day_counts import day_count_figures
from cases.dashboard.figures import dashboard_figures
from cases.models import (
    CLOSE_OUTCOMES,
    Case,
    Channel,
    DayCount,
    DaySectorCount,
    Employer,
    EmployerResponse,
    Outcome,
    State,
    Topic,
)
from cases.models.rollups import CHANNEL_CODES, OUTCOME_CODES, STATE_CODES
from cases.reference_data import TOPIC_BITS
from cases.services import ServiceError
from tests.factories import EmployerFactory
from tests.helpers import (
    AMS,
    REPORTED,
    SAMPLE_PDF,
    add_agreement,
    call_attempt,
    fresh,
    intake,
    local,
    record_reached_call,
)


def assert_no_drift() -> None:
    assert [str(d) for _case, d in rollups.column_drift()] == []
    assert [str(d) for d in rollups.day_count_drift()] == []


def test_every_choice_has_a_code_and_every_code_is_its_own() -> None:
    for codes, choices in (
        (STATE_CODES, State.values),
        (OUTCOME_CODES, ["", *Outcome.values]),
        (CHANNEL_CODES, Channel.values),
    ):
        assert set(codes) == set(choices)
        assert len(set(codes.values())) == len(codes)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # Winter time (UTC+1), summer time (UTC+2) and the nights of both switches.
        (dt.datetime(2021, 1, 24, 23, 1, tzinfo=dt.UTC), dt.date(2021, 1, 25)),
        (dt.datetime(2021, 1, 24, 22, 59, tzinfo=dt.UTC), dt.date(2021, 1, 24)),
        (dt.datetime(2021, 4, 9, 21, 59, tzinfo=dt.UTC), dt.date(2021, 4, 9)),
        (dt.datetime(2021, 4, 9, 22, 0, tzinfo=dt.UTC), dt.date(2021, 4, 10)),
        (dt.datetime(2021, 3, 27, 23, 30, tzinfo=dt.UTC), dt.date(2021, 3, 28)),
        (dt.datetime(2021, 10, 30, 22, 30, tzinfo=dt.UTC), dt.date(2021, 10, 31)),
    ],
)
def test_local_day_is_the_dutch_calendar_day(moment: dt.datetime, day: dt.date) -> None:
    assert rollups.local_day(moment) == day
    assert rollups.local_day(moment.astimezone(AMS)) == day


def test_intake_stores_the_columns_and_counts_the_case(inspector: User) -> None:
    employer = EmployerFactory(sector_id="K")
    case = intake(
        inspector,
        received_at=local(2021, 1, 25, 0, 1),
        channel=Channel.TELEFOON,
        topic_codes=("niet_mogen_thuiswerken", "werkdruk"),
        employer=employer,
    )
    case = fresh(case)
    assert case.local_day == dt.date(2021, 1, 25)
    assert (case.state_code, case.outcome_code, case.channel_code) == (1, 0, 2)
    assert case.sector_code == "K"
    bits = TOPIC_BITS["niet_mogen_thuiswerken"], TOPIC_BITS["werkdruk"]
    assert case.topic_mask == (1 << bits[0]) | (1 << bits[1])
    assert case.not_recognised is False
    assert DayCount.objects.get(day=dt.date(2021, 1, 25)).received == 1
    assert DaySectorCount.objects.get(day=dt.date(2021, 1, 25)).sector_code == "K"
    assert_no_drift()


def test_a_not_recognising_call_sets_the_flag(inspector: User) -> None:
    case = intake(inspector)
    services.case_take(case=case, actor=inspector, version=fresh(case).version)
    services.case_take_into_investigation(case=case, actor=inspector, version=fresh(case).version)
    record_reached_call(case, inspector, employer_response=EmployerResponse.JA)
    assert fresh(case).not_recognised is False
    record_reached_call(case, inspector, employer_response=EmployerResponse.NEE)
    assert fresh(case).not_recognised is True
    assert DayCount.objects.get(day=fresh(case).local_day).not_recognised == 1
    assert_no_drift()


# ---------------------------------------------------------------------------
# Random sequences of service calls


class Scenario:
    """Random actions through the services on a handful of cases and employers."""

    def __init__(self, rnd: random.Random, users: dict[str, User]) -> None:
        self.rnd = rnd
        self.users = users
        self.employers = [EmployerFactory(sector_id=rnd.choice("JKQ")) for _ in range(3)]
        self.refused = 0

    def people(self) -> list[User]:
        return [self.users["inspector"], self.users["other_inspector"], self.users["supervisor"]]

    def received_at(self) -> dt.datetime:
        """Spread over two years, with moments minutes from local midnight and around the
        switches to and from summer time."""
        rnd = self.rnd
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(0, 700))
        if rnd.random() < 0.3:
            day = rnd.choice([dt.date(2021, 3, 28), dt.date(2021, 10, 31), dt.date(2022, 3, 27)])
        minute = rnd.choice([0, 1, 59, 23 * 60 + 58, 23 * 60 + 59, rnd.randrange(1440)])
        return local(day.year, day.month, day.day, minute // 60, minute % 60)

    def intake(self) -> None:
        rnd = self.rnd
        topics = rnd.sample(sorted(TOPIC_BITS), rnd.choice([1, 1, 2, 3]))
        kind = rnd.random()
        kwargs: dict[str, Any] = {}
        if kind < 0.5:
            kwargs["employer"] = rnd.choice(self.employers)
        elif kind < 0.7 and Employer.objects.filter(kvk_number__isnull=True).exists():
            # An as-reported employer shared by several meldingen.
            kwargs["employer"] = Employer.objects.filter(kvk_number__isnull=True).first()
        else:
            kwargs["reported_employer"] = REPORTED
        intake(
            rnd.choice(self.people()),
            received_at=self.received_at(),
            channel=rnd.choice(Channel.values),
            topic_codes=topics,
            **kwargs,
        )

    def act(self, case: Case) -> None:
        rnd, users = self.rnd, self.users
        actor = case.assignee or users["supervisor"]
        version = case.version
        state = case.state
        choices: list[Callable[[], Any]] = [
            lambda: services.case_assign(
                case=case,
                actor=users["supervisor"],
                version=version,
                assignee=rnd.choice([users["inspector"], users["other_inspector"]]),
            ),
            lambda: services.case_update_details(
                case=case,
                actor=users["supervisor"],
                version=version,
                channel=rnd.choice(Channel.values),
                topic_codes=rnd.sample(sorted(TOPIC_BITS), rnd.choice([1, 2])),
            ),
        ]
        if state == State.RECEIVED:
            choices += [
                lambda: services.case_take(case=case, actor=actor, version=version),
                lambda: services.case_take_into_investigation(
                    case=case, actor=actor, version=version
                ),
                lambda: services.case_decline(
                    case=case, actor=actor, version=version, outcome=Outcome.INGETROKKEN
                ),
            ]
        if state in (State.RECEIVED, State.UNDER_INVESTIGATION) and not case.employer.kvk_number:
            choices.append(lambda: self.identify(case, actor))
        if state in (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED):
            choices += [
                lambda: record_reached_call(
                    case, actor, employer_response=rnd.choice(EmployerResponse.values)
                ),
                lambda: call_attempt(case, actor, timezone.now() - dt.timedelta(hours=2)),
            ]
        if state == State.EMPLOYER_CALLED:
            choices.append(lambda: self.confirm(case, actor))
        if state in CLOSE_OUTCOMES:
            choices.append(
                lambda: services.case_close(
                    case=case,
                    actor=actor,
                    version=version,
                    outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
                )
            )
        if state == State.CLOSED:
            choices.append(
                lambda: services.case_reopen(
                    case=case, actor=users["supervisor"], version=version, reason="Opnieuw"
                )
            )
        rnd.choice(self.onward(case, actor) if rnd.random() < 0.6 else choices)()

    def onward(self, case: Case, actor: User) -> list[Callable[[], Any]]:
        """The actions that take the case further along the workflow."""
        rnd, state, version = self.rnd, case.state, case.version
        if state == State.RECEIVED and case.assignee_id is None:
            return [lambda: services.case_take(case=case, actor=actor, version=version)]
        if state == State.RECEIVED:
            return [
                lambda: services.case_take_into_investigation(
                    case=case, actor=actor, version=version
                )
            ]
        if state == State.UNDER_INVESTIGATION and not case.employer.kvk_number:
            return [lambda: self.identify(case, actor)]
        if state in (State.UNDER_INVESTIGATION, State.EMPLOYER_CALLED):
            response = rnd.choice(EmployerResponse.values)
            return [lambda: record_reached_call(case, actor, employer_response=response)]
        if state == State.AGREEMENTS_CONFIRMED:
            return [
                lambda: services.case_close(
                    case=case,
                    actor=actor,
                    version=version,
                    outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
                )
            ]
        supervisor = self.users["supervisor"]
        return [
            lambda: services.case_reopen(case=case, actor=supervisor, version=version, reason="Nu")
        ]

    def identify(self, case: Case, actor: User) -> None:
        rnd = self.rnd
        if rnd.random() < 0.4:  # link to an employer that is already known
            known = rnd.choice(self.employers)
            services.case_identify_employer(
                case=case, actor=actor, version=case.version, kvk_number=known.kvk_number
            )
        else:  # the as-reported row becomes the employer, with a sector (or none)
            services.case_identify_employer(
                case=case,
                actor=actor,
                version=case.version,
                kvk_number=f"{rnd.randrange(10**7, 10**8)}",
                details={"sector_id": rnd.choice(["C", "J", None])},
            )

    def confirm(self, case: Case, actor: User) -> None:
        if not case.agreements.exists():
            add_agreement(case, actor)
        services.case_confirm_agreements(
            case=case,
            actor=actor,
            version=fresh(case).version,
            letter_pdf=SAMPLE_PDF,
            template_version="test",
        )

    def change_sector(self) -> None:
        employer = self.rnd.choice(list(Employer.objects.all()))
        employer.sector_id = self.rnd.choice(["A", "J", "K", None])
        services.employer_save(
            employer=employer, actor=self.users["functional_admin"], fields=["sector"]
        )

    def step(self) -> None:
        roll = self.rnd.random()
        try:
            if roll < 0.15 or not Case.objects.exists():
                self.intake()
            elif roll < 0.22:
                self.change_sector()
            else:
                case = self.rnd.choice(list(Case.objects.select_related("employer", "assignee")))
                self.act(case)
        except (ServiceError, ValidationError):
            self.refused += 1  # rolled back, counts included


@pytest.mark.parametrize("seed", [16, 1172, 2021])
def test_random_service_sequences_keep_columns_and_counts_equal_to_a_recount(
    seed: int, inspector, other_inspector, supervisor, functional_admin
) -> None:
    users = {
        "inspector": inspector,
        "other_inspector": other_inspector,
        "supervisor": supervisor,
        "functional_admin": functional_admin,
    }
    scenario = Scenario(random.Random(seed), users)
    for number in range(1, 161):
        scenario.step()
        if number % 40 == 0:
            assert_no_drift()
    # The sequences did what they are meant to test.
    cases = Case.objects.all()
    assert cases.count() >= 20
    assert cases.filter(state=State.CLOSED).exists()
    assert cases.filter(investigated_at__isnull=False).exists()
    assert cases.filter(not_recognised=True).exists()
    assert scenario.refused > 0
    assert_no_drift()
    # And the two ways of counting agree, over every case and over a period.
    today = timezone.localdate()
    assert day_count_figures(None, None, today=today) == dashboard_figures(cases, today=today)
    start, end = dt.date(2021, 3, 1), dt.date(2021, 12, 31)
    period = cases.filter(local_day__gte=start, local_day__lte=end)
    assert day_count_figures(start, end, today=today) == dashboard_figures(period, today=today)


def test_reopen_sector_change_and_topic_edit_move_the_counts(
    inspector, supervisor, functional_admin
) -> None:
    employer = EmployerFactory(sector_id="J")
    case = intake(inspector, employer=employer, received_at=local(2021, 2, 1, 9, 0))
    services.case_take(case=case, actor=inspector, version=fresh(case).version)
    services.case_decline(
        case=case, actor=inspector, version=fresh(case).version, outcome=Outcome.INGETROKKEN
    )
    services.case_reopen(case=case, actor=supervisor, version=fresh(case).version, reason="Fout")
    employer.sector_id = "K"
    services.employer_save(employer=employer, actor=functional_admin, fields=["sector"])
    services.case_update_details(
        case=case, actor=supervisor, version=fresh(case).version, topic_codes=["werkdruk"]
    )
    case = fresh(case)
    assert (case.state, case.sector_code) == (State.RECEIVED, "K")
    assert case.topic_mask == 1 << TOPIC_BITS["werkdruk"]
    day = dt.date(2021, 2, 1)
    figures = day_count_figures(day, day)
    assert figures.by_state == {State.RECEIVED: 1}
    assert figures.counts.declined_by_outcome == {}
    assert [(code, n) for code, _name, n in figures.by_sector] == [("K", 1)]
    assert figures.counts.only_not_allowed == 0
    assert_no_drift()


# ---------------------------------------------------------------------------
# Drift: found, reported and repaired


def test_drift_is_reported_and_repaired(inspector) -> None:
    cases = [intake(inspector, received_at=local(2021, 5, day, 12, 0)) for day in (3, 4)]
    Case.objects.filter(pk=cases[0].pk).update(sector_code="A", topic_mask=0)
    DayCount.objects.filter(day=dt.date(2021, 5, 4)).update(received=7)
    columns = [str(d) for _case, d in rollups.column_drift()]
    assert columns == [
        f"{cases[0].reference} sector_code: stored 'A', expected 'J'",
        f"{cases[0].reference} topic_mask: stored 0, expected 1",
    ]
    counts = [str(d) for d in rollups.day_count_drift()]
    assert "daycount (datetime.date(2021, 5, 4), 'received'): stored 7, expected 1" in counts

    out = io.StringIO()
    with pytest.raises(CommandError, match="2 precomputed column"):
        call_command("check_precomputed", stdout=out)
    assert f"{cases[0].reference} sector_code" in out.getvalue()

    call_command("check_precomputed", "--repair", stdout=io.StringIO())
    assert_no_drift()
    out = io.StringIO()
    call_command("check_precomputed", stdout=out)
    assert "agree" in out.getvalue()


def test_rebuild_recounts_every_day_count(inspector) -> None:
    for day in (3, 3, 4):
        intake(inspector, received_at=local(2021, 5, day, 12, 0))
    before = sorted(DayCount.objects.values_list("day", "received"))
    DayCount.objects.all().delete()
    DaySectorCount.objects.update(n=99)
    call_command("rebuild_day_counts", stdout=io.StringIO())
    assert sorted(DayCount.objects.values_list("day", "received")) == before
    assert_no_drift()


def test_loaddata_recounts_the_day_counts(loaded: None) -> None:
    """The fixture carries the precomputed columns; loading it recounts the day counts."""
    assert_no_drift()
    assert DayCount.objects.exists()


def test_the_topics_have_their_fixed_bits(db) -> None:
    assert dict(Topic.objects.values_list("code", "bit")) == TOPIC_BITS
