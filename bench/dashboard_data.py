"""Seeded bulk data for the dashboard benchmark: N meldingen over the ten years up to today.

Everything is drawn inside PostgreSQL (one INSERT ... SELECT per table, `setseed` first, so
the same seed gives the same rows), per case and not per day:

- arrival clustered like real intake: busy 2020-2021 (the pandemic years), weekdays six times
  as busy as weekend days, a random factor per day, office hours;
- state by age: old meldingen are nearly all closed, recent ones spread over the workflow;
- channel, assignee (60 inspectors, some busier than others), employer (some with many
  meldingen) and so sector, topics and the employer's answer on the phone, each drawn per
  melding; agreements for the meldingen whose employer made them.

The precomputed columns are written as the services write them (the codes come from the
application's own tables of codes), and the day counts are rebuilt by the application
(`cases.rollups.rebuild`). `bench/dashboard.py` checks every figure against hand-written
SQL that reads only the original columns, so a wrong column would show.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

# Relative intake per calendar year (the pandemic years were busy).
YEAR_FACTOR = {2020: 1.6, 2021: 2.0, 2022: 1.0}
OTHER_YEARS = 0.7
INSPECTORS = 60
SECTOR_WEIGHTS = {
    "J": 18, "M": 16, "N": 14, "K": 10, "G": 10, "C": 8, "H": 6, "Q": 5, "O": 3, "P": 3,
    "F": 3, "L": 2, "I": 1, "R": 1, "S": 1,
}  # fmt: skip
NO_SECTOR_SHARE = 8  # employers without a known sector, in the same weights


def day_counts(size: int, today: dt.date, seed: int) -> tuple[list[dt.date], list[int]]:
    """How many meldingen arrive on each of the 3,652 days up to `today` (sum: `size`)."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible benchmark data
    days = [today - dt.timedelta(days=i) for i in range(3651, -1, -1)]
    weights = []
    for day in days:
        weight = YEAR_FACTOR.get(day.year, OTHER_YEARS) * (1 if day.weekday() >= 5 else 6)
        weights.append(weight * rnd.gammavariate(4, 0.25))  # busy and quiet days
    total = sum(weights)
    counts = [int(size * w / total) for w in weights]
    for i in rnd.sample(range(len(days)), size - sum(counts)):
        counts[i] += 1
    return days, counts


def sector_pool() -> list[str | None]:
    pool: list[str | None] = [None] * NO_SECTOR_SHARE
    for code, weight in SECTOR_WEIGHTS.items():
        pool += [code] * weight
    return pool


CLEAR = """
SET app.allow_event_purge = 'on';
TRUNCATE cases_call, cases_agreement, cases_case_topics, cases_case, cases_employer, cases_daycount,
    cases_daystatecount, cases_daysectorcount, cases_dayassigneecount, cases_referencecounter
    RESTART IDENTITY CASCADE
"""

EMPLOYERS = """
INSERT INTO cases_employer (id, name, kvk_number, establishment_number, sector_id,
    visit_street, visit_number, visit_postcode, visit_city, postal_street, postal_number,
    postal_postcode, postal_city, contact_name, contact_phone, contact_email,
    created_at, updated_at)
SELECT i, 'Werkgever ' || i || ' B.V.', (10000000 + i)::text, '',
    (%(sectors)s::text[])[1 + floor(random() * array_length(%(sectors)s::text[], 1))::int],
    'Straat', '1', '', 'Den Haag', '', '', '', '', '', '', '', now(), now()
FROM generate_series(1, %(employers)s) AS i
"""

