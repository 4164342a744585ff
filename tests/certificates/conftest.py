"""A district with a school, its admin, the district admin, city staff, a 市直属学校, and
helpers that give a teacher sealed 学年 with chosen 规范性 / 灵活性 totals."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from credits.models import AcademicYear, EntryStatus
from tests.factories import (
    AcademicYearFactory,
    CreditEntryFactory,
    CreditItemFactory,
    DistrictFactory,
    SchoolFactory,
    TeacherProfileFactory,
    UserFactory,
    grant,
)

# 2018-11-20: 2017-2018 is sealed in November; the 2018 职评 window is 2013-2014 … 2017-2018.
REVIEW_YEAR = 2018
WINDOW = (2013, 2014, 2015, 2016, 2017)


@pytest.fixture
def clock_day():
    return datetime.date(2018, 11, 20)


@pytest.fixture
def items(db):
    return {
        "regulated": CreditItemFactory(code="cert_reg", name="集中培训", category="regulated", kind="centralized",
                                       valid_from=2010),
        "flexible": CreditItemFactory(code="cert_flex", name="校本研修", category="flexible", kind="school_based",
                                      rate=Decimal("1"), valid_from=2010),
    }


@pytest.fixture
def org(db, clock):
    district = DistrictFactory(code="510116", name="双流区")
    school = SchoolFactory(name="棠湖中学", district=district)
    other_district = DistrictFactory(code="510115", name="温江区")
    other_school = SchoolFactory(name="温江中学", district=other_district)
    city_school = SchoolFactory(name="成都市第七中学", district=None)
    admin = grant(UserFactory(username="schooladmin", last_name="王校管"), Role.SCHOOL_ADMIN, school=school)
    district_admin = grant(UserFactory(username="district", last_name="陈区管"), Role.DISTRICT_ADMIN, district=district)
    other_district_admin = grant(UserFactory(username="district_wj"), Role.DISTRICT_ADMIN, district=other_district)
    city = grant(UserFactory(username="city", last_name="刘研究员"), Role.CITY_STAFF)
    return type("Org", (), {"district": district, "school": school, "other_district": other_district,
                                "other_school": other_school, "city_school": city_school, "admin": admin,
                                "district_admin": district_admin, "other_district_admin": other_district_admin,
                                "city": city})


def seal(*start_years, snapshots=True):
    """Seal these 学年 as the seal console does: every teacher's figures as a snapshot with its
    Merkle leaf, the root on a committed seal record, then `sealed_at`. With snapshots=False only
    `sealed_at` is set (a year sealed before the seal console existed)."""
    from accounts.models import TeacherProfile
    from credits.selectors import year_figures
    from sealing import merkle
    from sealing.models import SealedSnapshot, SealRecord, SealState

    for y in start_years:
        year = AcademicYearFactory(start_year=y)
        if snapshots:
            actor = UserFactory(username="sealer")
            teachers = {t.pk: t for t in TeacherProfile.objects.select_related("school")}
            figures = year_figures(teacher_ids=list(teachers), academic_year=y)
            record = SealRecord.objects.create(academic_year=year, started_by=actor, started_at=timezone.now())
            rows = []
            for tid in sorted(figures):
                f = figures[tid]
                values = {name: getattr(f, name) for name in SealedSnapshot.FIGURES}
                digest = merkle.leaf_hash(merkle.snapshot_payload(teacher_id=tid, start_year=y, figures=values))
                rows.append(SealedSnapshot(seal=record, academic_year=year, teacher_id=tid, school=teachers[tid].school,
                                           district_id=teachers[tid].school.district_id, digest=digest, **values))
            SealedSnapshot.objects.bulk_create(rows)
            SealRecord.objects.filter(pk=record.pk).update(
                state=SealState.COMMITTED, committed_at=timezone.now(), teacher_count=len(rows),
                merkle_root=merkle.merkle_root([r.digest for r in rows]))
        AcademicYear.objects.filter(pk=year.pk).update(sealed_at=timezone.now())


def give(teacher, items, per_year: dict):
    """per_year: start_year → (规范性, 灵活性) credits, as district-reviewed entries."""
    for y, (reg, flex) in per_year.items():
        year = AcademicYearFactory(start_year=y)
        for key, value in (("regulated", reg), ("flexible", flex)):
            if Decimal(value) > 0:
                CreditEntryFactory(teacher=teacher, academic_year=year, item=items[key],
                                   quantity_claimed=Decimal(value), status=EntryStatus.DISTRICT_REVIEWED)


def spread(total_reg, total_flex):
    """Five equal-ish years adding up exactly to the totals (one decimal place)."""
    reg, flex = Decimal(total_reg), Decimal(total_flex)
    out = {}
    for i, y in enumerate(WINDOW):
        if i < 4:
            r, f = (reg / 5).quantize(Decimal("0.1")), (flex / 5).quantize(Decimal("0.1"))
        else:
            r, f = reg - sum(v[0] for v in out.values()), flex - sum(v[1] for v in out.values())
        out[y] = (r, f)
    return out


@pytest.fixture
def teacher(org):
    return TeacherProfileFactory(school=org.school, name="李老师")


@pytest.fixture(autouse=True)
def _no_signing_keys(settings, tmp_path):
    """No keys unless a test asks for them (a developer's ./var/signing is never used)."""
    settings.CERT_SIGNING_DIR = tmp_path / "no-keys"
    settings.CERT_TRUST_ROOTS = [str(tmp_path / "no-keys" / "ca.pem")]
    settings.SITE_URL = "https://jixiao.example.cn"


@pytest.fixture
def signing_keys(settings, tmp_path):
    """A development CA and keys for the city and the two districts, generated into tmp."""
    from certificates.signing import create_dev_keys

    folder = tmp_path / "keys"
    settings.CERT_SIGNING_DIR = folder
    settings.CERT_SIGNING_PASSWORD = "test-pass"
    settings.CERT_TRUST_ROOTS = [str(folder / "ca.pem")]
    create_dev_keys(folder, [("city", "成都市教育科学研究院"), ("d510116", "成都市双流区教育局"),
                             ("d510115", "成都市温江区教育局")], password="test-pass")
    return folder


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def eligible_application(org, teacher, items):
    from certificates.models import TitleKind
    from certificates.services import title_application_mark

    give(teacher, items, spread("268", "134"))
    seal(*WINDOW)
    return title_application_mark(actor=org.admin, teacher=teacher, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
