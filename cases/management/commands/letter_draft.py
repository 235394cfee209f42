"""`manage.py letter_draft REFERENCE --output FILE.pdf`: the draft (CONCEPT) confirmation
letter of any case with a reached call, in any state, for support and for checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cases import letter_checks, letters
from cases.errors import ServiceError
from cases.letter_checks import IssuingProblem
from cases.models import Agreement, Call, Case


def draft_problems(case: Case) -> list[IssuingProblem]:
    """What would stop the letter being issued today: the confirmation's own condition (an
    agreement) and every issuing check (`cases.letter_checks`)."""
    problems = []
    if not Agreement.objects.filter(case_id=case.pk).exists():
        problems.append(
            IssuingProblem(
                "agreements",
                "description",
                _("Record at least one agreement with a due date before you confirm."),
            )
        )
    return problems + letter_checks.issuing_problems(case)


def write_draft(reference: str, output: Path) -> list[IssuingProblem]:
    """Render the draft letter of the case `reference` to `output`; returns the issuing
    checks that would fail. Raises CommandError (Dutch and English) for an unknown
    reference, a case without a reached call, or a file that cannot be written."""
    reference = reference.strip().upper()
    pk = Case.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if pk is None:
        raise CommandError(
            f"Er is geen melding met kenmerk {reference}. (No case with reference {reference}.)"
        )
    if not Call.objects.filter(case_id=pk, reached=True).exists():
        raise CommandError(
            f"Melding {reference} heeft nog geen gesprek met de werkgever; er is geen "
            f"conceptbrief. (Case {reference} has no reached call, so no draft letter.)"
        )
    case = letters.load_case(pk)
    try:
        pdf = letters.render_draft(case)
    except ServiceError as exc:
        raise CommandError(f"{exc.message} (The letter could not be rendered.)") from exc
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise CommandError(
            f"Kan {output} niet schrijven: {exc.strerror}. (Cannot write {output}.)"
        ) from exc
    return draft_problems(case)


class Command(BaseCommand):
    help = (
        "Render the draft (CONCEPT) confirmation letter of a case that has a reached call, in "
        "any state, to a PDF file. Issuing checks that would fail are printed on stderr; the "
        "exit status is 0 whenever the PDF was written, 1 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="The case reference, e.g. TW-2021-00042.")
        parser.add_argument(
            "--output", "-o", required=True, type=Path, help="The PDF file to write."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        reference = str(options["reference"]).strip().upper()
        # A case handled together with others has its lead's letter.
        lead = (
            Case.objects.filter(reference=reference)
            .values_list("bundle_lead__reference", flat=True)
            .first()
        )
        if lead:
            self.stdout.write(
                f"Melding {reference} wordt samen behandeld met {lead}: dit is de brief van "
                f"{lead}. (Case {reference} is handled together with {lead}: its letter.)"
            )
            reference = lead
        with translation.override("nl"):
            problems = write_draft(reference, output)
        for problem in problems:
            where = f" ({problem.field})" if problem.field else ""
            self.stderr.write(
                f"Controle bij uitgeven faalt / issuing check fails: {problem.check}{where}: "
                f"{problem.message}"
            )
        self.stdout.write(f"Conceptbrief geschreven naar {output} ({output.stat().st_size} bytes).")
