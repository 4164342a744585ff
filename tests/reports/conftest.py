"""A world for the report tests: a 高完中 (初中 + 高中) in a district, a second school, the
notice's catalogue, five 学年 (2013–2017), teachers with rare characters and markup in their
names, and a helper that registers counted entries with the engine's standalone credits."""

import datetime
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import Role
from credits.models import CreditItem, EntrySource, EntryStatus
from credits.rules import entry_credits, rule_from_item
from tests.factories import (
    AcademicYearFactory,
    CreditEntryFactory,
    DistrictFactory,
    SchoolFactory,
    TeacherProfileFactory,
    UserFactory,
    grant,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
RARE_NAME = "𠮷䶮𡈼"


@dataclass
class World:
    district: object
    school: object  # 高完中
    other_school: object
    city_school: object
    years: dict
    junior: object  # TeacherProfile, 初中
    senior: object  # 高中, rare-character name
    markup: object  # 高中, name with markup
    school_admin: object
    leader: object
    other_admin: object
    district_admin: object
    city: object

    @property
    def year(self):
        return self.years[2017]


def item(code):
    return CreditItem.objects.filter(code=code).order_by("-valid_from").first()


def counted(teacher, code, qty, *, option="", year=2017, status=EntryStatus.DISTRICT_REVIEWED, title="培训",
            started_on=None, source=EntrySource.DECLARED, organizer=""):
    it = item(code)
    qty = Decimal(str(qty))
    return CreditEntryFactory(
        teacher=teacher, item=it, option=option, quantity_claimed=qty, status=status, source=source,
        academic_year=AcademicYearFactory(start_year=year), title=title, organizer=organizer,
        credits=entry_credits(rule_from_item(it), qty, option),
        started_on=started_on or datetime.date(year, 10, 1),
    )


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("loaddata", "credit_items", verbosity=0)
    years = {y: AcademicYearFactory(start_year=y) for y in range(2013, 2018)}
    district = DistrictFactory(code="510116", name="双流区")
    school = SchoolFactory(name="棠湖中学", district=district, category="senior", stages=["junior", "senior"])
    other = SchoolFactory(name="东升小学", district=district)
    city_school = SchoolFactory(name="成都市第七中学", district=None, category="senior", stages=["senior"])
    junior = TeacherProfileFactory(school=school, name="张初中", stage="junior", subject="数学",
                                   user=UserFactory(username="t_a_junior"))
    senior = TeacherProfileFactory(school=school, name=RARE_NAME, stage="senior", subject="语文",
                                   user=UserFactory(username="t_b_senior"))
    markup = TeacherProfileFactory(school=school, name="<b>王</b>", stage="senior", subject="=SUM(A1)",
                                   user=UserFactory(username="t_c_markup"))
    return World(
        district=district, school=school, other_school=other, city_school=city_school, years=years,
        junior=junior, senior=senior, markup=markup,
        school_admin=grant(UserFactory(username="sadmin"), Role.SCHOOL_ADMIN, school=school),
        leader=grant(UserFactory(username="leader"), Role.SCHOOL_LEADER, school=school),
        other_admin=grant(UserFactory(username="oadmin"), Role.SCHOOL_ADMIN, school=other),
        district_admin=grant(UserFactory(username="dadmin"), Role.DISTRICT_ADMIN, district=district),
        city=grant(UserFactory(username="city"), Role.CITY_STAFF),
    )


def pdf_text(data: bytes, tmp_path, name="doc", *, mode="-layout") -> str:
    """The PDF's text: "-layout" keeps the table's columns on a line; "-raw" keeps the order in
    which the text was written (a wrapped cell stays in one piece)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def screenshot(data: bytes, name: str, tmp_path, page: int = 1) -> Path:
    """One page of the PDF as PNG (pdftoppm -png -r 60) in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(data)
    out = SCREENSHOTS / f"reports-{name}"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(src), str(out)],
                   check=True)
    png = out.with_suffix(".png")
    assert png.stat().st_size > 1000
    return png