# Per melding: a row of random draws, then what follows from them (each step a LATERAL).
CASES = """
INSERT INTO cases_case (id, reference, received_at, channel, description, employer_id,
    assignee_id, state, outcome, main_case_id, triage_due, call_due, investigated_at,
    closed_at, version, created_at, created_by_id, anonymised_at, local_day, state_code,
    outcome_code, channel_code, sector_code, topic_mask, not_recognised)
SELECT i, 'TW-' || (2016 + i %% 11) || '-' || lpad(((i - 1) / 11 + 1)::text, 5, '0'),
    received_at, channel, 'Omschrijving ' || i, employer_id,
    assignee_id, state, outcome, NULL, day + 7, (investigated_at AT TIME ZONE %(tz)s)::date + 14,
    investigated_at, CASE WHEN state = 'closed' THEN received_at + interval '20 days' END,
    1, now(), %(registrar)s, NULL, day,
    array_position(%(state_codes)s::text[], state),
    array_position(%(outcome_codes)s::text[], outcome) - 1,
    array_position(%(channel_codes)s::text[], channel),
    e.sector_id, topic_mask, not_recognised
FROM (
    SELECT row_number() OVER () AS i, d.day,
        random() AS r_time, random() AS r_state, random() AS r_open, random() AS r_inv,
        random() AS r_out, random() AS r_nobody, random() AS r_who, random() AS r_channel,
        random() AS r_employer, random() AS r_topic, random() AS r_other, random() AS r_nee
    FROM unnest(%(days)s::date[], %(counts)s::int[]) AS d(day, n), generate_series(1, d.n)
) AS r,
LATERAL (SELECT
    -- Office hours, Dutch time (07:00-22:00: never in the hour clocks skip or repeat).
    ((r.day + time '07:00' + r.r_time * interval '15 hours') AT TIME ZONE %(tz)s) AS received_at,
    1 + floor(power(r.r_employer, 1.6) * %(employers)s)::int AS employer_id,
    (ARRAY['webformulier','webformulier','webformulier','webformulier','webformulier',
        'webformulier','telefoon','telefoon','email','brief'])[1 + floor(r.r_channel * 10)::int]
        AS channel,
    CASE WHEN r.r_state < (CASE WHEN %(today)s::date - r.day > 120 THEN 0.96
            ELSE 0.25 + 0.6 * (%(today)s::date - r.day) / 120.0 END) THEN 'closed'
        ELSE (ARRAY['received','under_investigation','employer_called',
            'agreements_confirmed'])[1 + floor(r.r_open * 4)::int] END AS state
) AS a,
LATERAL (SELECT
    a.state IN ('under_investigation','employer_called','agreements_confirmed')
        OR (a.state = 'closed' AND r.r_inv < 0.82) AS investigated
) AS b,
LATERAL (SELECT
    CASE WHEN a.state <> 'closed' THEN ''
        WHEN b.investigated THEN (ARRAY['afspraken_nagekomen','afspraken_nagekomen',
            'werkgever_voldoet_al','werkgever_voldoet_al','doorverwezen_inspectie_op_locatie',
            'werkgever_onbereikbaar','ingetrokken','dubbele_melding'])[1 + floor(r.r_out * 8)::int]
        ELSE (ARRAY['onvoldoende_informatie','onvoldoende_informatie',
            'geen_overtreding_aannemelijk','buiten_bevoegdheid','ingetrokken',
            'dubbele_melding'])[1 + floor(r.r_out * 6)::int]
        END AS outcome,
    CASE WHEN b.investigated THEN a.received_at + (1 + r.r_time * 5) * interval '1 day' END
        AS investigated_at,
    CASE WHEN a.state = 'received' AND r.r_nobody < 0.4 THEN NULL
        ELSE (%(inspectors)s::bigint[])[1 + floor(power(r.r_who, 1.3) * %(n_inspectors)s)::int]
        END AS assignee_id,
    CASE WHEN r.r_topic < 0.72 THEN 1
        WHEN r.r_topic < 0.86 THEN 1 | (1 << (1 + floor(r.r_other * 5)::int))
        ELSE 1 << (1 + floor(r.r_other * 5)::int) END AS topic_mask
) AS c,
LATERAL (SELECT
    (a.state IN ('employer_called','agreements_confirmed') OR (a.state = 'closed'
        AND c.outcome IN ('afspraken_nagekomen','werkgever_voldoet_al',
        'doorverwezen_inspectie_op_locatie'))) AS called
) AS k,
LATERAL (SELECT k.called AND r.r_nee < 0.1 AS not_recognised) AS n,
cases_employer e
WHERE e.id = a.employer_id
"""

TOPICS = """
INSERT INTO cases_case_topics (case_id, topic_id)
SELECT c.id, t.id FROM cases_case c JOIN cases_topic t ON (c.topic_mask & (1 << t.bit)) <> 0
"""

