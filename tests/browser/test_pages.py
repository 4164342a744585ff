"""The main pages of each role open in Chromium without script errors; the dashboard draws its
charts from the vendored Chart.js; the 附件2 form prints without the menu. Screenshots go to
test-artifacts/screenshots/ for a look."""

import datetime

import pytest

from credits.models import EntryStatus
from reviews.models import ReviewAppointment
from tests.factories import CreditEntryFactory, TeacherProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def data(world):
    flex, reg = world.item("school_based_training"), world.item("admin_training")
    teachers = [world.teacher] + [TeacherProfileFactory(school=world.school, name=n, stage=s)
                                  for n, s in [("王芳", "junior"), ("刘洋", "senior"), ("陈静", "junior")]]
    for i, t in enumerate(teachers):
        CreditEntryFactory(teacher=t, academic_year=world.year, item=reg, status=EntryStatus.DISTRICT_REVIEWED,
                           quantity_claimed=20 + 15 * i, credits=20 + 15 * i, title="区级骨干教师培训",
                           started_on=datetime.date(2017, 10, 9))
        CreditEntryFactory(teacher=t, academic_year=world.year, item=flex, status=EntryStatus.DISTRICT_REVIEWED,
                           quantity_claimed=30 + 10 * i, credits=15 + 5 * i, title="语文组校本研修",
                           started_on=datetime.date(2018, 3, 1))
        for status in (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.SCHOOL_APPROVED):
            CreditEntryFactory(teacher=t, academic_year=world.year, item=flex, status=status, quantity_claimed=6,
                               credits=3, title="教研活动：群文阅读", started_on=datetime.date(2018, 4, 11))
    for n, school in enumerate([world.school, world.base_school], 1):
        ReviewAppointment.objects.create(academic_year=world.year, school=school, group="高中" if n == 1 else "小学",
                                         sequence=n, date=datetime.date(2018, 9, 10 + n))
    return world


TOUR = [
    ("teacher", "/reviews/entries/", "teacher-entries"),
    ("teacher", "/reviews/form2/", "teacher-form2"),
    ("teacher", "/reviews/entries/declare/", "teacher-declare"),
    ("schooladmin", "/reviews/queue/school_review/", "schooladmin-queue"),
    ("schooladmin", "/reviews/compliance/", "schooladmin-compliance"),
    ("schooladmin", "/reviews/register/", "schooladmin-register"),
    ("leader", "/reviews/queue/leader_sign/", "leader-queue"),
    ("baseadmin", "/reviews/rosters/", "baseadmin-rosters"),
    ("district", "/reviews/queue/district_review/", "district-queue"),
    ("district", "/reviews/schedule/", "district-schedule"),
    ("city", "/reviews/queue/confirm/", "city-confirm"),
    ("city", "/notifications/", "city-notifications"),
]


@pytest.mark.parametrize("username,url,shot", TOUR, ids=[t[2] for t in TOUR])
def test_page_opens_cleanly(data, session, screenshots, username, url, shot):
    s = session(username)
    response = s.page.goto(url)
    assert response.status == 200
    s.page.wait_for_load_state("networkidle")
    s.page.screenshot(path=str(screenshots / f"page-{shot}.png"), full_page=True)
    assert not s.errors


@pytest.mark.parametrize("username", ["district", "city"])
def test_dashboard_draws_its_charts(data, session, screenshots, username):
    s = session(username)
    s.page.goto("/reviews/dashboard/")
    s.page.wait_for_function("window.Chart && Chart.getChart('chart-area-share') && Chart.getChart('chart-stage-kinds')")
    labels = s.page.evaluate("Chart.getChart('chart-area-share').data.labels")
    assert ("棠湖中学" in labels) if username == "district" else ("双流区" in labels)
    s.page.screenshot(path=str(screenshots / f"page-{username}-dashboard.png"), full_page=True)
    assert not s.errors


def test_entry_detail_and_review_form(data, session, screenshots):
    s = session("schooladmin")
    s.page.goto("/reviews/queue/school_review/")
    s.page.locator("[data-testid=entry-row]", has_text="王芳").get_by_role("link", name="详情").click()
    s.page.wait_for_selector("[data-testid=review-form-school_review]")
    s.page.screenshot(path=str(screenshots / "page-schooladmin-entry-detail.png"), full_page=True)


def test_form2_prints_without_the_menu(data, session, screenshots):
    s = session("teacher")
    s.page.goto("/reviews/form2/")
    s.page.emulate_media(media="print")
    assert not s.page.get_by_test_id("sidenav").is_visible()
    assert s.page.get_by_test_id("form2").is_visible()
    s.page.screenshot(path=str(screenshots / "page-teacher-form2-print.png"), full_page=True)
    pdf = s.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


PHONE_PAGES = [
    ("teacher", "/reviews/entries/"), ("teacher", "/reviews/entries/register/"), ("teacher", "/reviews/form2/"),
    ("teacher", "/notifications/"), ("schooladmin", "/reviews/queue/school_review/"),
    ("schooladmin", "/reviews/compliance/"), ("district", "/reviews/dashboard/"), ("district", "/reviews/schedule/"),
]


@pytest.mark.parametrize("username,url", PHONE_PAGES)
def test_pages_fit_a_phone(data, session, screenshots, username, url):
    s = session(username, viewport={"width": 390, "height": 844})
    s.page.goto(url)
    s.page.wait_for_load_state("networkidle")
    overflow = s.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, url
    if url == "/reviews/queue/school_review/":
        s.page.screenshot(path=str(screenshots / "phone-schooladmin-queue.png"), full_page=True)


def test_preview_says_when_a_value_is_unconfirmed(data, session, screenshots):
    page = session("teacher").page
    page.goto("/reviews/entries/register/")
    page.get_by_test_id("item-select").select_option(label="论文著述（数值待确认）")
    option = page.get_by_label("等级 / 级别 / 奖项")
    option.wait_for()
    option.select_option(index=1)
    page.get_by_test_id("preview-unconfirmed").wait_for()
    assert "待确认" in page.get_by_test_id("preview-unconfirmed").inner_text()
    page.screenshot(path=str(screenshots / "page-teacher-register-unconfirmed.png"), full_page=True)


def test_bulk_approval_shows_its_progress_bar(data, session, screenshots):
    page = session("schooladmin").page
    page.goto("/reviews/queue/school_review/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("select-all").check()
    page.get_by_test_id("bulk-approve").click()
    page.wait_for_load_state("networkidle")
    job = page.get_by_test_id("bulk-job")
    assert job.locator("progress").get_attribute("value") == "100"
    assert "已完成" in job.inner_text()
    assert page.locator("[data-testid=entry-row]").count() == 0
    page.screenshot(path=str(screenshots / "page-schooladmin-bulk-done.png"), full_page=True)


def test_preview_says_when_a_cap_cuts_the_credits(data, session):
    # 区级基地校 activities: 1 学分 a 学时, at most 25 a 学年 (二(三)1(2)第二); 30 学时 give 30, 5 cut.
    page = session("teacher").page
    page.goto("/reviews/entries/declare/")
    page.get_by_test_id("item-select").select_option(label="区（市）县级教师发展基地学校组织的继续教育活动")
    page.get_by_test_id("preview").wait_for()  # the fields are re-rendered for the item first
    page.locator("input[name=quantity]").fill("30")
    page.get_by_test_id("preview-cut").wait_for()
    assert "5" in page.get_by_test_id("preview-cut").inner_text()
    assert page.get_by_test_id("preview-entry-credits").inner_text() == "30"
