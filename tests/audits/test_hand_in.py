"""A school hands in its 学年; the district (the city for 市直属) reviews or returns it; the
city's 核对 confirms it. Every refusal leaves everything as it was."""

import datetime

import pytest

from audits import services as A
from audits.models import HandInEvent, HandInExclusion, HandInStatus, SchoolHandIn
from audits.workflow import STEPS, steps_from
from credits.models import CreditEntry
from reviews.errors import TransitionError
from reviews.models import EntryTransition
from tests.reviews.helpers import CITY_DAY, DISTRICT_DAY

from .helpers import entry_at


def state(world, school=None):
    h = SchoolHandIn.objects.filter(school=school or world.school, academic_year=world.year).first()
    return (h.status if h else None, h.version if h else None, HandInEvent.objects.count(),
            HandInExclusion.objects.count(), list(CreditEntry.objects.order_by("pk").values_list("status", flat=True)),
            EntryTransition.objects.count())


def submit(world, **kwargs):
    return A.hand_in_submit(actor=world.school_admin, school=world.school, academic_year=world.year,
                            today=DISTRICT_DAY, **kwargs)


def test_the_table_names_each_step_once_and_derives_what_may_follow():
    assert [s.name for s in steps_from(HandInStatus.SUBMITTED)] == ["review", "return"]
    assert [s.name for s in steps_from(HandInStatus.RETURNED)] == ["submit"]
    assert STEPS["return"].needs_reason and not STEPS["review"].needs_reason


def test_school_hands_in_and_the_district_reviews(world):
    entry_at(world, "district_reviewed")
    hand_in = submit(world)
    assert (hand_in.status, hand_in.version, hand_in.submitted_by) == ("submitted", 1, world.school_admin)
    hand_in = A.hand_in_review(actor=world.district_admin, hand_in=hand_in, version=1, today=DISTRICT_DAY)
    assert hand_in.status == HandInStatus.REVIEWED
    events = list(HandInEvent.objects.values_list("action", "from_state", "to_state", "role"))
    assert events == [("submit", "not_submitted", "submitted", "school_admin"),
                      ("review", "submitted", "reviewed", "district_admin")]


def test_open_entries_block_the_hand_in_and_are_named(world):
    entry_at(world, "submitted", title="未初审的培训")
    entry_at(world, "returned", title="退回的培训")
    before = state(world)
    with pytest.raises(TransitionError, match="2 条登记未完成校内审核") as exc:
        submit(world)
    assert "未初审的培训" in exc.value.message and "退回修改 1 条" in exc.value.message
    assert state(world) == before


def test_open_entries_left_out_with_a_reason(world):
    left = entry_at(world, "school_verified", title="待签字")
    hand_in = submit(world, exclusions={left.pk: "分管校长出差，下学年补签"})
    exclusion = HandInExclusion.objects.get()
    assert (exclusion.entry_id, exclusion.status, exclusion.reason) == (left.pk, "school_verified", "分管校长出差，下学年补签")
    assert list(A.current_exclusions(hand_in).values_list("entry_id", flat=True)) == [left.pk]
    # The district may mark it reviewed: the only open entry was left out.
    assert A.hand_in_review(actor=world.district_admin, hand_in=hand_in, today=DISTRICT_DAY).status == "reviewed"


@pytest.mark.parametrize("reason, message", [("  ", "逐条填写理由"), (None, "逐条填写理由")])
def test_a_left_out_entry_needs_a_reason(world, reason, message):
    left = entry_at(world, "submitted")
    before = state(world)
    with pytest.raises(TransitionError, match=message):
        submit(world, exclusions={left.pk: reason})
    assert state(world) == before


def test_only_open_entries_of_the_school_may_be_left_out(world):
    done = entry_at(world, "school_approved")
    other = entry_at(world, "submitted", city=True)
    before = state(world)
    for pk in (done.pk, other.pk):
        with pytest.raises(TransitionError, match="只能暂不纳入"):
            submit(world, exclusions={pk: "理由"})
    assert state(world) == before


def test_entries_not_reviewed_by_the_district_block_the_review(world):
    entry_at(world, "school_approved")
    hand_in = submit(world)
    before = state(world)
    with pytest.raises(TransitionError, match="1 条登记未复核"):
        A.hand_in_review(actor=world.district_admin, hand_in=hand_in, today=DISTRICT_DAY)
    assert state(world) == before


