"""Issue 9, duplicates in ANOTHER teacher's entries: the same proof file or certificate number is
not refused at submission (a repeat may be real), but no reviewer passes the entry without seeing
the warning and acknowledging it with a reason, which the transition's audit row keeps — on the
review page, in the API and in bulk. Refused without it, with a Chinese message, nothing written."""

import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from credits.models import CreditEntry, EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from reviews.models import Action, EntryTransition
from reviews.services.duplicates import warned_entry_ids
from tests.factories import TeacherProfileFactory
from tests.reviews.helpers import ACTIVITY_DAY, DISTRICT_DAY, REGISTRATION_DAY, pdf, snapshot

NOTICE = b"%PDF-1.4\n% the training notice everyone attended\n%%EOF\n"
_n = itertools.count(1)


@pytest.fixture
def clock_day():
    return REGISTRATION_DAY


def _declare(world, teacher, content=NOTICE):
    return S.entry_declare(teacher_user=teacher.user, item=world.item("admin_training"), title=f"区级培训{next(_n)}",
                           started_on=ACTIVITY_DAY, quantity="6", evidence_files=[pdf("通知.pdf", content=content)],
                           organizer="双流区教师发展中心", today=REGISTRATION_DAY)


@pytest.fixture
def shared(world):
    """Two teachers' entries with the same 通知安排 file: mine carries a warning naming theirs."""
    other = TeacherProfileFactory(school=world.school, name="王老师")
    theirs = _declare(world, other)
    mine = _declare(world, world.teacher)
    return mine, theirs


def _review(world, entry, **kw):
    return S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY,
                                 seen_version=S.entry_version(entry), **kw)


def test_passing_without_the_acknowledgement_is_refused_and_writes_nothing(world, shared):
    mine, theirs = shared
    before = snapshot(mine)
    with pytest.raises(TransitionError) as exc:
        _review(world, mine)
    assert "重复提示" in exc.value.message and f"#{theirs.pk}" in exc.value.message
    assert exc.value.field == "acknowledge_warnings"
    assert snapshot(mine) == before
    with pytest.raises(TransitionError) as exc:
        _review(world, mine, acknowledge_warnings=True, warnings_reason="  ")
    assert "核对理由" in exc.value.message
    assert snapshot(mine) == before


def test_the_acknowledgement_and_its_reason_are_in_the_audit_row(world, shared):
    mine, theirs = shared
    _review(world, mine, acknowledge_warnings=True, warnings_reason="同一培训的通知安排，两人都参加了")
    assert CreditEntry.objects.get(pk=mine.pk).status == EntryStatus.SCHOOL_VERIFIED
    row = EntryTransition.objects.filter(entry=mine, action=Action.SCHOOL_REVIEW).get()
    ack = row.changes["warnings_acknowledged"][1]
    assert ack["reason"] == "同一培训的通知安排，两人都参加了" and ack["others"] == [theirs.pk]
    assert "另一位教师" in ack["warnings"][0]
    assert "重复提示已核对：同一培训的通知安排" in row.comment


def test_every_reviewer_acknowledges_again(world, shared, clock):
    mine, _ = shared
    _review(world, mine, acknowledge_warnings=True, warnings_reason="通知共用")
    with pytest.raises(TransitionError):
        S.entry_leader_sign(actor=world.leader, entry=mine, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=mine, today=REGISTRATION_DAY, acknowledge_warnings=True,
                        warnings_reason="已看过校管理员核对的原件")
    before = snapshot(mine)
    with pytest.raises(TransitionError) as exc:
        S.entry_district_review(actor=world.district_admin, entry=mine, approve=True, today=DISTRICT_DAY)
    assert "重复提示" in exc.value.message
    assert snapshot(mine) == before


def test_a_shared_certificate_number_is_a_warning_to_acknowledge(world):
    other = TeacherProfileFactory(school=world.school, name="王老师")

    def register(teacher):
        return S.entry_admin_register(actor=world.school_admin, teacher=teacher, item=world.item("title_exam"),
                                      title="职称考试", started_on=ACTIVITY_DAY, quantity="1",
                                      certificate_no="ZC-2018-001", evidence_files=[pdf("证书.pdf")],
                                      today=REGISTRATION_DAY)

    theirs, mine = register(other), register(world.teacher)
    unrelated = S.entry_admin_register(actor=world.school_admin, teacher=world.teacher, item=world.item("title_exam"),
                                       title="职称考试（另一科）", started_on=ACTIVITY_DAY, quantity="1",
                                       certificate_no="ZC-2018-002", evidence_files=[pdf("证书.pdf")],
                                       today=REGISTRATION_DAY)
    assert warned_entry_ids([mine, theirs, unrelated]) == {mine.pk, theirs.pk}
    before = snapshot(mine)
    with pytest.raises(TransitionError) as exc:
        S.entry_district_review(actor=world.district_admin, entry=mine, approve=True, today=DISTRICT_DAY)
    assert "证书编号 ZC2018001" in exc.value.message and f"#{theirs.pk}" in exc.value.message
    assert snapshot(mine) == before


