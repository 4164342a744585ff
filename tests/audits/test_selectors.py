"""What other apps read from 审证: readiness per district / 市直属学校 (the seal console), a
school's appointment (the pre-audit check), and the reminders the schedule drives."""

import datetime

from accounts.models import Notification
from audits import services as A
from audits.selectors import readiness, school_appointment
from reviews.models import ReviewAppointment
from reviews.services import deadline_reminders_send
from tests.reviews.helpers import DISTRICT_DAY

from .helpers import entry_at


def _row(rows, label):
    return next(r for r in rows if r.label == label)


def test_readiness_counts_schools_and_open_entries_per_district_and_city_school(world):
    entry_at(world, "district_reviewed")
    entry_at(world, "school_approved", city=True)
    hand_in = A.hand_in_submit(actor=world.school_admin, school=world.school, academic_year=world.year, today=DISTRICT_DAY)
    rows = readiness(world.year)
    district = _row(rows, "双流区测试")
    assert (district.schools, district.handed_in, district.reviewed, district.open_entries, district.to_confirm) == (1, 1, 0, 0, 1)
    assert district.blockers == ["1 所学校待审核", "1 条登记待确认登记"] and not district.ready
    city = _row(rows, "市直属测试中学（市直属）")
    assert (city.kind, city.pk, city.schools, city.handed_in, city.open_entries) == ("school", world.city_school.pk, 1, 0, 1)
    assert city.blockers == ["1 所学校未上报", "1 条登记未完成审核"]
    A.hand_in_review(actor=world.district_admin, hand_in=hand_in, today=DISTRICT_DAY)
    A.hand_ins_check(actor=world.city, academic_year=world.year, hand_in_ids=[hand_in.pk], today=datetime.date(2018, 11, 5))
    district = _row(readiness(world.year), "双流区测试")
    assert (district.checked, district.to_confirm, district.ready, district.blockers) == (1, 0, True, [])


def test_readiness_costs_the_same_queries_for_more_schools(world, django_assert_max_num_queries):
    from tests.factories import SchoolFactory, TeacherProfileFactory

    for _ in range(5):
        TeacherProfileFactory(school=SchoolFactory(district=world.school.district))
    with django_assert_max_num_queries(4):
        rows = readiness(world.year)
    assert _row(rows, "双流区测试").schools == 6


def test_school_appointment_and_its_reminder(world):
    assert school_appointment(world.school, world.year) is None
    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=1,
                                     date=datetime.date(2018, 9, 11), registrar="王老师", contact_phone="85800000")
    appointment = school_appointment(world.school, world.year)
    assert (appointment.date, appointment.registrar, appointment.contact_phone) == (
        datetime.date(2018, 9, 11), "王老师", "85800000")
    assert deadline_reminders_send(today=datetime.date(2018, 9, 1)) == 0
    assert deadline_reminders_send(today=datetime.date(2018, 9, 9)) == 1
    note = Notification.objects.get(recipient=world.school_admin)
    assert "2018年9月11日" in note.body and "王老师" in note.body and "85800000" in note.body
    assert deadline_reminders_send(today=datetime.date(2018, 9, 10)) == 0
