"""Issue 14: a teacher hears the good news too — "已计入" when the district's 复核 passes an entry,
"已确认" at the city's 确认登记 (one entry, or a school's 核对) — in the same transaction as the step;
a copy goes by e-mail where an address is set; a reviewer gets one daily digest of their queues
(only when new work arrived), with the window's deadline, by notification and e-mail."""

import datetime

import pytest
from django.core import mail

from accounts.models import Notification
from accounts.services import notification_emails_send
from audits import services as A
from credits.models import EntryStatus
from reviews import services as S
from reviews.errors import TransitionError
from reviews.services.digest import reviewer_digests_send
from tests.audits.helpers import entry_at
from tests.reviews.helpers import CITY_DAY, DISTRICT_DAY, REGISTRATION_DAY


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _notes(user, text):
    return list(Notification.objects.filter(recipient=user, title__contains=text))


def test_the_teacher_hears_counted_when_the_district_passes_it(world):
    entry = entry_at(world, "school_approved", title="区级培训")
    assert not _notes(world.teacher.user, "已计入")
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    [note] = _notes(world.teacher.user, "已计入")
    assert note.title == "学分已计入：区级培训" and "8 学分已通过区县复核" in note.body
    assert note.url == f"/reviews/entries/{entry.pk}/"
    # Nobody else hears the teacher's good news.
    assert not Notification.objects.exclude(recipient=world.teacher.user).filter(title__contains="已计入").exists()


def test_a_refused_district_step_sends_no_good_news(world):
    entry = entry_at(world, "school_approved")
    with pytest.raises(TransitionError):
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    assert not _notes(world.teacher.user, "已计入")


def test_a_rejection_is_not_good_news(world):
    entry = entry_at(world, "school_approved")
    S.entry_district_review(actor=world.district_admin, entry=entry, approve=False, comment="证明不符",
                            today=DISTRICT_DAY)
    assert not _notes(world.teacher.user, "已计入") and _notes(world.teacher.user, "未通过")


def test_the_teacher_hears_confirmed_at_the_citys_confirmation(world):
    entry = entry_at(world, "district_reviewed", title="区级培训")
    S.entry_confirm(actor=world.city, entry=entry, today=CITY_DAY)
    [note] = _notes(world.teacher.user, "已确认")
    assert note.title == "学分已确认：区级培训" and "市教科院确认登记" in note.body


def test_a_schools_check_tells_each_teacher_once(world):
    for n in range(2):
        entry_at(world, "district_reviewed", title=f"培训{n}")
    hand_in = A.hand_in_submit(actor=world.school_admin, school=world.school, academic_year=world.year,
                               today=DISTRICT_DAY)
    A.hand_in_review(actor=world.district_admin, hand_in=hand_in, today=DISTRICT_DAY)
    [result] = A.hand_ins_check(actor=world.city, academic_year=world.year, hand_in_ids=[hand_in.pk], today=CITY_DAY)
    assert result.confirmed == 2
    [note] = _notes(world.teacher.user, "学年学分已确认")
    assert "2 条学分登记已由市教科院确认登记" in note.body and note.url == "/reviews/entries/?year=2017"


# --- e-mail -------------------------------------------------------------------------------------


def test_a_notification_is_mailed_after_the_commit_where_an_address_is_set(world, django_capture_on_commit_callbacks):
    world.teacher.user.email = "li@example.cn"
    world.teacher.user.save(update_fields=["email"])
    entry = entry_at(world, "school_approved", title="区级培训")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    assert not mail.outbox  # nothing is mailed before the commit
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["li@example.cn"] and message.subject == "【继教学分】学分已计入：区级培训"
    assert "已通过区县复核" in message.body and f"/reviews/entries/{entry.pk}/" in message.body
    note = _notes(world.teacher.user, "已计入")[0]
    note.refresh_from_db()
    assert note.emailed_at is not None
    # A redelivered task sends nothing twice.
    assert notification_emails_send(notification_ids=[note.pk]) == 0 and len(mail.outbox) == 1


