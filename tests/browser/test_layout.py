"""What a user sees first: an admin's queue above the fold, a teacher's list short on a phone,
the phone menu in one column, and no request of any page answered 404 (favicon included)."""

import datetime
from decimal import Decimal

import pytest

from credits.models import EntryStatus
from tests.factories import CreditEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _entries(world, n, status=EntryStatus.SUBMITTED):
    item = world.item("school_based_training")
    for i in range(n):
        CreditEntryFactory(teacher=world.teacher, academic_year=world.year, status=status, item=item,
                           quantity_claimed=Decimal("4"), credits=Decimal("2"),
                           started_on=datetime.date(2018, 3, 1) + datetime.timedelta(days=i),
                           title=f"校本研修第{i + 1}次：课堂观察与反思")


def _not_found(s):
    missing = []
    s.page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    return missing


def test_the_school_admins_queue_is_above_the_fold(world, session, screenshots):
    _entries(world, 3)
    s = session("schooladmin", viewport={"width": 1366, "height": 900})
    missing = _not_found(s)
    s.page.goto("/")
    card = s.page.locator("[data-testid=queue-school_review]")
    box = card.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, box
    assert "3" in card.inner_text()
    s.page.screenshot(path=str(screenshots / "home-schooladmin-1366.png"))
    assert not missing and not s.errors


def test_a_teachers_twenty_entries_fit_under_2000px_on_a_phone(world, session, screenshots):
    _entries(world, 20)
    s = session("teacher", viewport=PHONE)
    missing = _not_found(s)
    s.page.goto("/reviews/entries/")
    rows = s.page.locator("[data-testid=entry-row]")
    assert rows.count() == 20
    height = s.page.evaluate("document.documentElement.scrollHeight")
    assert height < 2000, height
    first = rows.first
    # One line per entry: the item (which opens the details), its credits and its status.
    assert first.locator(".c-link").is_visible() and first.locator(".status").is_visible()
    assert not first.locator("[data-label=培训内容]").is_visible()
    s.page.screenshot(path=str(screenshots / "phone-teacher-entries.png"), full_page=True)
    first.locator(".c-link").click()
    s.page.wait_for_load_state("networkidle")
    assert "/reviews/entries/" in s.page.url
    assert not missing and not s.errors


def test_the_phone_menu_is_one_column(world, session, screenshots):
    s = session("teacher", viewport=PHONE)
    s.page.goto("/")
    s.page.click("[data-testid=sidenav] summary")
    lefts = {round(b["x"]) for b in (a.bounding_box() for a in s.page.locator("[data-testid=sidenav] nav a").all()) if b}
    assert len(lefts) == 1, lefts
    s.page.screenshot(path=str(screenshots / "phone-teacher-menu.png"), full_page=True)
