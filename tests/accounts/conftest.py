import pytest

from accounts.models import AccountStatus, Role, Stage
from tests.factories import DistrictFactory, SchoolFactory, TeacherProfileFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.5 s per user; the hash strength is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    return grant(UserFactory(username="admin_a"), Role.SCHOOL_ADMIN, school=school_a)


@pytest.fixture
def admin_b(school_b):
    return grant(UserFactory(username="admin_b"), Role.SCHOOL_ADMIN, school=school_b)


@pytest.fixture
def admin_a2(school_a2):
    return grant(UserFactory(username="admin_a2"), Role.SCHOOL_ADMIN, school=school_a2)


@pytest.fixture
def leader_a(school_a):
    return grant(UserFactory(username="leader_a"), Role.SCHOOL_LEADER, school=school_a)


@pytest.fixture
def district_admin_a(district_a):
    return grant(UserFactory(username="district_a"), Role.DISTRICT_ADMIN, district=district_a)


@pytest.fixture
def district_admin_b(district_b):
    return grant(UserFactory(username="district_b"), Role.DISTRICT_ADMIN, district=district_b)


@pytest.fixture
def city(db):
    return grant(UserFactory(username="city_staff"), Role.CITY_STAFF)


@pytest.fixture
def teacher_a(school_a):
    return TeacherProfileFactory(school=school_a, name="甲老师", status=AccountStatus.APPROVED)


@pytest.fixture
def teacher_a2(school_a2):
    return TeacherProfileFactory(school=school_a2, name="甲二老师", status=AccountStatus.APPROVED)


@pytest.fixture
def teacher_b(school_b):
    return TeacherProfileFactory(school=school_b, name="乙老师", status=AccountStatus.APPROVED)


@pytest.fixture
def pending_a(school_a):
    return TeacherProfileFactory(school=school_a, name="待审老师", status=AccountStatus.PENDING)


@pytest.fixture
def city_teacher(city_school):
    return TeacherProfileFactory(school=city_school, name="市直老师", stage=Stage.SENIOR, status=AccountStatus.PENDING)