def test_a_mail_server_that_is_down_does_not_undo_the_step(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.reviews.test_good_news.BrokenBackend"
    world.teacher.user.email = "li@example.cn"
    world.teacher.user.save(update_fields=["email"])
    entry = entry_at(world, "school_approved")
    with django_capture_on_commit_callbacks(execute=True):
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DISTRICT_REVIEWED
    assert _notes(world.teacher.user, "已计入")[0].emailed_at is None


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_no_address_no_mail(world, django_capture_on_commit_callbacks):
    entry = entry_at(world, "school_approved")
    with django_capture_on_commit_callbacks(execute=True):
        S.entry_district_review(actor=world.district_admin, entry=entry, approve=True, today=DISTRICT_DAY)
    assert _notes(world.teacher.user, "已计入") and not mail.outbox


# --- the reviewer's daily digest ----------------------------------------------------------------


def _digests(user):
    return list(Notification.objects.filter(recipient=user, dedupe_key__startswith="digest:").order_by("created_at"))


def test_the_school_admin_gets_one_digest_of_the_queue_with_its_deadline(world, django_capture_on_commit_callbacks):
    world.school_admin.email = "admin@example.cn"
    world.school_admin.save(update_fields=["email"])
    for n in range(3):
        entry_at(world, "submitted", title=f"培训{n}")
    with django_capture_on_commit_callbacks(execute=True):
        sent = reviewer_digests_send(today=REGISTRATION_DAY)
    [digest] = _digests(world.school_admin)
    assert digest.title == "今日待审：待初审 3 条"
    assert "待初审 3 条，均为新到" in digest.body and "学校初审开放至2018年10月31日" in digest.body
    assert "最近的截止日期：2018年10月31日（还有 230 天）" in digest.body
    assert digest.url == "/reviews/queue/school_review/"
    # One notification, not one per entry; the leader has nothing waiting yet.
    assert not _digests(world.leader)
    assert sent >= 1
    [message] = [m for m in mail.outbox if m.to == ["admin@example.cn"]]
    assert message.subject == "【继教学分】今日待审：待初审 3 条" and "还有 230 天" in message.body


def test_a_rerun_and_a_quiet_day_send_nothing_new_work_does(world):
    entry_at(world, "submitted", title="培训一")
    reviewer_digests_send(today=REGISTRATION_DAY)
    reviewer_digests_send(today=REGISTRATION_DAY)
    assert len(_digests(world.school_admin)) == 1
    # The next day nothing new has arrived: no repeat.
    reviewer_digests_send(today=REGISTRATION_DAY + datetime.timedelta(days=1))
    assert len(_digests(world.school_admin)) == 1
    # New work arrives: the next digest names it.
    entry_at(world, "submitted", title="培训二")
    reviewer_digests_send(today=REGISTRATION_DAY + datetime.timedelta(days=2))
    digests = _digests(world.school_admin)
    assert len(digests) == 2 and "待初审 2 条，其中 1 条是新到的" in digests[1].body


def test_the_district_hears_only_once_its_window_is_open(world):
    entry_at(world, "school_approved")
    reviewer_digests_send(today=REGISTRATION_DAY)
    assert not _digests(world.district_admin)
    reviewer_digests_send(today=DISTRICT_DAY)
    [digest] = _digests(world.district_admin)
    assert digest.title == "今日待审：待复核 1 条" and "区县复核开放至2018年10月31日" in digest.body


def test_the_beat_schedule_runs_the_digest_task(settings):
    from reviews.tasks import send_reviewer_digests

    entry = settings.CELERY_BEAT_SCHEDULE["reviewer-digests"]
    assert entry["task"] == send_reviewer_digests.name == "reviews.tasks.send_reviewer_digests"


def test_the_digest_task_takes_the_day(world):
    from reviews.tasks import send_reviewer_digests

    entry = entry_at(world, "submitted")
    assert send_reviewer_digests(today=REGISTRATION_DAY.isoformat()) >= 1
    assert _digests(world.school_admin)[0].dedupe_key == f"digest:{REGISTRATION_DAY.isoformat()}"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED  # a digest changes no entry


def test_a_teacher_with_returned_entries_hears_before_the_resubmission_deadline(world):
    from reviews.services import deadline_reminders_send

    entry = entry_at(world, "returned", title="区级培训")
    assert entry.status == EntryStatus.RETURNED
    deadline_reminders_send(today=datetime.date(2018, 10, 1))
    assert not _notes(world.teacher.user, "重新提交")
    deadline_reminders_send(today=datetime.date(2018, 10, 27))
    [note] = _notes(world.teacher.user, "重新提交")
    assert "2017-2018学年有 1 条学分登记被退回修改" in note.body and "2018年10月31日以后不能再重新提交" in note.body
    assert note.url == "/reviews/entries/?status=returned&year=2017"
    deadline_reminders_send(today=datetime.date(2018, 10, 28))
    assert len(_notes(world.teacher.user, "重新提交")) == 1
