"""送审报表 of a school and 学年: one row per teacher, 一式两份 in one PDF, a 高完中 split by 学段."""

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from reports import documents as D

from .conftest import RARE_NAME, counted, pdf_text, screenshot


def _fill(world):
    counted(world.junior, "admin_training", 60)
    counted(world.junior, "school_based_training", 50)  # 25 灵活性
    counted(world.senior, "admin_training", 30)


def test_the_pdf_holds_two_copies_each_split_into_junior_and_senior(world, tmp_path):
    _fill(world)
    data = D.submission_pdf(world.school, world.year)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 4  # 2 copies × (初中, 高中)
    assert [("第一份" in p, "第二份" in p) for p in pages] == [(True, False), (True, False), (False, True), (False, True)]
    assert "（初中）" in pages[0] and "张初中" in pages[0] and RARE_NAME not in pages[0]
    assert "（高中）" in pages[1] and RARE_NAME in pages[1] and "张初中" not in pages[1]
    text = pdf_text(data, tmp_path)
    junior_line = next(line for line in text.splitlines() if "张初中" in line)
    assert junior_line.split() == ["1", "t_a_junior", "张初中", "数学", "初中", "60", "25", "85", "是"]
    senior_line = next(line for line in text.splitlines() if RARE_NAME in line)
    assert senior_line.split()[5:9] == ["30", "0", "30", "否"]
    markup_line = next(line for line in text.splitlines() if "<b>王</b>" in line)  # escaped, printed as typed
    assert markup_line.split()[:9] == ["3", "t_c_markup", "<b>王</b>", "=SUM(A1)", "高中", "0", "0", "0", "否"]
    assert text.count("<b>王</b>") == 2 and text.count(RARE_NAME) == 2
    raw = "".join(pdf_text(data, tmp_path, "raw", mode="-raw").split())
    assert f"{RARE_NAME}语文高中30030否尚缺总学分42、规范性18、灵活性24" in raw
    assert text.count("张初中") == 2  # one row in each copy
    assert "校长签字" in text and "学校（盖章）" in text
    screenshot(data, "submission", tmp_path)


def test_the_excel_has_one_sheet_per_section_with_the_numbers(world):
    _fill(world)
    wb = load_workbook(io.BytesIO(D.submission_xlsx(world.school, world.year)))
    assert wb.sheetnames == ["初中", "高中"]
    junior, senior = wb["初中"], wb["高中"]
    assert "A1:J1" in {str(r) for r in junior.merged_cells.ranges}
    assert [c.value for c in junior[3]] == D.SUBMISSION_HEAD
    assert [c.value for c in junior[4]][:9] == [1, "t_a_junior", "张初中", "数学", "初中", 60, 25, 85, "是"]
    rows = [[c.value for c in r] for r in senior.iter_rows(min_row=4, max_row=5)]
    assert [r[2] for r in rows] == [RARE_NAME, "<b>王</b>"]
    assert rows[0][0] == 2 and rows[0][5:8] == [30, 0, 30] and rows[0][8] == "否"
    # A subject that looks like a formula is text, never a formula.
    cell = senior.cell(5, 4)
    assert cell.value == "=SUM(A1)" and cell.data_type == "s"


def test_a_school_that_is_not_a_complete_secondary_is_one_section(world):
    from tests.factories import TeacherProfileFactory

    TeacherProfileFactory(school=world.other_school, name="小学老师")
    wb = load_workbook(io.BytesIO(D.submission_xlsx(world.other_school, world.year)))
    assert wb.sheetnames == ["送审报表"]
    assert wb["送审报表"].cell(4, 3).value == "小学老师"


def test_a_sealed_year_reads_the_committed_seals_snapshots(world):
    from django.utils import timezone

    from sealing.models import SealedSnapshot, SealRecord, SealState

    counted(world.junior, "admin_training", 60)
    # As the batch writes it: snapshots while the seal runs, then the commit (PostgreSQL refuses
    # a snapshot added to a committed seal).
    seal = SealRecord.objects.create(academic_year=world.year, state=SealState.RUNNING, started_by=world.city,
                                     started_at=timezone.now())
    SealedSnapshot.objects.create(seal=seal, academic_year=world.year, teacher=world.junior, school=world.school,
                                  district=world.district, digest="0" * 64, regulated=50, flexible=30, total=80,
                                  raw_total=80, centralized=50, school_based=30)
    SealRecord.objects.filter(pk=seal.pk).update(state=SealState.COMMITTED, committed_at=timezone.now())
    world.year.sealed_at = timezone.now()
    world.year.save()
    ws = load_workbook(io.BytesIO(D.submission_xlsx(world.school, world.year)))["初中"]
    assert [c.value for c in ws[4]][5:9] == [50, 30, 80, "是"]  # the snapshot, not the entries' 60 / 0
    senior = load_workbook(io.BytesIO(D.submission_xlsx(world.school, world.year)))["高中"]
    assert [c.value for c in senior[4]][5:8] == [0, 0, 0]  # no snapshot: nothing sealed for them
