"""继教证书 in the browser: a district admin issues a school's certificates as a batch and
downloads the ZIP; an anonymous visitor verifies one by its code."""

import io
import pathlib
import zipfile

import pytest

from certificates.models import Certificate, TitleKind
from certificates.services import title_application_mark
from tests.certificates.conftest import REVIEW_YEAR, WINDOW, give, seal, spread
from tests.factories import CreditItemFactory, TeacherProfileFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def applicants(world, clock, settings, tmp_path):
    import datetime

    settings.CERT_SIGNING_DIR = tmp_path / "no-keys"
    clock.day = datetime.date(2018, 11, 20)
    items = {"regulated": CreditItemFactory(code="b_reg", category="regulated", kind="centralized", valid_from=2010),
             "flexible": CreditItemFactory(code="b_flex", category="flexible", kind="school_based", valid_from=2010)}
    teachers = [world.teacher] + [TeacherProfileFactory(school=world.school, name=n) for n in ("张老师", "王老师")]
    for t in teachers:
        give(t, items, spread("270", "130"))
    seal(*WINDOW)
    for t in teachers:
        title_application_mark(actor=world.school_admin, teacher=t, kind=TitleKind.SENIOR, year=REVIEW_YEAR)
    return teachers


def test_district_issues_a_school_and_a_visitor_verifies(world, applicants, session, screenshots):
    s = session("district")
    page = s.page
    page.goto(f"/certificates/applications/?school={world.school.pk}&year={REVIEW_YEAR}")
    assert page.get_by_test_id("eligible-count").inner_text() == "3"
    page.get_by_test_id("issue-link").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("issuer-name").inner_text() == "成都市双流区教育局"
    page.get_by_test_id("batch-issue").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("batch-progress").get_by_text("已完成").wait_for()
    page.reload()
    assert page.get_by_test_id("issued-count").inner_text() == "3"
    page.screenshot(path=str(screenshots / "certificates_issue.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_test_id("download-zip").click()
    archive = zipfile.ZipFile(io.BytesIO(pathlib.Path(info.value.path()).read_bytes()))
    assert len(archive.namelist()) == 3 and all(n.endswith(".pdf") for n in archive.namelist())
    assert s.errors == []

    code = Certificate.objects.get(teacher=world.teacher).code
    visitor = session()
    visitor.page.goto("/verify/")
    visitor.page.fill("input[name=code]", code)
    visitor.page.get_by_test_id("verify-code-form").locator("button").click()
    visitor.page.wait_for_load_state("networkidle")
    assert visitor.page.get_by_test_id("verify-status").inner_text() == "有效"
    assert visitor.page.get_by_test_id("verify-issuer").inner_text() == "成都市双流区教育局"
    assert visitor.page.get_by_test_id("verify-name").inner_text() == "李**"  # 李老师: all but the first character
    visitor.page.screenshot(path=str(screenshots / "certificates_verify.png"), full_page=True)
    assert "/accounts/login" not in visitor.page.url
