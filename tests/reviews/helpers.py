"""A small world for workflow tests: one district school and one 市直属 school, a teacher in
each, and a user for every reviewing role; the shipped catalogue; the 2017-2018 学年."""

import datetime
import io
import itertools
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import BaseLevel, Role, School, TeacherProfile
from credits.models import AcademicYear, CreditEntry, CreditItem
from reviews.models import EntryTransition
from tests.factories import (
    AcademicYearFactory,
    DistrictFactory,
    SchoolFactory,
    TeacherProfileFactory,
    UserFactory,
    grant,
)

# Days inside each window of the 2017-2018 学年.
REGISTRATION_DAY = datetime.date(2018, 3, 15)
ROSTER_DAY = datetime.date(2018, 6, 1)
# Inside both the districts' review (9月1日–10月31日) and the city's for 市直属学校 (9月12日–30日).
DISTRICT_DAY = datetime.date(2018, 9, 15)
CITY_DAY = datetime.date(2018, 11, 10)
ACTIVITY_DAY = datetime.date(2018, 3, 1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


_files = itertools.count(1)


def pdf(name: str = "学时证明.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    """A small PDF; each call a different file unless `content` is given (the same proof file
    on two entries of one teacher is refused as a duplicate)."""
    if content is None:
        content = PDF_BYTES + f"% file {next(_files)}\n".encode()
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    year: AcademicYear
    school: School
    city_school: School
    teacher: TeacherProfile
    city_teacher: TeacherProfile
    school_admin: object
    leader: object
    district_admin: object
    other_district_admin: object
    city: object
    city_admin: object
    city_leader: object

    def item(self, code: str) -> CreditItem:
        return CreditItem.objects.get(code=code, valid_from=2017)


def build_world() -> World:
    call_command("loaddata", "credit_items", verbosity=0)
    year = AcademicYearFactory(start_year=2017)
    district = DistrictFactory(name="双流区测试")
    other = DistrictFactory(name="锦江区测试")
    school = SchoolFactory(name="棠湖测试中学", district=district)
    city_school = SchoolFactory(name="市直属测试中学", district=None)
    teacher = TeacherProfileFactory(school=school, name="李老师")
    city_teacher = TeacherProfileFactory(school=city_school, name="周老师")
    school_admin = grant(UserFactory(username="sadmin"), Role.SCHOOL_ADMIN, school=school)
    leader = grant(UserFactory(username="leader"), Role.SCHOOL_LEADER, school=school)
    district_admin = grant(UserFactory(username="dadmin"), Role.DISTRICT_ADMIN, district=district)
    other_district_admin = grant(UserFactory(username="oadmin"), Role.DISTRICT_ADMIN, district=other)
    city = grant(UserFactory(username="city"), Role.CITY_STAFF)
    city_admin = grant(UserFactory(username="cadmin"), Role.SCHOOL_ADMIN, school=city_school)
    city_leader = grant(UserFactory(username="cleader"), Role.SCHOOL_LEADER, school=city_school)
    return World(year, school, city_school, teacher, city_teacher, school_admin, leader, district_admin,
                 other_district_admin, city, city_admin, city_leader)


def snapshot(entry) -> tuple:
    """What a refused action must leave unchanged."""
    fresh = CreditEntry.objects.get(pk=entry.pk)
    return (fresh.status, fresh.quantity_approved, fresh.credits, fresh.last_comment, fresh.academic_year_id,
            EntryTransition.objects.filter(entry=entry).count(), fresh.evidence.count())


def roster_xlsx(rows, *, name="花名册.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["成都市2017-2018校本研修参培人员花名册"])
    ws.append(["双流区 学校（公章）： 填表人： 电话："])
    ws.append(["序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def base_school(world: World, level=BaseLevel.CITY, *, district=True):
    school = SchoolFactory(name=f"基地校{level}{'' if district else '市直属'}",
                           district=world.school.district if district else None, base_level=level)
    admin = grant(UserFactory(username=f"base_{level}_{school.pk}"), Role.BASE_SCHOOL_ADMIN, school=school)
    return school, admin
