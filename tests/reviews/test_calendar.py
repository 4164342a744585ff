"""The calendar as data, and the reminders before a window closes."""

import datetime

from accounts.models import Notification
from reviews import services as S
from reviews.calendar import window_open, window_range
from reviews.tasks import send_deadline_reminders
from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf


def test_windows_follow_the_year(world):
    assert window_open(world.year, "registration", datetime.date(2018, 7, 31))
    assert not window_open(world.year, "registration", datetime.date(2018, 8, 1))
    assert window_open(world.year, "base_roster", datetime.date(2018, 6, 20))
    assert not window_open(world.year, "base_roster", datetime.date(2018, 6, 21))
    assert window_range(world.year, "district_review").describe() == "区县复核时间为2018年9月1日至10月31日"
    assert window_open(world.year, "city_seal", datetime.date(2018, 11, 30))


def test_extension_for_all_applies_to_every_district(world):
    S.window_extend(actor=world.city, academic_year=world.year, window="registration",
                    until=datetime.date(2018, 8, 10), reason="系统维护")
    assert window_open(world.year, "registration", datetime.date(2018, 8, 5), district_id=world.school.district_id)
    rng = window_range(world.year, "registration")
    assert rng.extended and "已延期" in rng.describe()


def test_reminders_go_to_those_with_work_and_only_once(world):
    entry = S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="培训",
                            started_on=ACTIVITY_DAY, quantity="8", evidence_files=[pdf()], today=REGISTRATION_DAY)
    S.entry_school_review(actor=world.school_admin, entry=entry, approve=True, today=REGISTRATION_DAY)
    S.entry_leader_sign(actor=world.leader, entry=entry, today=REGISTRATION_DAY)
    day = "2018-10-27"
    assert send_deadline_reminders.delay(days=7, today=day).get() == 1
    note = Notification.objects.get(recipient=world.district_admin)
    assert "区县复核" in note.title
    assert send_deadline_reminders.delay(days=7, today=day).get() == 0
    assert Notification.objects.filter(recipient=world.district_admin).count() == 1
    assert not Notification.objects.filter(recipient=world.other_district_admin).exists()


def test_no_reminder_when_the_window_is_far_from_closing(world):
    assert S.deadline_reminders_send(today=datetime.date(2018, 9, 2), days=7) == 0
