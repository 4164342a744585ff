"""附件3 送审报表（评职称用）: the attachment's merged header, five 学年 of 规范性 and 灵活性 with
subtotals, 合计 and a 备注 saying what is short of 360 / 240 / 120 (or 转正 120)."""

import io

from openpyxl import load_workbook

from reports import documents as D

from .conftest import RARE_NAME, counted, pdf_text, screenshot


def _five_years(world):
    for n, y in enumerate(range(2013, 2018)):
        counted(world.senior, "admin_training", 50 + n, year=y)  # 规范性 50..54 = 260
        counted(world.senior, "school_based_training", 40, year=y)  # 灵活性 20 a year = 100
    counted(world.junior, "admin_training", 100, year=2017)
    world.junior.is_new_teacher = True
    world.junior.save()


def test_the_excel_has_the_merged_header_and_five_years_with_subtotals(world):
    _five_years(world)
    wb = load_workbook(io.BytesIO(D.form3_xlsx(world.school, world.year, [world.senior, world.junior],
                                               filler="王校管", phone="028-1234")))
    ws = wb["附件3"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:Q1", "A3:A5", "B3:B5", "C3:C5", "D3:P3", "Q3:Q5", "D4:I4", "J4:O4", "P4:P5"} <= merged
    assert ws["A1"].value == D.FORM3_TITLE
    assert [ws["A3"].value, ws["B3"].value, ws["C3"].value, ws["D3"].value, ws["Q3"].value] == \
        ["编号", "姓名", "学科", "继续教育（折算）学分数", "备注"]
    assert [ws["D4"].value, ws["J4"].value, ws["P4"].value] == ["规范性培训", "灵活性培训", "合计"]
    assert [c.value for c in ws[5]][3:15] == list(D.YEAR_HEADS) * 2
    assert "王校管" in ws["A2"].value and "028-1234" in ws["A2"].value and "2017-2018" in ws["A2"].value
    senior = [c.value for c in ws[6]]
    assert senior[:3] == [1, RARE_NAME, "语文"]
    assert senior[3:9] == [50, 51, 52, 53, 54, 260]
    assert senior[9:15] == [20, 20, 20, 20, 20, 100]
    assert senior[15] == 360
    assert "灵活性20" in senior[16]  # 360 reached, but 灵活性 100 of 120
    junior = [c.value for c in ws[7]]
    assert junior[8] == 100 and junior[15] == 100 and junior[16] == "转正：最近一个学年度尚缺总学分20学分"
    assert any("校管理员签字" in str(c.value) for row in ws.iter_rows() for c in row)
    assert any("校长签字" in str(c.value) for row in ws.iter_rows() for c in row)


def test_the_pdf_has_the_same_layout_and_numbers(world, tmp_path):
    _five_years(world)
    data = D.form3_pdf(world.school, world.year, [world.senior])
    text = pdf_text(data, tmp_path)
    assert "评职称用" in text and "继续教育（折算）学分数" in text
    head = next(line for line in text.splitlines() if "第一年度" in line and "小计" in line)
    assert head.count("第一年度") == 2 and head.count("第五年度") == 2 and head.count("小计") == 2
    line = next(line for line in text.splitlines() if RARE_NAME in line)
    numbers = [w for w in line.split() if w.isdigit()]
    assert numbers == ["1", "50", "51", "52", "53", "54", "260", "20", "20", "20", "20", "20", "100", "360"]
    assert "校管理员签字" in text and "校长签字" in text
    screenshot(data, "form3", tmp_path)
