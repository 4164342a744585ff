"""Issue 14, Done when line 1, in Chromium: a teacher registers a 灵活性 item with a proof file and
follows its progress line through the chain — the school admin's 初审, the 分管校长's 签字 and the
district's 复核, each done by that user in the browser — receives the "已计入" notification and opens
the explanation of the counted credit. Every page any of them visits loads without a console error
and without a 404 or any other failed response (page 'console' and 'response' events)."""

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% 2018 school-based training hours, 10\n%%EOF\n"


def watch(s, problems):
    """Every console error and every answer of 400 or more, on any page of this session."""
    page = s.page
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} @ {page.url}")
            if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return page


def open_entry(page, step, teacher_name="李老师"):
    page.goto(f"/reviews/queue/{step}/")
    page.locator("[data-testid=entry-row]", has_text=teacher_name).get_by_role("link", name="详情").click()
    page.wait_for_load_state("networkidle")


def approve(page, step):
    form = page.locator(f"[data-testid=review-form-{step}]")
    form.get_by_label("通过", exact=True).check()
    form.locator("[data-testid=review-submit]").click()
    page.wait_for_load_state("networkidle")
    assert "已处理" in page.inner_text(".messages")


def state(page, step):
    return page.get_attribute(f"[data-testid=progress-{step}]", "data-state")


def test_teacher_follows_a_flexible_entry_with_proof_to_counted_and_its_explanation(world, session, clock, tmp_path,
                                                                                  screenshots):
    problems: list[str] = []
    proof = tmp_path / "学时证明.pdf"
    proof.write_bytes(PDF)

    # The teacher registers 10 学时 of 校本培训 with its 学时证明 uploaded on the form.
    teacher = session("teacher")
    page = watch(teacher, problems)
    page.goto("/")
    page.get_by_role("link", name="灵活性自主登记").click()
    page.get_by_test_id("item-select").select_option(label="校本培训")
    # The fields are re-rendered for the chosen item (htmx): its 登记依据 names the file to upload.
    # (Locator waits, not wait_for_function: the Content-Security-Policy forbids evaluating strings.)
    page.locator("#entry-fields", has_text="登记依据：学时证明（可上传").wait_for()
    assert page.locator("input[name=evidence]").count() == 1
    page.get_by_label("培训内容 / 项目名称").fill("语文组校本研修：整本书阅读")
    page.get_by_label("开始日期").fill("2018-04-20")
    page.get_by_label("实际学时").fill("10")
    page.set_input_files("input[name=evidence]", str(proof))
    expect(page.get_by_test_id("preview-entry-credits")).to_have_text("5")
    page.get_by_test_id("submit-entry").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("entry-status").inner_text() == "待校初审"
    assert page.locator("[data-testid=evidence-item]").inner_text().startswith("学时证明.pdf")
    entry_url = page.url
    # The progress line: registered by the teacher, the school admin acts next, in the open window.
    assert state(page, "submit") == "done" and state(page, "school_review") == "current"
    summary = page.get_by_test_id("progress-summary").inner_text()
    assert "下一步：校初审，由本校校管理员（王校管）办理；学校初审开放至2018年10月31日" in summary
    page.screenshot(path=str(screenshots / "progress-1-registered.png"), full_page=True)
    # The proof opens for the teacher.
    with page.expect_response(lambda r: "/evidence/" in r.url) as proof_response:
        page.evaluate("url => fetch(url)", page.get_attribute("[data-testid=evidence-item] a", "href"))
    assert proof_response.value.status == 200

    # 校管理员 初审, in the browser; the proof is on the page he reviews.
    admin = watch(session("schooladmin"), problems)
    open_entry(admin, "school_review")
    assert "学时证明.pdf" in admin.inner_text("[data-testid=evidence-list]")
    approve(admin, "school_review")
    page.goto(entry_url)
    assert state(page, "school_review") == "done" and state(page, "leader_sign") == "current"
    assert "王校管（校管理员）" in page.inner_text("[data-testid=progress-school_review]")

    # 分管校长 签字.
    leader = watch(session("leader"), problems)
    open_entry(leader, "leader_sign")
    approve(leader, "leader_sign")
    page.goto(entry_url)
    assert state(page, "leader_sign") == "done" and state(page, "district_review") == "current"
    assert page.inner_text("[data-testid=progress-district_review-window]") == "区县复核于2018年9月1日开放"
    assert "开放后办理" in page.get_by_test_id("progress-summary").inner_text()
    page.screenshot(path=str(screenshots / "progress-2-signed.png"), full_page=True)

    # The district's 复核 opens on 9月1日: the district admin passes it.
    clock.set(datetime.date(2018, 9, 15))
    district = watch(session("district"), problems)
    open_entry(district, "district_review")
    approve(district, "district_review")

    # The teacher has the good news: 已计入, one unread notification that opens the entry.
    page.goto("/")
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    page.get_by_test_id("notifications-link").click()
    page.wait_for_load_state("networkidle")
    note = page.locator("[data-testid=notification]", has_text="已计入")
    assert "学分已计入：语文组校本研修：整本书阅读" in note.inner_text()
    assert "5 学分已通过区县复核" in note.inner_text()
    note.get_by_role("button", name="查看").click()
    page.wait_for_load_state("networkidle")
    assert page.url == entry_url
    assert page.get_by_test_id("entry-status").inner_text() == "已复核"
    assert state(page, "district_review") == "done" and state(page, "confirm") == "current"
    assert "陈区管" in page.inner_text("[data-testid=progress-district_review]")
    assert page.get_by_test_id("progress-summary").inner_text().startswith("学分已计入（已复核）。下一步：市级确认登记")
    page.screenshot(path=str(screenshots / "progress-3-counted.png"), full_page=True)

    # And the explanation of the counted credit: the item, its conversion, what counted, who approved.
    page.get_by_test_id("explain-link").click()
    page.wait_for_load_state("networkidle")
    explain = page.get_by_test_id("explain").inner_text()
    assert "校本培训" in explain and page.get_by_test_id("explain-credited").inner_text() == "5"
    assert "陈区管" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "progress-4-explained.png"), full_page=True)

    assert not problems, problems
