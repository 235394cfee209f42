"""Joining stored letters into one PDF for duplex printing in the mailroom.

Every document starts on an odd page: after a document with an odd number of pages that is
followed by another one, a blank page of the same size is inserted, so that no letter is
printed on the back of the one before it. The documents are joined as they were stored
(pypdf copies their pages; nothing is rendered again).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass


class JoinError(ValueError):
    """A document could not be read as a PDF with at least one page."""

    def __init__(self, index: int) -> None:
        super().__init__(f"document {index} is not a readable PDF with pages")
        self.index = index


@dataclass(frozen=True)
class Joined:
    content: bytes
    pages: int  # in the combined PDF, blank pages included
    letter_pages: int  # the documents' own pages
    blank_pages: int


def join_for_duplex(documents: Iterable[bytes]) -> Joined:
    """One PDF of `documents` in order, each starting on an odd page."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    writer = PdfWriter()
    letter_pages = blank_pages = 0
    pending_blank: tuple[float, float] | None = None
    for index, content in enumerate(documents):
        try:
            reader = PdfReader(io.BytesIO(content))
            pages = list(reader.pages)
        except (PyPdfError, ValueError, OSError) as exc:
            raise JoinError(index) from exc
        if not pages:
            raise JoinError(index)
        if pending_blank is not None:
            writer.add_blank_page(width=pending_blank[0], height=pending_blank[1])
            blank_pages += 1
        for page in pages:
            writer.add_page(page)
        letter_pages += len(pages)
        last = pages[-1].mediabox
        pending_blank = (float(last.width), float(last.height)) if len(pages) % 2 else None
    out = io.BytesIO()
    writer.write(out)
    return Joined(
        content=out.getvalue(),
        pages=letter_pages + blank_pages,
        letter_pages=letter_pages,
        blank_pages=blank_pages,
    )


def page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)
