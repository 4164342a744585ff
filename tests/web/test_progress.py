"""Issue 14: an entry shows its progress line — 登记 → 校初审 → 分管校长签字 → 区县复核 → 市级确认登记 —
done steps with who and when, the current step with who acts next and its window from the calendar,
the steps ahead with their dates, a 退回 / 未通过 at the step that did it with the reason; the
teacher's list shows it compactly (no extra query)."""

import datetime
import re

import pytest
from django.urls import reverse

from reviews import services as S
from reviews.models import WindowExtension
from reviews.progress import compact_progress, entry_progress
from reviews.selectors import entry_history
from tests.web.conftest import login

pytestmark = pytest.mark.django_db

DAY = datetime.date(2018, 5, 10)
DISTRICT_DAY = datetime.date(2018, 9, 15)


@pytest.fixture
def entry(world):
    return S.entry_declare(teacher_user=world.teacher.user, item=world.item("school_based_training"),
                           title="语文组校本研修", started_on=datetime.date(2018, 4, 20), quantity="10", today=DAY)


def _progress(entry, today=DAY):
    entry.refresh_from_db()
    return entry_progress(entry, history=entry_history(entry), today=today)


def _states(progress):
    return [(s.key, s.state) for s in progress.steps]


def _page(client, user, entry):
    login(client, user)
    return client.get(reverse("reviews:entry_detail", args=[entry.pk])).content.decode()


def test_a_new_entry_waits_for_the_school_admin_in_the_open_window(world, entry, client):
    p = _progress(entry)
    assert _states(p) == [("submit", "done"), ("school_review", "current"), ("leader_sign", "todo"),
                          ("district_review", "todo"), ("confirm", "todo")]
    submit, school, leader, district, confirm = p.steps
    assert submit.who == "李老师（教师）" and submit.when is not None
    assert school.who == "本校校管理员（王校管）" and school.window == "学校初审开放至2018年10月31日"
    assert leader.who == "本校分管校长（张校长）"
    assert district.who == "双流区管理员" and district.window == "2018年9月1日至10月31日"
    assert confirm.who == "市教科院教师发展研究所" and confirm.window == "2018年11月1日至11月30日"
    assert p.summary == "下一步：校初审，由本校校管理员（王校管）办理；学校初审开放至2018年10月31日。"
    html = _page(client, world.teacher.user, entry)
    assert 'data-testid="progress-school_review" data-state="current"' in html
    assert "下一步：校初审，由本校校管理员（王校管）办理" in html


def test_done_steps_say_who_and_when_and_the_district_window_opens_later(world, entry, client):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=DAY)
    p = _progress(entry)
    assert _states(p)[1:4] == [("school_review", "done"), ("leader_sign", "done"), ("district_review", "current")]
    assert p.steps[1].who == "王校管（校管理员）" and p.steps[2].who == "张校长（分管校长）"
    assert p.steps[3].window == "区县复核于2018年9月1日开放" and p.steps[3].window_state == "upcoming"
    assert p.summary == "下一步：区县复核，由双流区管理员办理；区县复核于2018年9月1日开放，开放后办理。"
    html = _page(client, world.teacher.user, entry)
    assert "王校管（校管理员）" in html and "区县复核于2018年9月1日开放" in html


def test_an_extension_moves_the_window_the_line_shows(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=DAY)
    WindowExtension.objects.create(academic_year=world.year, window="district_review", school=world.school,
                                   until=datetime.date(2018, 11, 15), reason="学校搬迁", created_by=world.city)
    p = _progress(entry, today=datetime.date(2018, 11, 5))
    assert p.steps[3].window == "区县复核开放至2018年11月15日" and p.steps[3].window_state == "open"


def test_a_return_at_the_district_is_shown_at_that_step_with_the_reason(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=DAY)
    S.entry_return(actor=world.district_admin, entry=entry, comment="学时证明缺少公章", today=DISTRICT_DAY)
    p = _progress(entry, today=DISTRICT_DAY)
    assert _states(p) == [("submit", "done"), ("school_review", "done"), ("leader_sign", "done"),
                          ("district_review", "returned"), ("confirm", "todo")]
    step = p.steps[3]
    assert step.reason == "学时证明缺少公章" and step.who == "陈区管（区（市）县管理员）"
    assert p.tone == "bad" and p.summary.startswith("退回修改（理由：学时证明缺少公章）。下一步：教师修改后重新提交")


def test_a_rejection_and_a_resubmission_start_the_line_over(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=False, comment="不是校本研修", today=DAY)
    p = _progress(entry)
    assert p.steps[1].state == "rejected" and p.steps[1].reason == "不是校本研修"
    assert p.summary.startswith("未通过（理由：不是校本研修）")
    S.entry_resubmit(actor=world.teacher.user, entry=entry, today=DAY, title="语文组校本研修（补充）")
    p = _progress(entry)
    assert _states(p)[:2] == [("submit", "done"), ("school_review", "current")]
    assert p.steps[0].label == "登记（修改后重新提交）"


def test_counted_then_confirmed(world, entry):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=DAY)
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    p = _progress(entry, today=DISTRICT_DAY)
    assert p.steps[3].state == "done" and p.steps[4].state == "current"
    assert p.summary.startswith("学分已计入（已复核）。下一步：市级确认登记，由市教科院教师发展研究所办理")
    S.entry_confirm(actor=world.city, entry=entry, today=datetime.date(2018, 11, 10))
    p = _progress(entry, today=datetime.date(2018, 11, 10))
    assert all(s.state == "done" for s in p.steps) and p.tone == "ok"


def test_an_admin_registered_entry_skips_the_schools_steps(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("title_exam"),
                                   title="职称考试", started_on=datetime.date(2018, 3, 1), quantity="1",
                                   certificate_no="ZC1", today=DAY,
                                   evidence_files=[SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF\n")])
    p = _progress(entry)
    assert _states(p)[1:4] == [("school_review", "skipped"), ("leader_sign", "skipped"), ("district_review", "current")]
    assert p.steps[0].who == "王校管（校管理员）"


def test_the_teachers_list_shows_the_line_compactly(world, entry, client):
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=DAY)
    entry.refresh_from_db()
    assert [state for _, state in compact_progress(entry)] == ["done", "done", "current", "todo", "todo"]
    login(client, world.teacher.user)
    html = client.get(reverse("reviews:my_entries")).content.decode()
    dots = re.search(r'<span class="pdots" data-testid="progress-dots" title="([^"]*)">(.*?)</span>', html)
    assert dots is not None
    assert dots.group(1).startswith("登记✓ → 校初审✓ → 分管校长签字（当前）")
    assert dots.group(2).count('<i class="done">') == 2 and dots.group(2).count('<i class="current">') == 1
