"""Writing Excel files that people open on their own computers.

A text cell that starts with = + - @ (or a tab / carriage return) is what spreadsheet programs
read as a formula: a name typed as ``=HYPERLINK(…)`` would run in the reader's Excel. openpyxl
even stores a value starting with "=" as a formula. Such cells are written as text with Excel's
quote prefix (the "'" typed in front), so they show as typed and are never evaluated."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell) -> None:
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(ws, values) -> None:
    """ws.append(values), with every text cell that could be read as a formula kept as text."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        neutralise(cell)
