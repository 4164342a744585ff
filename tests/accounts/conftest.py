import pytest

from accounts.models import AccountStatus, Role, Stage
from tests.factories import DistrictFactory, SchoolFactory, TeacherProfileFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.5 s per user; the hash strength is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username):
    """UserFactory sets the password after saving (skip_postgeneration_save), so the row keeps an
    empty one and force_login's session hash would not match: save it."""
    user = UserFactory(username=username)
    user.save()
    return user


@pytest.fixture
def district_a(db):
    return DistrictFactory(name="甲区")


@pytest.fixture
def district_b(db):
    return DistrictFactory(name="乙区")


@pytest.fixture
def school_a(district_a):
    return SchoolFactory(name="甲一小", district=district_a, stages=[Stage.PRIMARY])


@pytest.fixture
def school_a2(district_a):
    """Another school of the same district: a school admin of A must not see it."""
    return SchoolFactory(name="甲二小", district=district_a, stages=[Stage.PRIMARY])


@pytest.fixture
def school_b(district_b):
    return SchoolFactory(name="乙一小", district=district_b, stages=[Stage.PRIMARY])


@pytest.fixture
def city_school(db):
    return SchoolFactory(name="市直属一中", district=None, stages=[Stage.JUNIOR, Stage.SENIOR], category="senior")


@pytest.fixture
def admin_a(school_a):
    return grant(make_user("admin_a"), Role.SCHOOL_ADMIN, school=school_a)


@pytest.fixture
def admin_b(school_b):
    return grant(make_user("admin_b"), Role.SCHOOL_ADMIN, school=school_b)


@pytest.fixture
def admin_a2(school_a2):
    return grant(make_user("admin_a2"), Role.SCHOOL_ADMIN, school=school_a2)


@pytest.fixture
def leader_a(school_a):
    return grant(make_user("leader_a"), Role.SCHOOL_LEADER, school=school_a)


@pytest.fixture
def district_admin_a(district_a):
    return grant(make_user("district_a"), Role.DISTRICT_ADMIN, district=district_a)


@pytest.fixture
def district_admin_b(district_b):
    return grant(make_user("district_b"), Role.DISTRICT_ADMIN, district=district_b)


@pytest.fixture
def city(db):
    return grant(make_user("city_staff"), Role.CITY_STAFF)


@pytest.fixture
def teacher_a(school_a):
    return _saved(TeacherProfileFactory(school=school_a, name="甲老师", status=AccountStatus.APPROVED))


@pytest.fixture
def teacher_a2(school_a2):
    return TeacherProfileFactory(school=school_a2, name="甲二老师", status=AccountStatus.APPROVED)


@pytest.fixture
def teacher_b(school_b):
    return TeacherProfileFactory(school=school_b, name="乙老师", status=AccountStatus.APPROVED)


@pytest.fixture
def pending_a(school_a):
    return _saved(TeacherProfileFactory(school=school_a, name="待审老师", status=AccountStatus.PENDING))


@pytest.fixture
def city_teacher(city_school):
    return TeacherProfileFactory(school=city_school, name="市直老师", stage=Stage.SENIOR, status=AccountStatus.PENDING)


def _saved(profile):
    profile.user.save()
    return profile
