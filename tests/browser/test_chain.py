"""The whole chain as real users in Chromium: a teacher registers a 灵活性 item and sees the
preview; the school admin approves it; the 分管校长 signs; the district admin approves in the
review window; the teacher sees it counted in the progress bars."""

import datetime

import pytest

pytestmark = pytest.mark.browser


def open_entry_from_queue(page, step, teacher_name):
    page.goto(f"/reviews/queue/{step}/")
    row = page.locator("[data-testid=entry-row]", has_text=teacher_name)
    row.get_by_role("link", name="详情").click()
    page.wait_for_load_state("networkidle")


def approve(page, step):
    form = page.locator(f"[data-testid=review-form-{step}]")
    form.get_by_label("通过", exact=True).check()
    form.locator("[data-testid=review-submit]").click()
    page.wait_for_load_state("networkidle")


def test_flexible_entry_walks_the_whole_chain(world, session, clock, screenshots):
    # The teacher registers 10 学时 of 校本培训 (0.5 学分 per 学时) and sees 5 学分 previewed.
    teacher = session("teacher")
    page = teacher.page
    page.get_by_role("link", name="灵活性自主登记").click()
    page.get_by_test_id("item-select").select_option(label="校本培训")
    page.wait_for_selector("[data-testid=preview]")
    page.get_by_label("培训内容 / 项目名称").fill("语文组校本研修：整本书阅读")
    page.get_by_label("开始日期").fill("2018-04-20")
    page.get_by_label("实际学时").fill("10")
    preview = page.get_by_test_id("preview-entry-credits")
    preview.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=preview-entry-credits]').textContent.trim() === '5'")
    assert "学年合计增加" in page.get_by_test_id("preview-added").inner_text()
    page.screenshot(path=str(screenshots / "teacher-register-preview.png"), full_page=True)
    page.get_by_test_id("submit-entry").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("entry-status").inner_text() == "待校初审"

    # 校管理员 first review.
    admin = session("schooladmin").page
    open_entry_from_queue(admin, "school_review", "李老师")
    approve(admin, "school_review")
    assert "已处理" in admin.inner_text(".messages")

    # 分管校长 signs.
    leader = session("leader").page
    open_entry_from_queue(leader, "leader_sign", "李老师")
    approve(leader, "leader_sign")

    # 区（市）县 review runs 9月1日–10月31日 after the 学年.
    clock.set(datetime.date(2018, 9, 15))
    district = session("district").page
    open_entry_from_queue(district, "district_review", "李老师")
    approve(district, "district_review")
    assert "已处理" in district.inner_text(".messages")

    # The teacher sees the 5 学分 counted in 2017-2018's bars (still shown while it is reviewed)
    # and in the five-year cycle.
    page.goto("/")
    page.get_by_test_id("year-2017").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("value-flexible").inner_text() == "5"
    assert page.get_by_test_id("value-total").inner_text() == "5"
    assert page.get_by_test_id("value-cycle").inner_text() == "5"
    assert "灵活性 19" in page.get_by_test_id("missing").inner_text()
    page.screenshot(path=str(screenshots / "teacher-home-after-chain.png"), full_page=True)
    assert not teacher.errors
