"""Reading exported files back, independently of the code that wrote them: CSV with the
standard library's `csv`, XLSX by reading the sheet XML out of the zip with `zipfile`."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV export; it must start with a UTF-8 byte order mark."""
    assert data.startswith(b"\xef\xbb\xbf"), "no byte order mark"
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _xml(data: bytes) -> ET.Element:
    # The application's own output, written in the same test: no untrusted XML here.
    return ET.fromstring(data)  # noqa: S314


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters, ref
    number = 0
    for char in letters.group(0):
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


class Cell:
    def __init__(self, kind: str, value: str, style: int, formula: bool) -> None:
        self.kind = kind  # "s"/"inlineStr"/"str": text; "n": a number (dates too)
        self.value = value
        self.style = style
        self.formula = formula

    @property
    def is_text(self) -> bool:
        return self.kind in {"s", "inlineStr", "str"}


class Workbook:
    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        names = self.zip.namelist()
        self.shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = _xml(self.zip.read("xl/sharedStrings.xml"))
            self.shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        book = _xml(self.zip.read("xl/workbook.xml"))
        rels = _xml(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        self.sheets = [
            (
                sheet.get("name"),
                "xl/" + str(targets[sheet.get(REL)]).lstrip("/").removeprefix("xl/"),
            )
            for sheet in book.iter(f"{{{NS['m']}}}sheet")
        ]

    @property
    def sheet_names(self) -> list[str | None]:
        return [name for name, _path in self.sheets]

    def sheet_xml(self, index: int = 0) -> str:
        return self.zip.read(self.sheets[index][1]).decode("utf-8")

    def cells(self, index: int = 0) -> list[dict[int, Cell]]:
        """The rows of sheet `index` (0: the first), each a dict column -> Cell; rows
        without cells are left out."""
        root = _xml(self.zip.read(self.sheets[index][1]))
        rows = []
        for row in root.iter(f"{{{NS['m']}}}row"):
            cells = {}
            for c in row.findall("m:c", NS):
                kind = c.get("t", "n")
                formula = c.find("m:f", NS) is not None
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
                else:
                    v = c.find("m:v", NS)
                    value = v.text or "" if v is not None else ""
                    if kind == "s":
                        value = self.shared[int(value)]
                cells[_column(str(c.get("r")))] = Cell(kind, value, int(c.get("s", "0")), formula)
            rows.append(cells)
        return rows

    def rows(self, index: int = 0) -> list[list[str]]:
        """The rows of a sheet as text (numbers as written), gaps as ''."""
        table = []
        for cells in self.cells(index):
            width = max(cells, default=-1) + 1
            table.append([cells[i].value if i in cells else "" for i in range(width)])
        return table

    def quote_prefixed_styles(self) -> set[int]:
        """The cell styles (xf indexes) that keep a cell's text as text when edited."""
        root = _xml(self.zip.read("xl/styles.xml"))
        xfs = root.findall("m:cellXfs/m:xf", NS)
        return {i for i, xf in enumerate(xfs) if xf.get("quotePrefix") == "1"}
