"""Letters with real (small) PDFs, for the tests of bulk work on letters."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfWriter

from cases import services
from cases.models import LetterBatch, State
from tests.helpers import add_agreement, case_in_state, fresh

A4 = (595.28, 841.89)


def pdf_of(pages: int, width: float = A4[0]) -> bytes:
    """A PDF of `pages` blank pages, `width` points wide (so that each letter can be told
    apart in a joined PDF by its page width)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=A4[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def issued(inspector: Any, *, pages: int = 1, width: float = A4[0], **kwargs: Any) -> Any:
    """A case whose agreements were confirmed with a letter of `pages` pages (`kwargs` go to
    `intake`)."""
    case = case_in_state(State.EMPLOYER_CALLED, inspector=inspector, **kwargs)
    add_agreement(case, inspector)
    case = fresh(case)
    services.case_confirm_agreements(
        case=case,
        actor=inspector,
        version=case.version,
        letter_pdf=pdf_of(pages, width),
        template_version="test",
    )
    return fresh(case)


def print_batch(inspector: Any, supervisor: Any, count: int = 1) -> LetterBatch:
    from django.http import QueryDict

    from cases.services import batches

    cases = [issued(inspector) for _ in range(count)]
    query = QueryDict(mutable=True)
    if count == 1:
        query["q"] = cases[0].reference
    return batches.print_batch_create(actor=supervisor, params=query)
