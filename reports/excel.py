"""Excel writing for the reports: openpyxl, write-only for the large files.

Every text cell that a spreadsheet program would read as a formula (starting with = + - @, or a
tab / carriage return) is written as text with Excel's quote prefix: see ``accounts.excel``."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side

from accounts.excel import FORMULA_TRIGGERS, append_row, neutralise

__all__ = ["append_row", "neutralise", "stream_row", "BOLD", "CENTER", "BORDER", "style_range", "xlsx_value"]

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def xlsx_value(value):
    """Decimals as numbers Excel sums (credits have one decimal place); the rest as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def stream_row(ws, values, *, bold: bool = False) -> None:
    """Append one row to a write-only sheet, formula-looking text kept as text.

    Plain values go to the sheet as they are (openpyxl binds them to one reusable cell); only a
    formula-looking text or a bold row needs a cell object of its own. Building a WriteOnlyCell
    for every value was a third of a 10,000-teacher district report's time."""
    if bold:
        ws.append([_cell(ws, value, bold=True) for value in values])
        return
    ws.append([_cell(ws, value) if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
               else xlsx_value(value) for value in values])


def _cell(ws, value, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=xlsx_value(value))
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True
    if bold:
        cell.font = BOLD
    return cell


def style_range(ws, cell_range: str, *, font=None, alignment=CENTER, border=BORDER) -> None:
    for row in ws[cell_range]:
        for cell in row:
            if font is not None:
                cell.font = font
            if alignment is not None:
                cell.alignment = alignment
            if border is not None:
                cell.border = border
