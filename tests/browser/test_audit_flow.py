"""审证 in Chromium: the city opens 双流区's review early with a reason, the district reviews the
entry inside the widened window, the school hands in, the district marks it reviewed, and the
city's 核对 confirms it with a progress bar; the city seals the 学年 from the console, watching the
seal's progress bar advance to 已封存, and the teacher then sees the sealed totals."""

import pytest

from credits.models import CreditEntry

from . import audit_flow as flow
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


def test_the_city_seals_from_the_console_and_the_teacher_sees_the_sealed_totals(
        world, session, clock, screenshots, monkeypatch):
    from core.formatting import format_credits
    from sealing.models import SealedSnapshot, SealRecord

    worker = flow.StepWorker(monkeypatch)
    sessions = audit_first_half(world, session, clock)
    clock.set(CHECK_DAY)
    city = sessions["city"].page
    city_checks(city)
    clock.set(flow.SEAL_DAY)
    seen = flow.city_seals_from_console(city, worker, screenshots)
    assert seen == ["0", "50", "100"]  # one school's chunk, then the root
    city.screenshot(path=str(screenshots / "seal-console-sealed.png"), full_page=True)
    seal = SealRecord.objects.get()
    assert seal.state == "committed" and not seal.forced and seal.started_by == world.city
    assert seal.merkle_root in city.get_by_test_id("seal-root").inner_text()
    snap = SealedSnapshot.objects.get(teacher=world.teacher)
    assert str(snap.total) == "5.0"
    teacher = session("teacher")
    text = flow.teacher_sees_sealed_totals(teacher.page)
    row = teacher.page.get_by_test_id("sealed-year-2017")
    assert "2017-2018" in text and row.get_by_test_id("sealed-total").inner_text() == format_credits(snap.total) == "5"
    teacher.page.screenshot(path=str(screenshots / "seal-teacher-sealed-totals.png"), full_page=True)
    assert not any(s.errors for s in [*sessions.values(), teacher])
