"""A small world for the page tests: one district with one school, a user for every role,
the notice's catalogue, the 2017-2018 学年, and a clock the pages and services read."""

import datetime
from dataclasses import dataclass

from django.core.management import call_command
from django.utils import timezone

from accounts.models import BaseLevel, Role
from credits.models import AcademicYear, CreditItem
from tests.factories import (
    AcademicYearFactory,
    DistrictFactory,
    SchoolFactory,
    TeacherProfileFactory,
    UserFactory,
    grant,
)

PASSWORD = "jixiao-test-pw"


@dataclass
class World:
    district: object
    school: object
    base_school: object
    city_school: object
    year: AcademicYear
    teacher: object  # TeacherProfile
    school_admin: object  # User
    leader: object
    base_admin: object
    district_admin: object
    city: object

    def item(self, code: str) -> CreditItem:
        return CreditItem.objects.get(code=code)


def _user(username, last_name):
    user = UserFactory(username=username, last_name=last_name)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_world() -> World:
    call_command("loaddata", "credit_items", verbosity=0)
    district = DistrictFactory(code="510116", name="双流区")
    school = SchoolFactory(name="棠湖中学", district=district, category="senior", stages=["junior", "senior"])
    base_school = SchoolFactory(name="实验小学", district=district, base_level=BaseLevel.DISTRICT)
    city_school = SchoolFactory(name="成都市第七中学", district=None, category="senior", stages=["senior"])
    year = AcademicYearFactory(start_year=2017)

    teacher_user = _user("teacher", "")
    teacher = TeacherProfileFactory(user=teacher_user, school=school, name="李老师", subject="语文", stage="senior")

    def staff(username, name, role, **scope):
        user = _user(username, name)
        grant(user, role, **scope)
        return user

    return World(
        district=district, school=school, base_school=base_school, city_school=city_school, year=year,
        teacher=teacher,
        school_admin=staff("schooladmin", "王校管", Role.SCHOOL_ADMIN, school=school),
        leader=staff("leader", "张校长", Role.SCHOOL_LEADER, school=school),
        base_admin=staff("baseadmin", "赵基地", Role.BASE_SCHOOL_ADMIN, school=base_school),
        district_admin=staff("district", "陈区管", Role.DISTRICT_ADMIN, district=district),
        city=staff("city", "刘研究员", Role.CITY_STAFF),
    )


class Clock:
    """Sets the day that timezone.localdate() returns (the services and pages read the
    calendar through it), so a test can walk from registration into the review window."""

    def __init__(self, monkeypatch, day: datetime.date):
        self.day = day
        original = timezone.localdate

        def localdate(value=None, timezone=None):
            if value is None:
                return self.day
            return original(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    def set(self, day: datetime.date):
        self.day = day
