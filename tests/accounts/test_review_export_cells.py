"""Review finding: exported Excel cells never become formulas (names, 账号 come from users)."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from accounts import imports
from accounts.excel import append_row


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","点此")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"])
def test_exported_passwords_never_turn_a_name_into_a_formula(name):
    content = imports.passwords_workbook([{"row": 2, "name": name, "username": "=1+1", "password": "abc234"}], "甲一小")
    ws = load_workbook(io.BytesIO(content)).active
    cell = ws.cell(row=3, column=2)
    assert cell.data_type == "s" and cell.value == name and cell.quotePrefix
    assert ws.cell(row=3, column=3).data_type == "s"


def test_numbers_and_plain_text_are_written_as_they_are():
    wb = Workbook()
    append_row(wb.active, [-3, "张三", "2018-09-01"])
    a, b, c = wb.active[1]
    assert (a.value, a.data_type, a.quotePrefix) == (-3, "n", False)
    assert not b.quotePrefix and not c.quotePrefix