def test_returned_with_reasons_and_handed_in_again(world):
    hand_in = submit(world)
    before = state(world)
    with pytest.raises(TransitionError, match="须填写理由"):
        A.hand_in_return(actor=world.district_admin, hand_in=hand_in, reason=" ", today=DISTRICT_DAY)
    assert state(world) == before
    hand_in = A.hand_in_return(actor=world.district_admin, hand_in=hand_in, reason="送审报表未盖章", today=DISTRICT_DAY)
    assert (hand_in.status, hand_in.last_comment) == ("returned", "送审报表未盖章")
    from accounts.models import Notification

    assert Notification.objects.filter(recipient=world.school_admin, body__contains="送审报表未盖章").exists()
    hand_in = submit(world, version=hand_in.version)
    assert hand_in.status == "submitted"
    assert HandInEvent.objects.filter(hand_in=hand_in).count() == 3


def test_a_stale_page_is_refused(world):
    hand_in = submit(world)
    A.hand_in_return(actor=world.district_admin, hand_in=hand_in, reason="补材料", today=DISTRICT_DAY)
    before = state(world)
    with pytest.raises(TransitionError, match="请刷新页面"):
        A.hand_in_review(actor=world.district_admin, hand_in=hand_in, version=1, today=DISTRICT_DAY)
    assert state(world) == before


def test_wrong_actors_are_refused(world):
    before = state(world)
    for actor in (world.district_admin, world.leader, world.city_admin, world.teacher.user):
        with pytest.raises(TransitionError) as exc:
            A.hand_in_submit(actor=actor, school=world.school, academic_year=world.year, today=DISTRICT_DAY)
        assert exc.value.kind == "forbidden"
    assert state(world)[1:] == before[1:]
    hand_in = submit(world)
    before = state(world)
    for actor in (world.other_district_admin, world.city, world.school_admin):
        with pytest.raises(TransitionError) as exc:
            A.hand_in_review(actor=actor, hand_in=hand_in, today=DISTRICT_DAY)
        assert exc.value.kind == "forbidden"
    assert state(world) == before


def test_the_city_reviews_a_city_direct_school_on_september_12_to_30(world):
    entry_at(world, "district_reviewed", city=True)
    hand_in = A.hand_in_submit(actor=world.city_admin, school=world.city_school, academic_year=world.year,
                               today=datetime.date(2018, 9, 5))
    before = state(world, world.city_school)
    with pytest.raises(TransitionError, match="市直属学校审核时间为2018年9月12日至9月30日"):
        A.hand_in_review(actor=world.city, hand_in=hand_in, today=datetime.date(2018, 10, 3))
    with pytest.raises(TransitionError) as exc:
        A.hand_in_review(actor=world.district_admin, hand_in=hand_in, today=DISTRICT_DAY)
    assert exc.value.kind == "forbidden"
    assert state(world, world.city_school) == before
    hand_in = A.hand_in_review(actor=world.city, hand_in=hand_in, today=datetime.date(2018, 9, 20))
    assert (hand_in.status, HandInEvent.objects.last().role) == ("reviewed", "city_staff")


def test_hand_in_outside_its_window_or_in_a_sealed_year_is_refused(world):
    before = state(world)
    with pytest.raises(TransitionError, match="不在此时间段内"):
        submit(world, today=datetime.date(2018, 11, 5)) if False else A.hand_in_submit(
            actor=world.school_admin, school=world.school, academic_year=world.year, today=datetime.date(2018, 11, 5))
    from django.utils import timezone

    type(world.year).objects.filter(pk=world.year.pk).update(sealed_at=timezone.now())
    with pytest.raises(TransitionError, match="已封存"):
        submit(world)
    assert state(world)[1:] == before[1:]


def _reviewed(world, *, city=False, entries=2):
    for n in range(entries):
        entry_at(world, "district_reviewed", city=city, title=f"培训{n}")
    school, admin = (world.city_school, world.city_admin) if city else (world.school, world.school_admin)
    day = datetime.date(2018, 9, 20)
    hand_in = A.hand_in_submit(actor=admin, school=school, academic_year=world.year, today=day)
    return A.hand_in_review(actor=world.city if city else world.district_admin, hand_in=hand_in, today=day)