# A reached call for every melding that was phoned; "nee" exactly where not_recognised.
CALLS = """
INSERT INTO cases_call (case_id, called_at, caller_id, reached, contact_name, criteria,
    employer_response, measures, notes, created_at)
SELECT c.id, c.investigated_at + interval '2 days', COALESCE(c.assignee_id, %(registrar)s),
    true, 'J. de Vries', '["fysieke_aanwezigheid"]'::jsonb,
    CASE WHEN c.not_recognised THEN 'nee' ELSE 'ja' END, '', '', now()
FROM cases_case c
WHERE c.state IN ('employer_called','agreements_confirmed') OR (c.state = 'closed'
    AND c.outcome IN ('afspraken_nagekomen','werkgever_voldoet_al',
    'doorverwezen_inspectie_op_locatie'))
"""

# One to three agreements for every melding whose employer made them: due two to six weeks
# after the call; kept once the case is closed, some kept already while confirmed.
AGREEMENTS = """
INSERT INTO cases_agreement (case_id, description, due_date, status, status_changed_at,
    created_at, created_by_id)
SELECT c.id, 'Afspraak ' || n, (c.investigated_at AT TIME ZONE %(tz)s)::date + (14 * n + 2)::int,
    CASE WHEN c.state = 'closed' OR (c.state = 'agreements_confirmed' AND (c.id + n) %% 3 = 0)
        THEN 'nagekomen' ELSE 'open' END,
    NULL, c.investigated_at + interval '2 days', COALESCE(c.assignee_id, %(registrar)s)
FROM cases_case c, generate_series(1, 1 + c.id %% 3) AS n
WHERE c.state IN ('employer_called','agreements_confirmed')
    OR (c.state = 'closed' AND c.outcome = 'afspraken_nagekomen')
"""

# What the services store with a case working towards its agreements (Case.agreement_due).
AGREEMENT_DUE = """
UPDATE cases_case c SET agreement_due = a.due
FROM (SELECT case_id, min(due_date) AS due FROM cases_agreement WHERE status = 'open'
    GROUP BY case_id) AS a
WHERE a.case_id = c.id AND c.state IN ('employer_called','agreements_confirmed')
"""

# New intakes continue after the generated references.
COUNTERS = """
INSERT INTO cases_referencecounter (year, last_number)
SELECT substr(reference, 4, 4)::int, max(substr(reference, 9, 5)::int) FROM cases_case GROUP BY 1
"""


def generate(size: int, *, seed: int, today: dt.date, inspectors: list[int]) -> None:
    """Fill the (throwaway) database with `size` meldingen; then VACUUM ANALYZE, as
    autovacuum would have done on a database that grew over ten years."""
    from django.db import connection, transaction

    from cases import rollups
    from cases.models.rollups import CHANNEL_CODES, OUTCOME_CODES, STATE_CODES

    def in_order(codes: dict[str, int]) -> list[str]:
        return [name for name, _code in sorted(codes.items(), key=lambda item: item[1])]

    days, counts = day_counts(size, today, seed)
    params: dict[str, Any] = {
        "days": days,
        "counts": counts,
        "today": today,
        "tz": "Europe/Amsterdam",
        "employers": max(100, size // 40),
        "sectors": sector_pool(),
        "inspectors": inspectors,
        "n_inspectors": len(inspectors),
        "registrar": inspectors[0],
        "state_codes": in_order(STATE_CODES),
        "outcome_codes": in_order(OUTCOME_CODES),
        "channel_codes": in_order(CHANNEL_CODES),
    }
    if in_order(OUTCOME_CODES)[0] != "":
        raise SystemExit("outcome code 0 must be 'no outcome' (array_position - 1 below)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLEAR)
        cursor.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0) - 0.5])
        cursor.execute(EMPLOYERS, params)
        cursor.execute(CASES, params)
        cursor.execute(TOPICS)
        cursor.execute(CALLS, params)
        cursor.execute(AGREEMENTS, params)
        cursor.execute(AGREEMENT_DUE)
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [size])
        cursor.execute(COUNTERS)
        rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
