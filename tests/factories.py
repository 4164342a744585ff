"""Factories for tests. `make_id_number` builds a 身份证号 with a valid GB 11643 check digit."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.idcard import check_character
from accounts.models import AccountStatus, District, Role, RoleAssignment, School, Stage, TeacherProfile
from credits.models import AcademicYear, CreditEntry, CreditItem, EntrySource, EntryStatus


def make_id_number(n: int, birth: str = "19850612") -> str:
    first17 = f"510116{birth}{n % 1000:03d}"
    return first17 + check_character(first17)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"59{n:04d}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    district = factory.SubFactory(DistrictFactory)
    category = "primary"
    stages = factory.LazyFunction(lambda: [Stage.PRIMARY])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    password = factory.django.Password("jixiao-test-pw")


class TeacherProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeacherProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教师{n}")
    gender = "female"
    id_number = factory.Sequence(lambda n: make_id_number(n, birth=f"19{70 + n // 1000 % 30:02d}0612"))
    subject = "语文"
    stage = Stage.PRIMARY
    status = AccountStatus.APPROVED

    @factory.post_generation
    def teacher_role(obj, create, extracted, **kwargs):
        if create:
            RoleAssignment.objects.get_or_create(user=obj.user, role=Role.TEACHER, school=obj.school)


def grant(user, role, *, school=None, district=None):
    """Give `user` a role in a scope, and forget the cached roles."""
    RoleAssignment.objects.get_or_create(user=user, role=role, school=school, district=district)
    user.__dict__.pop("_role_assignments", None)
    return user


class AcademicYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicYear
        django_get_or_create = ("start_year",)

    start_year = 2017
    registration_closes = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 7, 31))
    base_roster_deadline = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 6, 20))
    district_review_opens = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 9, 1))
    district_review_closes = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 10, 31))
    city_seal_opens = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 11, 1))
    city_seal_closes = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 11, 30))


class CreditItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditItem
        django_get_or_create = ("code", "valid_from")

    code = factory.Sequence(lambda n: f"test_item_{n}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = "regulated"
    kind = "centralized"
    clause = "二(三)2(1)"
    conversion = "per_hour"
    rate = Decimal("1")
    flow = "declare"
    valid_from = 2017


class CreditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditEntry
        skip_postgeneration_save = True

    teacher = factory.SubFactory(TeacherProfileFactory)
    school = factory.LazyAttribute(lambda o: o.teacher.school)
    academic_year = factory.SubFactory(AcademicYearFactory)
    item = factory.SubFactory(CreditItemFactory)
    title = "测试培训"
    started_on = factory.LazyAttribute(lambda o: datetime.date(o.academic_year.start_year, 10, 1))
    quantity_claimed = Decimal("8")
    status = EntryStatus.SUBMITTED
    source = EntrySource.DECLARED
    created_by = factory.LazyAttribute(lambda o: o.teacher.user)

    @factory.post_generation
    def year_totals(obj, create, extracted, **kwargs):
        # As every service does (reviews.services._common.record): the teacher's row of the
        # per-学年 totals table follows the entries, so pages that read the table see this one.
        if create:
            from credits.services import teacher_year_totals_refresh

            teacher_year_totals_refresh(teacher_id=obj.teacher_id, academic_year_id=obj.academic_year_id)
