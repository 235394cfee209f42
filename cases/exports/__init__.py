"""Exports of case lists and of the dashboard: CSV (UTF-8 with BOM, `;`) and XLSX.

- `cells`: the value types a cell may hold and the neutralising of text that a spreadsheet
  would read as a formula;
- `case_rows`: the explicit allow-list of a list export's columns and its rows, read in one
  streamed query from the precomputed columns of `Case`;
- `dashboard`: the dashboard's figures as sections (a sheet each);
- `writers`: streaming CSV and constant-memory XLSX.

No melder data and no free text ever reaches an export: a list export has only the columns
of `case_rows.COLUMNS`, the dashboard only counts and the names of sectors and people.
"""
