"""The pre-audit check: open entries, missing proof, duplicates and warnings, ineligible items,
teachers short, and the days left until the school's 审证 date."""

import datetime

from reports.precheck import precheck
from reviews.models import Evidence, ReviewAppointment

from .conftest import counted


def test_it_lists_what_the_district_would_send_back(world):
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=2,
                                     date=datetime.date(2018, 9, 11))
    open_entry = counted(world.junior, "tki_training", 8, status="school_approved", title="待区县复核")
    counted(world.junior, "admin_training", 90, title="区培训", started_on=datetime.date(2017, 11, 1))
    dup = counted(world.junior, "admin_training", 90, title="区培训", started_on=datetime.date(2017, 11, 1))
    counted(world.senior, "video_course", 30, source="feed")  # cap 20: 10 cut
    item = dup.item
    for e in (open_entry,):
        Evidence.objects.create(entry=e, file="evidence/x.pdf", original_name="x.pdf", content_type="application/pdf",
                                size=10, sha256="0" * 64, uploaded_by=world.junior.user)
    lecture = counted(world.senior, "lecture_speaker", 1, option="city", title="讲座")
    type(lecture).objects.filter(pk=lecture.pk).update(option="no_such_level")  # an option the catalogue dropped

    check = precheck(world.school, world.year, today=datetime.date(2018, 9, 1))
    assert check.days_left == 10
    assert [f.entry for f in check.open_entries] == [open_entry]
    assert {f.entry for f in check.missing_proof} >= {dup} and open_entry not in {f.entry for f in check.missing_proof}
    assert [f.entry for f in check.duplicates] == [dup]
    assert any("上限截去 10" in f.text for f in check.warnings)
    assert [f.entry for f in check.ineligible] == [lecture] and "等级不在目录" in check.ineligible[0].text
    assert {f.teacher for f in check.short} == {world.junior, world.senior, world.markup}  # junior: no 灵活性
    assert check.problems == 1 + len(check.missing_proof) + 1 + 1 + 3
    assert item.flow == "declare"


def test_without_an_appointment_there_are_no_days_left(world):
    check = precheck(world.school, world.year, today=datetime.date(2018, 9, 1))
    assert check.appointment is None and check.days_left is None
