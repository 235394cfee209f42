"""Benchmark B3 (docs: QUALITY.md): one confirmation letter through the app vs WeasyPrint,
and the dashboard's figures report (PDF) beside it, in the same run; and (with --bulk) letters
in bulk: regeneration on 1 and 2 workers, memory, a killed worker, the print batch.

    .venv/bin/python bench/letter.py [--runs 10] [--out letter.pdf] [--report-out report.pdf]
    .venv/bin/python bench/letter.py --bulk [--letters 545] [--small 50]

"app" = `cases.letters.render_confirmation_letter(case)`: the allow-listed context read from the
database, the Django template, and WeasyPrint inside the URL sandbox (PDF/A-2a, tagged).
"reference" = WeasyPrint rendering the very same HTML directly (its default URL fetcher, same
PDF options), which decodes the WOFF2 fonts on every render; the app's sandboxed fetcher
decodes them once per process. A third line times `letters.render_pdf` on the same HTML, to
separate that from the cost of the database and the template, and a fourth the checks issuing
runs before rendering (`cases.letter_checks.issuing_problems`: due dates, address width
measured with the font, glyphs, the leak guard). Runs are interleaved; the
medians, the ratio (app / reference, goal ≤ 1.2) and the peak RSS of this process are printed.

The figures report is timed in the same loop, on the kamerbrief_2021 fixture (746 meldingen)
with the Kamerbrief preset: "report app" = `services.figures_report_make` (the dashboard's
figures, the context, the template, the sandboxed render and its Event), "report reference" =
WeasyPrint rendering the same report HTML directly. Printed: both medians, their ratio, and
the report's median as a multiple of the letter's.
Uses a temporary SQLite database and document folder, removed at the end.

--bulk (bench/letter_bulk.py) creates `--letters` issued, unsent letters through the services
(intake, call, agreement, `issue_confirmation_letter`), then regenerates them all as one
background job with real `manage.py db_worker` processes, recycled after a few tasks: on 1
worker, then on 2 (the ratio of the wall times shows whether both cores are used); a job of
`--small` letters and the full job compare the workers' peak RSS (goal: within 20%); a job
whose workers are killed (SIGKILL) halfway, resumed with `manage.py resume_letter_batches`,
must end with exactly one new version per letter; and the print batch of all letters is
joined, timed against reading the same stored bytes, with its page count checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import pypdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "inspectie.settings"
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["DOCUMENT_ROOT"] = str(workdir / "documents")
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _make_case():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from cases import services
    from cases.models import Criterion, Employer, EmployerResponse, InspectorProfile, Role

    inspector = User.objects.create_user(
        "bench-inspecteur", "a.jansen@inspectie.example", first_name="Anna", last_name="Jansen"
    )
    inspector.groups.add(Group.objects.get(name=Role.INSPECTEUR))
    InspectorProfile.objects.create(
        user=inspector, function_title="Inspecteur", phone="0703334444", team="Team Thuiswerken"
    )
    inspector = User.objects.get(pk=inspector.pk)
    employer = Employer.objects.create(
        name="Bakkerij De Korenschoof B.V.",
        kvk_number="12345678",
        visit_street="Stationsweg",
        visit_number="12a",
        visit_postcode="3511 AB",
        visit_city="Utrecht",
        postal_street="Postbus",
        postal_number="1234",
        postal_postcode="3500 AA",
        postal_city="Utrecht",
        contact_form_of_address="mevrouw",
        contact_initials="P.",
        contact_tussenvoegsel="van der",
        contact_surname="Berg",
    )
    case = services.case_intake(
        actor=inspector,
        received_at=timezone.now() - dt.timedelta(days=5),
        channel="webformulier",
        topic_codes=["niet_mogen_thuiswerken"],
        description="Benchmark melding.",
        employer=employer,
    )
    case = services.case_take(case=case, actor=inspector, version=case.version)
    case = services.case_take_into_investigation(case=case, actor=inspector, version=case.version)
    services.case_record_call(
        case=case,
        actor=inspector,
        version=case.version,
        called_at=timezone.now() - dt.timedelta(hours=2),
        contact={
            "contact_form_of_address": "mevrouw",
            "contact_initials": "P.",
            "contact_tussenvoegsel": "van der",
            "contact_surname": "Berg",
        },
        criteria=[Criterion.ESSENTIAL_PRESENCE, Criterion.LOCATION_BOUND_SYSTEMS],
        employer_response=EmployerResponse.GEDEELTELIJK,
    )
    texts = (
        "Medewerkers van de administratie en de klantenservice werken vanaf 19 april "
        "volledig thuis; de werkgever stelt laptops en headsets beschikbaar.",
        "Alleen medewerkers in de productie en de bezorging werken op locatie. De werkgever "
        "legt per functie vast waarom thuiswerken niet kan en deelt dat met de medewerkers.",
        "De werkgever bespreekt het thuiswerkbeleid met de ondernemingsraad en neemt "
        "thuiswerken op in de risico-inventarisatie en -evaluatie (RI&E).",
    )
    from cases.models import Case

    for days, text in zip((7, 14, 28), texts, strict=True):
        current = Case.objects.get(pk=case.pk)
        services.agreement_add(
            case=current,
            actor=inspector,
            version=current.version,
            description=text,
            due_date=timezone.localdate() + dt.timedelta(days=days),
        )
    return Case.objects.get(pk=case.pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, help="also write the app's letter to this file")
    parser.add_argument("--bulk", action="store_true", help="letters in bulk (see above)")
    parser.add_argument("--letters", type=int, default=545)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--max-tasks", type=int, default=2, help="tasks before a worker recycles")
    parser.add_argument("--report-out", type=Path, help="also write the figures report here")
    args = parser.parse_args()
    if args.bulk:
        from bench.letter_bulk import run_bulk

        return run_bulk(letters=args.letters, small=args.small, max_tasks=args.max_tasks)

    workdir = Path(tempfile.mkdtemp(prefix="bench-letter-"))
    try:
        _setup(workdir)
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.http import QueryDict
        from weasyprint import HTML

        from cases import figures_report, letter_checks, letters, services
        from cases.dashboard.current import current_figures

        # The fixture first: it brings its own users and primary keys.
        call_command("loaddata", "kamerbrief_2021", verbosity=0)
        teamleider = User.objects.get(username="teamleider")
        preset = QueryDict("received_after=2021-01-25&received_before=2021-04-09")
        _filter, current = current_figures(teamleider, preset)
        if current is None:
            raise SystemExit("the Kamerbrief preset is not a valid filter")
        report_html = figures_report.report_html(
            figures_report.build_figures_report(current, produced_by="Anouk Verbeek")
        )
        case = _make_case()
        html = letters.letter_html(letters.build_confirmation_letter(case))
        base_url = letters.asset_base_url()

        def app() -> bytes:
            return letters.render_confirmation_letter(case)

        def reference() -> bytes:
            return HTML(string=html, base_url=base_url).write_pdf(
                pdf_variant=letters.PDF_VARIANT, pdf_tags=True
            )

        def sandboxed() -> bytes:
            return letters.render_pdf(html)

        def checks() -> bytes:
            problems = letter_checks.issuing_problems(case)
            if problems:
                raise SystemExit(f"the benchmark letter fails its checks: {problems}")
            return b""

        def report_app() -> bytes:
            return services.figures_report_make(actor=teamleider, params=preset).pdf

        def report_reference() -> bytes:
            return HTML(string=report_html, base_url=base_url).write_pdf(
                pdf_variant=letters.PDF_VARIANT, pdf_tags=True
            )

        # Warm-up: imports, hyphenation dictionaries, template loading.
        pdf = app()
        reference()
        sandboxed()
        checks()
        report_pdf = report_app()
        report_reference()
        funcs = {
            "app": app,
            "reference": reference,
            "sandboxed": sandboxed,
            "checks": checks,
            "report_app": report_app,
            "report_reference": report_reference,
        }
        timings: dict[str, list[float]] = {name: [] for name in funcs}
        for _ in range(args.runs):
            for name, func in funcs.items():
                start = time.perf_counter()
                func()
                timings[name].append(time.perf_counter() - start)
        app_median = statistics.median(timings["app"])
        ref_median = statistics.median(timings["reference"])
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"B3 letter and figures report: {args.runs} runs each, interleaved, one process")
        print(
            f"  app (context + template + sandboxed render): median {app_median * 1000:.0f} ms"
            f"  (min {min(timings['app']) * 1000:.0f}, max {max(timings['app']) * 1000:.0f})"
        )
        print(
            f"  reference (WeasyPrint, same HTML):           median {ref_median * 1000:.0f} ms"
            f"  (min {min(timings['reference']) * 1000:.0f},"
            f" max {max(timings['reference']) * 1000:.0f})"
        )
        sandboxed_median = statistics.median(timings["sandboxed"])
        print(
            "  same HTML through letters.render_pdf:        median "
            f"{sandboxed_median * 1000:.0f} ms"
            "  (sandboxed fetcher with its decoded-font cache, no database or template)"
        )
        print(f"  ratio app/reference: {app_median / ref_median:.2f} (goal <= 1.2)")
        print(
            f"  ratio app/render_pdf: {app_median / sandboxed_median:.2f}"
            " (cost of the context queries and the template)"
        )
        checks_median = statistics.median(timings["checks"])
        print(
            f"  issuing checks (issuing_problems):            median {checks_median * 1000:.1f} ms"
            f"  (max {max(timings['checks']) * 1000:.1f})"
        )
        print(
            f"  ratio (app + checks)/reference: {(app_median + checks_median) / ref_median:.2f}"
            " (what issuing renders and checks before the lock)"
        )
        report_median = statistics.median(timings["report_app"])
        report_ref_median = statistics.median(timings["report_reference"])
        pages = len(pypdf.PdfReader(BytesIO(report_pdf)).pages)
        print("Figures report (kamerbrief_2021, 746 meldingen, Kamerbrief preset), same runs:")
        print(
            f"  report app (figures + context + template + sandboxed render + Event): median "
            f"{report_median * 1000:.0f} ms  (min {min(timings['report_app']) * 1000:.0f}, "
            f"max {max(timings['report_app']) * 1000:.0f})"
        )
        print(
            f"  report reference (WeasyPrint, same HTML):  median {report_ref_median * 1000:.0f} ms"
        )
        print(f"  ratio report app/report reference: {report_median / report_ref_median:.2f}")
        print(f"  ratio report/letter (app medians): {report_median / app_median:.2f}")
        print(f"  letter size: {len(pdf)} bytes; report: {len(report_pdf)} bytes, {pages} pages")
        print(f"  peak RSS of this process: {peak_mib:.0f} MiB")
        if args.out:
            args.out.write_bytes(pdf)
            print(f"  written to {args.out}")
        if args.report_out:
            args.report_out.write_bytes(report_pdf)
            print(f"  report written to {args.report_out}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
