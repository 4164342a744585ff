"""Each role's home page in Chromium (screenshots for the README's folder), the teacher's home
on a phone, and a teacher refused an admin page."""

import datetime

import pytest

from credits.models import CreditEntry, EntryStatus
from tests.factories import CreditEntryFactory, TeacherProfileFactory

pytestmark = pytest.mark.browser

ROLES = {
    "teacher": "教师",
    "schooladmin": "校管理员",
    "leader": "分管校长",
    "baseadmin": "基地校管理员",
    "district": "区（市）县管理员",
    "city": "市教科院教师发展研究所",
}


def _some_entries(world):
    """A few entries in different states so that queues and bars are not empty."""
    others = [TeacherProfileFactory(school=world.school, name=f"教师{i}", stage="junior") for i in range(3)]
    flex = world.item("school_based_training")
    reg = world.item("admin_training")
    for status, teacher, item in [
        (EntryStatus.SUBMITTED, others[0], flex),
        (EntryStatus.SCHOOL_VERIFIED, others[1], flex),
        (EntryStatus.SCHOOL_APPROVED, others[2], reg),
        (EntryStatus.DISTRICT_REVIEWED, world.teacher, reg),
        (EntryStatus.DISTRICT_REVIEWED, world.teacher, flex),
        (EntryStatus.SUBMITTED, world.teacher, flex),
    ]:
        CreditEntryFactory(teacher=teacher, academic_year=world.year, item=item, status=status,
                           quantity_claimed=20, started_on=datetime.date(2018, 3, 1),
                           credits=10 if item == flex else 20)


@pytest.mark.parametrize("username", list(ROLES))
def test_home_page_of_each_role(world, session, screenshots, username):
    _some_entries(world)
    s = session(username)
    page = s.page
    assert ROLES[username] in page.get_by_test_id("sidenav").inner_text()
    page.screenshot(path=str(screenshots / f"home-{username}.png"), full_page=True)
    assert not s.errors


def test_teacher_home_fits_a_phone(world, session, screenshots):
    _some_entries(world)
    s = session("teacher", viewport={"width": 390, "height": 844})
    page = s.page
    page.wait_for_selector("[data-testid=teacher-progress]")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_test_id("value-regulated").is_visible()
    page.screenshot(path=str(screenshots / "home-teacher-phone.png"), full_page=True)
    # The menu folds away behind a summary on a phone and opens on a tap.
    page.locator("[data-testid=sidenav] summary").click()
    assert page.get_by_role("link", name="灵活性自主登记").is_visible()


PHONE = {"width": 390, "height": 844}


def test_teacher_phone_pages(world, session, screenshots, clock):
    """The teacher's three phone pages (home, 我的学分登记, an entry with its progress line) at
    390×844: no sideways scrolling, no console error, no failed request; screenshots for the README."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews import services as S

    _some_entries(world)
    day = datetime.date(2018, 5, 10)
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("school_based_training"),
                            title="语文组校本研修：整本书阅读", started_on=datetime.date(2018, 4, 20), quantity="10",
                            evidence_files=[SimpleUploadedFile("学时证明.pdf", b"%PDF-1.4\n% phone\n%%EOF\n")],
                            today=day)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=day)
    s = session("teacher", viewport=PHONE)
    problems = []
    s.page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    s.page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for url, shot in [("/", "phone-teacher-home"), ("/reviews/entries/", "phone-teacher-entry-list"),
                      (f"/reviews/entries/{entry.pk}/", "phone-teacher-entry-detail")]:
        s.page.goto(url)
        s.page.wait_for_load_state("networkidle")
        overflow = s.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
        s.page.screenshot(path=str(screenshots / f"{shot}.png"), full_page=True)
    assert s.page.get_attribute("[data-testid=progress-leader_sign]", "data-state") == "current"
    assert not problems and not s.errors, problems


def test_teacher_cannot_open_an_admin_page(world, session):
    _some_entries(world)
    page = session("teacher").page
    for url in ["/reviews/queue/school_review/", "/reviews/compliance/", "/reviews/dashboard/"]:
        response = page.goto(url)
        assert response.status in (403, 404), url
    entry = CreditEntry.objects.filter(status=EntryStatus.SUBMITTED).exclude(teacher=world.teacher).first()
    response = page.goto(f"/reviews/entries/{entry.pk}/")
    assert response.status == 404


def test_the_page_query_counter_sees_the_pages_a_browser_opens(session, world, page_queries):
    """The bound asserted for every browser test counts real requests: the teacher's home is
    among them, with its queries counted and within the bound."""
    from tests.browser.conftest import PAGE_QUERY_BOUND

    session("teacher").page.goto("/")
    homes = [p for p in page_queries if p["path"] == "/"]
    assert homes and all(0 < p["queries"] <= PAGE_QUERY_BOUND for p in homes)
