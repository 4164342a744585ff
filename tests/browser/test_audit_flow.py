"""审证 in Chromium: the city opens 双流区's review early with a reason, the district reviews the
entry inside the widened window, the school hands in, the district marks it reviewed, and the
city's 核对 confirms it with a progress bar."""

import pytest

from credits.models import CreditEntry

from .audit_flow import CHECK_DAY, audit_first_half, city_checks

pytestmark = pytest.mark.browser


def test_calendar_hand_in_review_and_check(world, session, clock, screenshots):
    sessions = audit_first_half(world, session, clock, screenshots)
    clock.set(CHECK_DAY)
    city = sessions["city"].page
    text = city_checks(city)
    assert "已核对 1 所学校，确认登记 1 条" in text
    city.screenshot(path=str(screenshots / "audit-check.png"), full_page=True)
    assert list(CreditEntry.objects.values_list("status", flat=True)) == ["confirmed"]
    assert not any(s.errors for s in sessions.values())


def test_the_district_queue_says_when_its_window_opens(world, session, clock, screenshots):
    from .audit_flow import entry_waiting_for_the_district

    entry_waiting_for_the_district(world)
    page = session("district").page
    page.get_by_test_id("sidenav").get_by_role("link", name="复核", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "区县复核于2018年9月1日开放" in page.get_by_test_id("queue-window-notice").inner_text()
    assert page.get_by_test_id("bulk-approve").is_disabled()
    page.screenshot(path=str(screenshots / "audit-queue-before-window.png"), full_page=True)
