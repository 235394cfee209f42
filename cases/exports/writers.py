"""Streaming CSV and constant-memory XLSX.

CSV: UTF-8 with a byte order mark and `;` as the separator (what Dutch Excel opens as
columns), produced as the rows come in, in chunks of about 64 KiB.

XLSX (XlsxWriter): `constant_memory` mode writes each row to a temporary file as soon as the
next row starts, so memory stays flat; the finished workbook (a zip) is written to another
temporary file and streamed from there in chunks. A sheet holds at most 1,048,576 rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import xlsxwriter

from cases.exports.cells import Value, csv_text, looks_like_formula

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
XLSX_MAX_ROWS = 1_048_576  # rows per sheet, header and any lines above it included
BOM = "\ufeff"


@dataclass
class Sheet:
    """A table: its name (the XLSX sheet's, a CSV section's title), the header row and the
    rows (any iterable: a list export streams them)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Value]]
    widths: Sequence[int] = field(default_factory=list)


def csv_chunks(
    sheets: Sequence[Sheet], top: Sequence[Sequence[Value]] = (), *, titled: bool = False
) -> Iterator[bytes]:
    """The sheets as one CSV: the `top` lines (a dashboard's filter and reference date),
    then each sheet, with its name on a line of its own when `titled` and an empty line
    after it; a single untitled sheet is just its header and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)

    def drain() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    for line in top:
        writer.writerow([csv_text(value) for value in line])
    if top:
        writer.writerow([])
    for number, sheet in enumerate(sheets):
        if titled:
            if number:
                writer.writerow([])
            writer.writerow([csv_text(sheet.name)])
        writer.writerow([csv_text(value) for value in sheet.header])
        for row in sheet.rows:
            writer.writerow([csv_text(value) for value in row])
            if buffer.tell() >= CHUNK:
                yield drain()
    yield drain()


class _SheetWriter:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.bold = workbook.add_format({"bold": True})
        self.text = workbook.add_format({"quote_prefix": True})  # stays text when edited
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def write(
        self, sheet: xlsxwriter.worksheet.Worksheet, row: int, values: Sequence[Value]
    ) -> None:
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                # Always as a string cell, never through write()'s guessing at formulas.
                quoted = self.text if looks_like_formula(value) else None
                sheet.write_string(row, col, value, quoted)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, self.moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row, col, value, self.date)
            else:
                sheet.write_number(row, col, value)


def xlsx_chunks(sheets: Sequence[Sheet], top: Sequence[Sequence[Value]] = ()) -> Iterator[bytes]:
    """The sheets as one workbook, each with the `top` lines above its header (a list
    export has none: its header is the first row of the first sheet). Rows past the sheet's
    limit are not written: the views refuse an XLSX export that would not fit."""
    with tempfile.TemporaryFile() as output:
        workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
        cells = _SheetWriter(workbook)
        for sheet in sheets:
            worksheet = workbook.add_worksheet(sheet.name[:31].strip())
            for col, width in enumerate(sheet.widths):
                worksheet.set_column(col, col, width)
            for number, line in enumerate(top):
                cells.write(worksheet, number, line)
            header_row = len(top) + 1 if top else 0
            worksheet.freeze_panes(header_row + 1, 0)
            for col, label in enumerate(sheet.header):
                worksheet.write_string(header_row, col, label, cells.bold)
            for number, row in enumerate(sheet.rows, start=header_row + 1):
                if number >= XLSX_MAX_ROWS:
                    break
                cells.write(worksheet, number, row)
        workbook.close()
        output.seek(0)
        while chunk := output.read(CHUNK):
            yield chunk