def test_reject_and_return_need_no_acknowledgement(world, shared):
    mine, theirs = shared
    S.entry_return(actor=world.school_admin, entry=mine, comment="请说明", today=REGISTRATION_DAY)
    assert CreditEntry.objects.get(pk=mine.pk).status == EntryStatus.RETURNED
    S.entry_school_review(actor=world.school_admin, entry=theirs, approve=False, comment="重复",
                          today=REGISTRATION_DAY)
    assert CreditEntry.objects.get(pk=theirs.pk).status == EntryStatus.REJECTED


def test_bulk_approval_leaves_a_warned_entry_for_its_page(world, shared):
    mine, _ = shared
    plain = _declare(world, world.teacher, content=b"%PDF-1.4\n% my own certificate of hours\n%%EOF\n")
    before = snapshot(mine)
    results = {r.entry_id: r for r in S.entries_bulk_review(actor=world.school_admin, entry_ids=[mine.pk, plain.pk],
                                                           step="school_review", today=REGISTRATION_DAY)}
    assert results[plain.pk].ok
    assert not results[mine.pk].ok and "重复提示" in results[mine.pk].message
    assert snapshot(mine) == before


# --- the review page ----------------------------------------------------------------------------


def _page(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_review_form_shows_the_warnings_and_the_teacher_does_not_see_them(world, shared, clock):
    mine, theirs = shared
    html = _page(world.school_admin).get(reverse("reviews:entry_detail", args=[mine.pk])).content.decode()
    assert 'data-testid="duplicate-warnings-school_review"' in html and f"#{theirs.pk}" in html
    assert 'name="school_review-acknowledge_warnings"' in html and 'name="school_review-warnings_reason"' in html
    teacher_html = _page(world.teacher.user).get(reverse("reviews:entry_detail", args=[mine.pk])).content.decode()
    assert "duplicate-warning" not in teacher_html and f"#{theirs.pk}" not in teacher_html


def test_the_page_refuses_a_pass_without_the_acknowledgement(world, shared, clock):
    mine, _ = shared
    url = reverse("reviews:entry_review", args=[mine.pk, "school_review"])
    before = snapshot(mine)
    response = _page(world.school_admin).post(url, {"school_review-decision": "approve",
                                                    "school_review-version": S.entry_version(mine)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请核对原件后勾选" in page and "请填写核对理由" in page
    assert snapshot(mine) == before


def test_the_page_passes_with_the_acknowledgement_and_keeps_the_reason(world, shared, clock):
    mine, _ = shared
    url = reverse("reviews:entry_review", args=[mine.pk, "school_review"])
    response = _page(world.school_admin).post(url, {
        "school_review-decision": "approve", "school_review-version": S.entry_version(mine),
        "school_review-acknowledge_warnings": "on", "school_review-warnings_reason": "通知安排共用"})
    assert response.status_code == 302
    assert CreditEntry.objects.get(pk=mine.pk).status == EntryStatus.SCHOOL_VERIFIED
    html = _page(world.teacher.user).get(reverse("reviews:entry_detail", args=[mine.pk])).content.decode()
    assert "重复提示已核对：通知安排共用" in html


# --- the API ------------------------------------------------------------------------------------


def test_the_api_shows_the_warnings_and_requires_the_acknowledgement(world, shared, clock):
    mine, theirs = shared
    api = APIClient()
    api.force_authenticate(world.school_admin)
    body = api.get(f"/api/entries/{mine.pk}/").json()
    assert [w["other_id"] for w in body["warnings"]] == [theirs.pk] and body["warnings"][0]["code"] == "same_file"
    mine_api = APIClient()
    mine_api.force_authenticate(world.teacher.user)
    assert mine_api.get(f"/api/entries/{mine.pk}/").json()["warnings"] == []
    before = snapshot(mine)
    for payload, expected in (({}, "重复提示"), ({"acknowledge_warnings": True}, "核对理由")):
        response = api.post(f"/api/entries/{mine.pk}/school-review/",
                            {"approve": True, "version": body["version"], **payload}, format="json")
        assert response.status_code == 400 and expected in response.json()["detail"], response.json()
        assert snapshot(mine) == before
    response = api.post(f"/api/entries/{mine.pk}/school-review/",
                        {"approve": True, "version": body["version"], "acknowledge_warnings": True,
                         "warnings_reason": "通知安排共用"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "school_verified"
    row = EntryTransition.objects.filter(entry=mine, action=Action.SCHOOL_REVIEW).get()
    assert row.changes["warnings_acknowledged"][1]["reason"] == "通知安排共用"


def test_the_queue_marks_the_warned_entries(world, shared, clock):
    mine, theirs = shared
    plain = _declare(world, world.teacher, content=b"%PDF-1.4\n% my own certificate of hours\n%%EOF\n")
    html = _page(world.school_admin).get(reverse("reviews:queue", args=["school_review"])).content.decode()
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(
        r'<tr data-testid="entry-row" data-entry="(\d+)">(.*?)</tr>', html, flags=re.S)}
    assert 'data-testid="warning-tag"' in rows[mine.pk] and 'data-testid="warning-tag"' in rows[theirs.pk]
    assert 'data-testid="warning-tag"' not in rows[plain.pk]
