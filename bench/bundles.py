"""What bundled handling costs, and what it saves, per write.

    .venv/bin/python bench/bundles.py [--bundles 30] [--size 4] [--rounds 3]
    (PGHOST/PGPORT/PGUSER select the server; default 127.0.0.1:5432, user postgres)

On PostgreSQL, in a throwaway database, through the services (each step its own
transaction, as in a request). Two measurements, each against a reference in the same run:

1. Handling `--size` meldingen about one employer **together** (attach, one reached call,
   one agreement, confirming with a stored letter, the agreement kept, closing: six writes
   on the lead that lock and change the whole bundle) against handling the same number of
   meldingen **one by one** (the same five steps after taking into investigation, on each
   case). Reported: the median milliseconds per melding both ways and their ratio.
2. The bundle lock on a case that is not in a bundle: closing a case through `case_write`
   as the application does (the workflow table marks "close" as a bundle write: the case,
   its lead and attached cases are read and locked in id order) against the same write
   with the plain one-row lock. Reported: both medians and the ratio.

The letter's PDF is a fixed stand-in (rendering is benchmarked in bench/letter.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from throwaway_pg import throwaway_database

DB = "bench_bundles"
PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def timed(step: Callable[[], Any]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def handle(cases: list[Any], inspector: Any) -> float:
    """The call, agreement, confirmation, kept agreement and closing on `cases[0]`: with the
    others attached, the lead's writes take them along. Returns the seconds it took."""
    from django.utils import timezone

    from cases import services
    from cases.models import AgreementStatus, Case, Criterion, EmployerResponse, Outcome

    lead = cases[0]

    def fresh() -> Any:
        return Case.objects.get(pk=lead.pk)

    contact = {
        "contact_form_of_address": "mevrouw",
        "contact_title": "",
        "contact_initials": "P.",
        "contact_tussenvoegsel": "de",
        "contact_surname": "Boer",
    }
    seconds = 0.0
    if len(cases) > 1:
        seconds += timed(
            lambda: services.bundle_attach(
                case=lead,
                actor=inspector,
                version=fresh().version,
                cases=[c.pk for c in cases[1:]],
            )
        )
    seconds += timed(
        lambda: services.case_record_call(
            case=lead,
            actor=inspector,
            version=fresh().version,
            called_at=timezone.now() - dt.timedelta(minutes=5),
            contact=contact,
            criteria=[Criterion.ESSENTIAL_PRESENCE],
            employer_response=EmployerResponse.GEDEELTELIJK,
        )
    )
    agreement: list[Any] = []
    seconds += timed(
        lambda: agreement.append(
            services.agreement_add(
                case=lead,
                actor=inspector,
                version=fresh().version,
                description="Kantoorpersoneel werkt twee dagen per week thuis.",
                due_date=timezone.localdate() + dt.timedelta(days=14),
            )
        )
    )
    seconds += timed(
        lambda: services.case_confirm_agreements(
            case=lead,
            actor=inspector,
            version=fresh().version,
            letter_pdf=PDF,
            template_version="bench",
        )
    )
    seconds += timed(
        lambda: services.agreement_set_status(
            case=lead,
            actor=inspector,
            version=fresh().version,
            agreement=agreement[0],
            status=AgreementStatus.NAGEKOMEN,
        )
    )
    seconds += timed(
        lambda: services.case_close(
            case=lead,
            actor=inspector,
            version=fresh().version,
            outcome=Outcome.AFSPRAKEN_NAGEKOMEN,
        )
    )
    return seconds


def new_cases(n: int, employer: Any, inspector: Any) -> list[Any]:
    """`n` meldingen about `employer`, taken into investigation by `inspector`."""
    from django.utils import timezone

    from cases import services

    made = []
    for i in range(n):
        case = services.case_intake(
            actor=inspector,
            received_at=timezone.now() - dt.timedelta(hours=2 + i),
            channel="webformulier",
            topic_codes=["niet_mogen_thuiswerken"],
            description="Thuiswerken is niet toegestaan.",
            employer=employer,
        )
        case = services.case_take(case=case, actor=inspector, version=case.version)
        made.append(
            services.case_take_into_investigation(case=case, actor=inspector, version=case.version)
        )
    return made


def lock_overhead(n: int, inspector: Any, employers: list[Any]) -> dict[str, list[float]]:
    """Closing `n` plain cases with the bundle lock and `n` with the one-row lock."""
    from cases import services, workflow
    from cases.models import Outcome

    close = workflow.ACTIONS["close"]
    times: dict[str, list[float]] = {"bundle lock": [], "row lock": []}
    for i in range(2 * n):
        mode = "bundle lock" if i % 2 == 0 else "row lock"
        (case,) = new_cases(1, employers[i % len(employers)], inspector)
        object.__setattr__(close, "bundle", mode == "bundle lock")
        try:
            times[mode].append(
                timed(
                    lambda case=case: services.case_close(
                        case=case,
                        actor=inspector,
                        version=case.version,
                        outcome=Outcome.DOORVERWEZEN_INSPECTIE_OP_LOCATIE,
                    )
                )
            )
        finally:
            object.__setattr__(close, "bundle", True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=int, default=30, help="bundles per round and way")
    parser.add_argument("--size", type=int, default=4, help="meldingen per employer")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with throwaway_database(DB):
        from django.contrib.auth.models import Group, User

        from tests.factories import EmployerFactory

        inspector = User.objects.create_user("bench-bundel", first_name="Bundel")
        inspector.groups.add(Group.objects.get(name="Inspecteur"))
        inspector = User.objects.get(pk=inspector.pk)
        employers = [EmployerFactory() for _ in range(20)]
        per_melding: dict[str, list[float]] = {"together": [], "one by one": []}
        handle(new_cases(args.size, employers[0], inspector), inspector)  # warm up
        for number in range(args.rounds):
            for i in range(args.bundles):
                employer = employers[i % len(employers)]
                cases = new_cases(args.size, employer, inspector)
                per_melding["together"].append(handle(cases, inspector) / args.size)
                cases = new_cases(args.size, employer, inspector)
                alone = sum(handle([case], inspector) for case in cases)
                per_melding["one by one"].append(alone / args.size)
            print(f"# round {number + 1} of {args.rounds}", flush=True)
        locks = lock_overhead(args.bundles * args.rounds, inspector, employers)
    print(f"\nHandling {args.size} meldingen about one employer, per melding:")
    medians = {way: statistics.median(t) * 1000 for way, t in per_melding.items()}
    for way, median in medians.items():
        print(f"  {way:12} median {median:8.2f} ms  (n={len(per_melding[way])})")
    print(f"  ratio together / one by one: {medians['together'] / medians['one by one']:.2f}")
    print("\nClosing a case that is not in a bundle:")
    lock_medians = {mode: statistics.median(t) * 1000 for mode, t in locks.items()}
    for mode, median in lock_medians.items():
        print(f"  {mode:12} median {median:8.2f} ms  (n={len(locks[mode])})")
    ratio = lock_medians["bundle lock"] / lock_medians["row lock"]
    print(f"  ratio bundle lock / row lock: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
