"""The 审证 half of the end-to-end browser test, as steps another test can continue: city staff
widen a window with a reason on the 工作日历 page, the school admin hands in the school's 学年,
the district reviews the entry and marks the school reviewed, the city's 核对 runs with its
progress bar; then the seal half: the city seals from the 学年封存 console and watches its
progress bar advance while a worker runs the batch, and the teacher sees the sealed totals.

World: tests.web.world (双流区 / 棠湖中学, users teacher, schooladmin, leader, district, city).
"""

import datetime

from reviews import services as S

ACTIVITY_DAY = datetime.date(2018, 4, 20)
REGISTRATION_DAY = datetime.date(2018, 5, 10)
EARLY_OPENING = datetime.date(2018, 8, 20)
HAND_IN_DAY = datetime.date(2018, 8, 25)
CHECK_DAY = datetime.date(2018, 11, 5)
SEAL_DAY = datetime.date(2018, 11, 10)


def entry_waiting_for_the_district(world):
    """A 校本培训 entry of 李老师 (10 学时 → 5 学分), first-reviewed and signed, so the district's
    review is next. Made through the services: the chain's own browser test walks these steps."""
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("school_based_training"), title="整本书阅读校本研修",
                            started_on=ACTIVITY_DAY, quantity="10", today=REGISTRATION_DAY)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    return S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)


def city_opens_district_review_early(page, *, district="双流区", opens=EARLY_OPENING, reason="双流区提前审证"):
    """工作日历 → 调整时间段: 区县复核 for one district opens earlier, with the reason."""
    page.get_by_test_id("sidenav").get_by_role("link", name="工作日历").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("extend-form")
    form.locator("select[name=window]").select_option("district_review")
    form.locator("select[name=scope]").select_option("district")
    form.locator("select[name=district]").select_option(label=district)
    form.locator("input[name=opens]").fill(opens.isoformat())
    form.locator("textarea[name=reason]").fill(reason)
    page.get_by_test_id("extend-submit").click()
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id("extension-row").first
    assert reason in row.inner_text() and district in row.inner_text()
    return row.inner_text()


def district_reviews_the_entry(page, teacher_name="李老师"):
    page.get_by_test_id("sidenav").get_by_role("link", name="复核", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("queue-window-notice").count() == 0
    page.locator("[data-testid=entry-row]", has_text=teacher_name).get_by_role("link", name="详情").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("review-form-district_review")
    form.get_by_label("通过", exact=True).check()
    form.get_by_test_id("review-submit").click()
    page.wait_for_load_state("networkidle")
    assert "已处理" in page.inner_text(".messages")


def school_hands_in(page):
    page.get_by_test_id("sidenav").get_by_role("link", name="上报", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("hand-in-submit").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("hand-in-status").inner_text() == "已上报，待审核"


def district_marks_reviewed(page, school_name="棠湖中学"):
    page.get_by_test_id("sidenav").get_by_role("link", name="学校上报审核").click()
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=hand-in-row]", has_text=school_name).get_by_test_id("hand-in-open").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("hand-in-review").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("hand-in-status").inner_text() == "已审核"


def city_checks(page, district="双流区"):
    """核对 of the district: a Celery job (eager in tests) with its progress bar."""
    page.get_by_test_id("sidenav").get_by_role("link", name="核对", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_label(f"核对 {district}").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("check-submit").click()
    page.wait_for_load_state("networkidle")
    job = page.get_by_test_id("check-job")
    job.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=check-job]').innerText.includes('确认登记')")
    return job.inner_text()


def audit_first_half(world, session, clock, screenshots=None) -> dict:
    """City extends a window with a reason → the district reviews the entry → the school hands
    in → the district marks it reviewed. Returns the open sessions (city, district, school_admin)
    for the seal half to continue; the clock is on HAND_IN_DAY."""
    entry_waiting_for_the_district(world)
    clock.set(datetime.date(2018, 8, 10))
    city = session("city")
    city_opens_district_review_early(city.page)
    if screenshots:
        city.page.screenshot(path=str(screenshots / "audit-calendar-extended.png"), full_page=True)
    clock.set(HAND_IN_DAY)
    district = session("district")
    district_reviews_the_entry(district.page)
    school_admin = session("schooladmin")
    school_hands_in(school_admin.page)
    if screenshots:
        school_admin.page.screenshot(path=str(screenshots / "audit-hand-in.png"), full_page=True)
    district_marks_reviewed(district.page)
    if screenshots:
        district.page.screenshot(path=str(screenshots / "audit-hand-in-reviewed.png"), full_page=True)
    return {"city": city, "district": district, "school_admin": school_admin}


class StepWorker:
    """Stands in for the Celery workers of the browser test, so the test can watch each step on
    the page: the seal's tasks are not run when enqueued (`hold`), and `steps(seal_id)` runs the
    batch's services one at a time — each school's chunk, then the finalisation — in the test's
    own thread, as a worker would (each step commits, the page polls the database)."""

    def __init__(self, monkeypatch):
        import sealing.services as services

        self.enqueued = []
        monkeypatch.setattr(services, "_enqueue_run", self.enqueued.append)
        monkeypatch.setattr(services, "_enqueue_finalize", lambda seal_id: None)

    def steps(self, seal_id):
        from sealing.services import pending_chunk_ids, seal_chunk_run, seal_finalize

        for chunk_id in pending_chunk_ids(seal_id):
            yield lambda chunk_id=chunk_id: seal_chunk_run(chunk_id=chunk_id)
        yield lambda: seal_finalize(seal_id=seal_id)


def _bar_percent(page) -> str:
    return page.get_by_test_id("seal-progress").get_attribute("data-percent")


def city_seals_from_console(page, worker: StepWorker, screenshots=None) -> list[str]:
    """学年封存: every part ready, the city seals; the bar (polled from the database) is read
    after each step of the batch until it shows 已封存. Returns the percentages the page showed."""
    from sealing.models import SealRecord

    # Polls wait in the browser while a step runs in this thread (the route is served only during
    # Playwright calls), so a step never shares the live server's database connection with a poll.
    page.route("**/sealing/*/progress/", lambda route: route.continue_())
    page.get_by_test_id("sidenav").get_by_role("link", name="学年封存").click()
    page.wait_for_load_state("networkidle")
    assert all(r.get_attribute("data-ready") == "1" for r in page.get_by_test_id("seal-unit").all())
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("seal-submit").click()
    page.wait_for_load_state("networkidle")
    assert "已开始封存" in page.inner_text(".messages")
    seen = [_bar_percent(page)]
    (seal_id,) = worker.enqueued
    for n, step in enumerate(worker.steps(seal_id)):
        assert step() is True
        expected = str(SealRecord.objects.get(pk=seal_id).percent)
        page.locator(f"[data-testid=seal-progress][data-percent='{expected}']").wait_for()
        seen.append(_bar_percent(page))
        if screenshots and n == 0:
            page.screenshot(path=str(screenshots / "seal-console-progress.png"), full_page=True)
    page.get_by_test_id("seal-result").wait_for()
    return seen


def teacher_sees_sealed_totals(page) -> str:
    page.goto("/")
    page.wait_for_load_state("networkidle")
    return page.get_by_test_id("sealed-totals").inner_text()
