"""Compliance exports of a school, a district (per school, per 学段) and the city (per district),
and the district's 送审报表, written with write-only openpyxl as the rows stream in."""


from openpyxl import load_workbook

from reports import documents as D
from tests.factories import DistrictFactory, SchoolFactory, TeacherProfileFactory

from .conftest import RARE_NAME, counted


def _fill(world):
    counted(world.junior, "admin_training", 60)
    counted(world.junior, "school_based_training", 50)  # 25 → 85, ok
    counted(world.senior, "admin_training", 30)  # short 42 / 18 / 24
    for y in range(2013, 2017):  # earlier 学年 of a cycle that started 2017 do not count
        counted(world.senior, "admin_training", 100, year=y)
    TeacherProfileFactory(school=world.other_school, name="小学老师", stage="primary")


def _sheet_rows(ws, start=1):
    return [list(row) for row in ws.iter_rows(min_row=start, values_only=True)]


def test_the_school_export_says_who_is_short_and_by_how_much(world, tmp_path):
    _fill(world)
    path = tmp_path / "s.xlsx"
    assert D.compliance_xlsx([world.school], world.year, str(path), level="school", title="棠湖中学") == 3
    wb = load_workbook(path)
    assert wb.sheetnames == ["按学段", "教师明细"]
    rows = _sheet_rows(wb["教师明细"], 3)
    senior = next(r for r in rows if r[3] == RARE_NAME)
    assert senior[6:15] == [30, 0, 30, "否", 42, 18, 24, 30, 330]
    junior = next(r for r in rows if r[3] == "张初中")
    assert junior[9] == "是" and junior[13:15] == [85, 275]
    markup = next(r for r in rows if r[3] == "<b>王</b>")
    assert markup[4] == "=SUM(A1)"  # read back as the text typed, not a formula
    stages = {r[0]: r for r in _sheet_rows(wb["按学段"], 2)}
    assert stages["初中"][1:4] == [1, 1, 0] and stages["高中"][1:4] == [2, 0, 2]


def test_the_district_export_summarises_per_school_and_stage(world, tmp_path):
    _fill(world)
    path = tmp_path / "d.xlsx"
    D.compliance_xlsx([world.school, world.other_school], world.year, str(path), level="district", title="双流区")
    wb = load_workbook(path)
    assert wb.sheetnames == ["按学校", "按学段", "教师明细"]
    schools = {r[1]: r for r in _sheet_rows(wb["按学校"], 2)}
    assert schools["棠湖中学"][2:5] == [3, 1, 2] and schools["东升小学"][2:5] == [1, 0, 1]
    assert schools["棠湖中学"][7] == 42 + 72  # what the school's teachers lack in total this 学年
    assert {r[0] for r in _sheet_rows(wb["按学段"], 2)} == {"初中", "高中", "小学"}


def test_the_city_export_has_one_line_per_district(world, tmp_path):
    _fill(world)
    other = SchoolFactory(name="锦江小学", district=DistrictFactory(code="510104", name="锦江区", order=2))
    TeacherProfileFactory(school=other, name="锦江老师", stage="primary")
    TeacherProfileFactory(school=world.city_school, name="七中老师", stage="senior")
    path = tmp_path / "c.xlsx"
    schools = [world.school, world.other_school, other, world.city_school]
    assert D.compliance_xlsx(schools, world.year, str(path), level="city", title="成都市") == 6
    wb = load_workbook(path)
    assert wb.sheetnames == ["按区（市）县", "按学校", "按学段", "教师明细"]
    districts = {r[0]: r[1] for r in _sheet_rows(wb["按区（市）县"], 2)}
    assert districts == {"双流区": 4, "锦江区": 1, "市直属学校": 1}


def test_the_district_submission_report_streams_every_teacher_in_report_order(world, tmp_path, monkeypatch):
    _fill(world)
    monkeypatch.setattr(D, "SCHOOL_BATCH", 1)  # one school per batch: totals are read batch by batch
    path = tmp_path / "r.xlsx"
    assert D.district_submission_xlsx([world.school, world.other_school], world.year, str(path), title="双流区") == 4
    ws = load_workbook(path)["送审报表"]
    rows = _sheet_rows(ws, 3)
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        ("棠湖中学", "初中", 1, "张初中"), ("棠湖中学", "高中", 2, RARE_NAME), ("棠湖中学", "高中", 3, "<b>王</b>"),
        ("东升小学", None, 1, "小学老师")]
    assert rows[0][8:12] == [60, 25, 85, "是"]
