"""The district 送审报表 and the 达标情况 exports, built without the per-row costs, are the same
workbooks cell for cell (value, type, bold, the quote prefix of formula-looking text) as the
straightforward per-row build they replaced (tests/reports/xlsx_reference.py)."""

import pytest

from reports import documents as D
from tests.factories import DistrictFactory, SchoolFactory, TeacherProfileFactory

from . import xlsx_reference as ref
from .conftest import counted


@pytest.fixture
def filled(world):
    counted(world.junior, "admin_training", 60)
    counted(world.junior, "school_based_training", 51)  # 25.5: a fraction in the cells and the sums
    counted(world.senior, "admin_training", 30)
    counted(world.markup, "school_based_training", 7)
    for y in range(2013, 2017):
        counted(world.senior, "admin_training", 100, year=y)
    TeacherProfileFactory(school=world.other_school, name="-小学老师", stage="primary", subject="+1")
    other = SchoolFactory(name="锦江小学", district=DistrictFactory(code="510104", name="锦江区", order=2))
    counted(TeacherProfileFactory(school=other, name="锦江老师", stage="primary"), "admin_training", 80)
    TeacherProfileFactory(school=world.city_school, name="七中老师", stage="senior")
    return [world.school, world.other_school, other, world.city_school]


@pytest.mark.parametrize("batch", [1, 40])
def test_the_district_submission_report_is_the_per_row_build_cell_for_cell(world, filled, tmp_path, monkeypatch, batch):
    monkeypatch.setattr(D, "SCHOOL_BATCH", batch)
    D.district_submission_xlsx(filled, world.year, tmp_path / "new.xlsx", title="双流区")
    ref.district_submission(filled, world.year, tmp_path / "old.xlsx", title="双流区")
    new, old = ref.cells(tmp_path / "new.xlsx"), ref.cells(tmp_path / "old.xlsx")
    assert new == old
    assert len(new["送审报表"]) == 2 + 6
    assert ("=SUM(A1)", "s", False, True) in new["送审报表"][4]  # the markup teacher's subject stays text


@pytest.mark.parametrize("level", ["school", "district", "city"])
def test_the_compliance_export_is_the_per_row_build_cell_for_cell(world, filled, tmp_path, monkeypatch, level):
    monkeypatch.setattr(D, "SCHOOL_BATCH", 2)
    schools = filled if level != "school" else [world.school]
    D.compliance_xlsx(schools, world.year, tmp_path / "new.xlsx", level=level, title="成都市")
    ref.compliance(schools, world.year, tmp_path / "old.xlsx", level=level, title="成都市")
    new, old = ref.cells(tmp_path / "new.xlsx"), ref.cells(tmp_path / "old.xlsx")
    assert new == old
    assert any(isinstance(c[0], float) for row in new["教师明细"] for c in row)  # 25.5 went through as a number
