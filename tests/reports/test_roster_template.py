"""附件1 花名册: the template pre-filled with 区, 学校 and the 填表说明, downloaded, filled and
uploaded through the existing roster upload, registers the credits once reviewed."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import BaseLevel, Role
from credits.models import CreditEntry, EntrySource
from credits.selectors import teacher_year_totals
from reports import documents as D
from reviews.models import Roster, RosterStatus
from tests.factories import SchoolFactory, UserFactory, grant
from tests.reviews.helpers import PDF_BYTES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _base(world):
    school = SchoolFactory(name="双流实验小学", district=world.district, base_level=BaseLevel.DISTRICT)
    admin = grant(UserFactory(username="baseadmin"), Role.BASE_SCHOOL_ADMIN, school=school)
    return school, admin


def test_the_template_is_prefilled_and_keeps_the_upload_columns(world):
    school, _ = _base(world)
    ws = load_workbook(io.BytesIO(D.roster_template_xlsx(school, world.year))).active
    assert ws["A1"].value == "成都市2017-2018校本研修参培人员花名册"
    assert "双流区" in ws["A2"].value and "双流实验小学" in ws["A2"].value and "学校（公章）" in ws["A2"].value
    assert [c.value for c in ws[3]] == list(D.ROSTER_COLUMNS)
    notes = ws.cell(ws.max_row, 1).value
    assert notes.startswith("填表说明：1.此表由市、区两级教师发展基地校填写") and "区基地校填25学分" in notes
    assert {"A1:H1", "A2:H2", f"A{ws.max_row}:H{ws.max_row}"} <= {str(r) for r in ws.merged_cells.ranges}


def test_downloaded_filled_uploaded_and_reviewed_it_registers_the_credits(world, client, clock):
    school, admin = _base(world)
    clock.set(datetime.date(2018, 6, 1))
    client.force_login(admin)
    response = client.get(reverse("reports:roster_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    for n, t in enumerate([world.junior, world.senior], start=4):
        for col, value in enumerate([n - 3, t.school.name, t.user.username, t.name, t.subject, "初中", 30, 25], start=1):
            ws.cell(n, col, value)
    filled = io.BytesIO()
    wb.save(filled)

    upload = {
        "plan_file": SimpleUploadedFile("计划.pdf", PDF_BYTES, content_type="application/pdf"),
        "summary_file": SimpleUploadedFile("总结.pdf", PDF_BYTES, content_type="application/pdf"),
        "roster_file": SimpleUploadedFile("花名册.xlsx", filled.getvalue(), content_type=XLSX),
    }
    response = client.post(reverse("reviews:rosters"), upload)
    roster = Roster.objects.get(school=school, academic_year=world.year)
    assert response.status_code == 302
    assert (roster.row_count, roster.error_count) == (2, 0)  # the 填表说明 line is not a row

    from reviews import services as RS

    clock.set(datetime.date(2018, 9, 10))
    RS.roster_district_review(actor=world.district_admin, roster=roster, approve=True)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.APPROVED
    entries = CreditEntry.objects.filter(source=EntrySource.ROSTER, academic_year=world.year)
    assert {e.teacher_id for e in entries} == {world.junior.pk, world.senior.pk}
    assert teacher_year_totals(teacher=world.junior, academic_year=world.year).regulated == 25
