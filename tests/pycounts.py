"""An independent, plain-Python reading of the filter parameters and count definitions,
to check the database implementation against."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from cases.models import NOT_ALLOWED_TOPIC, Call, Case, Channel, Outcome, State
from cases.selectors import CaseCounts


def case_rows() -> list[dict[str, Any]]:
    rows = []
    not_recognised = set(
        Call.objects.filter(reached=True, employer_response="nee").values_list("case_id", flat=True)
    )
    for case in Case.objects.select_related("employer").prefetch_related("topics"):
        rows.append(
            {
                "case": case,
                "reference": case.reference,
                "local_date": timezone.localtime(case.received_at).date(),
                "state": case.state,
                "outcome": case.outcome,
                "investigated": case.investigated_at is not None,
                "topics": {t.code for t in case.topics.all()},
                "sector": case.employer.sector_id,
                "channel": case.channel,
                "assignee": case.assignee_id,
                "employer": case.employer.name,
                "kvk": case.employer.kvk_number or "",
                "overdue": case.overdue_on(timezone.localdate()),
                "employer_id": case.employer_id,
                "not_recognised": case.pk in not_recognised,
            }
        )
    return rows


def python_filter(rows: list[dict[str, Any]], params: QueryDict) -> list[dict[str, Any]]:
    out = rows
    if value := params.get("received_after"):
        day = dt.date.fromisoformat(value)
        out = [r for r in out if r["local_date"] >= day]
    if value := params.get("received_before"):
        day = dt.date.fromisoformat(value)
        out = [r for r in out if r["local_date"] <= day]
    for key, field in (("state", "state"), ("channel", "channel"), ("outcome", "outcome")):
        if values := params.getlist(key):
            out = [r for r in out if r[field] in values]
    if values := params.getlist("sector"):
        out = [r for r in out if (r["sector"] or "null") in values]
    if values := params.getlist("topic"):
        out = [r for r in out if r["topics"] & set(values)]
    if value := params.get("only_topic"):
        out = [r for r in out if r["topics"] == {value}]
    if value := params.get("inspector"):
        assignee = None if value == "null" else int(value)
        out = [r for r in out if r["assignee"] == assignee]
    if value := params.get("investigated"):
        out = [r for r in out if r["investigated"] == (value == "yes")]
    if value := params.get("overdue"):
        out = [r for r in out if r["overdue"] == (value == "yes")]
    if value := params.get("not_recognised"):
        out = [r for r in out if r["not_recognised"] == (value == "yes")]
    if value := params.get("q"):
        text = value.lower()
        out = [
            r
            for r in out
            if text in r["reference"].lower()
            or text in r["employer"].lower()
            or r["kvk"].startswith(value)
        ]
    return out


def python_counts(rows: list[dict[str, Any]]) -> CaseCounts:
    declined = [r for r in rows if not r["investigated"] and r["state"] == State.CLOSED]
    by_outcome: dict[str, int] = {}
    for r in declined:
        by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + 1
    return CaseCounts(
        received=len(rows),
        investigated=sum(1 for r in rows if r["investigated"]),
        only_not_allowed=sum(1 for r in rows if r["topics"] == {NOT_ALLOWED_TOPIC}),
        declined=len(declined),
        not_triaged=sum(1 for r in rows if not r["investigated"] and r["state"] != State.CLOSED),
        declined_by_outcome=by_outcome,
    )


def random_params(rnd: random.Random, rows: list[dict[str, Any]]) -> QueryDict:
    """A random combination of the shared filter parameters, with values that occur."""
    params = QueryDict(mutable=True)
    dates = sorted({r["local_date"] for r in rows})
    topics = sorted({t for r in rows for t in r["topics"]})
    sectors = sorted({r["sector"] for r in rows if r["sector"]})
    assignees = sorted({r["assignee"] for r in rows if r["assignee"]})
    if rnd.random() < 0.6:
        start = rnd.choice(dates)
        params["received_after"] = start.isoformat()
    if rnd.random() < 0.6:
        params["received_before"] = rnd.choice(dates).isoformat()
    if rnd.random() < 0.3:
        params.setlist("state", rnd.sample(State.values, rnd.randint(1, 3)))
    if rnd.random() < 0.3:
        params.setlist("topic", rnd.sample(topics, rnd.randint(1, 2)))
    if rnd.random() < 0.25:
        params["only_topic"] = rnd.choice(topics)
    if rnd.random() < 0.3 and sectors:
        params.setlist("sector", rnd.sample(sectors, min(len(sectors), rnd.randint(1, 3))))
    if rnd.random() < 0.25:
        params.setlist("channel", rnd.sample(Channel.values, rnd.randint(1, 2)))
    if rnd.random() < 0.25 and assignees:
        params["inspector"] = str(rnd.choice(assignees))
    if rnd.random() < 0.3:
        params["investigated"] = rnd.choice(["yes", "no"])
    if rnd.random() < 0.2:
        params.setlist("outcome", rnd.sample(Outcome.values, rnd.randint(1, 3)))
    if rnd.random() < 0.2:
        params["overdue"] = rnd.choice(["yes", "no"])
    if rnd.random() < 0.2:
        row = rnd.choice(rows)
        source = rnd.choice([row["reference"], row["employer"], row["kvk"] or row["reference"]])
        ascii_part = "".join(ch for ch in source if ch.isascii())[:6] or "TW"
        params["q"] = ascii_part
    return params