def test_check_confirms_a_district_and_a_city_school_in_one_job(world, django_capture_on_commit_callbacks):
    district_hand_in = _reviewed(world)
    city_hand_in = _reviewed(world, city=True, entries=1)
    with django_capture_on_commit_callbacks(execute=True):
        job = A.hand_ins_check_start(actor=world.city, academic_year=world.year,
                                     district_ids=[world.school.district_id], school_ids=[world.city_school.pk],
                                     today=CITY_DAY)
    job.refresh_from_db()
    assert (job.status, job.result["ok"], job.result["confirmed"], job.percent) == ("done", 2, 3, 100)
    assert set(CreditEntry.objects.values_list("status", flat=True)) == {"confirmed"}
    assert EntryTransition.objects.filter(action="confirm", comment="市级核对", actor=world.city).count() == 3
    for h in (district_hand_in, city_hand_in):
        h.refresh_from_db()
        assert (h.status, h.checked_by) == ("checked", world.city)
    # A rerun finds nothing left to do.
    assert A.hand_ins_check(actor=world.city, academic_year=world.year, hand_in_ids=[district_hand_in.pk],
                            today=CITY_DAY)[0].confirmed == 0
    assert EntryTransition.objects.filter(action="confirm").count() == 3


def test_check_is_refused_outside_november_and_to_others(world):
    hand_in = _reviewed(world)
    before = state(world)
    with pytest.raises(TransitionError, match="市级核对封存"):
        A.hand_ins_check_start(actor=world.city, academic_year=world.year,
                               district_ids=[world.school.district_id], today=DISTRICT_DAY)
    with pytest.raises(TransitionError) as exc:
        A.hand_ins_check_start(actor=world.district_admin, academic_year=world.year,
                               district_ids=[world.school.district_id], today=CITY_DAY)
    assert exc.value.kind == "forbidden"
    results = A.hand_ins_check(actor=world.district_admin, academic_year=world.year, hand_in_ids=[hand_in.pk],
                               today=CITY_DAY)
    assert not results[0].ok
    assert state(world) == before


def test_only_reviewed_schools_are_checked(world):
    submit(world)
    with pytest.raises(TransitionError, match="没有已审核、待核对的学校"):
        A.hand_ins_check_start(actor=world.city, academic_year=world.year,
                               district_ids=[world.school.district_id], today=CITY_DAY)


def test_check_leaves_an_entry_with_a_duplicate_warning_for_its_own_confirmation(world):
    """Another teacher's entry with the same proof file appears after the district's review: the
    核对 confirms the rest and leaves the warned entry at 已复核, where 确认登记 asks for the
    acknowledgement with a reason (issue 9: nobody passes a warned entry without it)."""
    from reviews import services as S
    from tests.factories import TeacherProfileFactory
    from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf

    hand_in = _reviewed(world, entries=2)
    warned, clean = CreditEntry.objects.filter(school=world.school).order_by("pk")
    other = TeacherProfileFactory(school=world.city_school, name="王老师")
    S.entry_declare(teacher_user=other.user, item=world.item("admin_training"), title="同一份证明",
                    started_on=ACTIVITY_DAY, quantity="8", today=REGISTRATION_DAY,
                    evidence_files=[pdf(content=warned.evidence.get().file.read())])
    result = A.hand_ins_check(actor=world.city, academic_year=world.year, hand_in_ids=[hand_in.pk], today=CITY_DAY)[0]
    assert (result.ok, result.confirmed, result.left_warned) == (True, 1, 1)
    assert "1 条有重复提示" in result.message
    warned.refresh_from_db()
    clean.refresh_from_db()
    assert (warned.status, clean.status) == ("district_reviewed", "confirmed")
    assert not EntryTransition.objects.filter(entry=warned, action="confirm").exists()
    hand_in.refresh_from_db()
    assert hand_in.status == HandInStatus.CHECKED
    assert hand_in.events.order_by("-pk").first().counts == {"confirmed": 1, "left_warned": 1}
    # Its own 确认登记: refused without the acknowledgement, done with it.
    with pytest.raises(TransitionError, match="重复提示"):
        S.entry_confirm(actor=world.city, entry=warned, today=CITY_DAY, seen_version=S.entry_version(warned))
    S.entry_confirm(actor=world.city, entry=warned, today=CITY_DAY, seen_version=S.entry_version(warned),
                    acknowledge_warnings=True, warnings_reason="两校联合培训，同一通知")
    warned.refresh_from_db()
    assert warned.status == "confirmed"
