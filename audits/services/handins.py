"""The 审证 workflow of a school's 学年 (audits.workflow): 上报, review, return, 核对.

Each step is one service: it checks the actor's right and the window against the table, locks
the hand-in row, checks the state and the version the actor saw, writes the new state with
save(update_fields=…) and a HandInEvent, in one transaction. A refusal raises TransitionError
and changes nothing.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Role, User
from credits.models import AcademicYear, CreditEntry, EntryStatus
from reviews.calendar import ensure_not_sealed, ensure_window
from reviews.errors import TransitionError
from reviews.models import Action, EntryTransition
from reviews.services.duplicates import warned_entry_ids

from ..models import HandInAction, HandInEvent, HandInExclusion, HandInStatus, SchoolHandIn
from ..workflow import CITY, DISTRICT_STEP, SCHOOL, STEPS

# Entries the school has not finished (first review, sign-off, or a correction the teacher owes):
# they block the school's hand-in unless left out with a reason.
SCHOOL_OPEN_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.SCHOOL_VERIFIED, EntryStatus.RETURNED)
# Entries the district has not reviewed yet: they block the district's 审核通过 of the school.
DISTRICT_OPEN_STATUSES = (*SCHOOL_OPEN_STATUSES, EntryStatus.SCHOOL_APPROVED)
SHOWN_IN_MESSAGE = 5


def _role_for(actor, step, school) -> str:
    if step.actor == SCHOOL:
        if access.can_hand_in(actor, school):
            return Role.SCHOOL_ADMIN
        raise TransitionError("只有本校的校管理员可以上报本校学年。", kind="permission")
    if step.actor == DISTRICT_STEP:
        if access.can_review_hand_in(actor, school):
            return Role.CITY_STAFF if school.district_id is None else Role.DISTRICT_ADMIN
        raise TransitionError("该学校的上报由所属区（市）县审核（市直属学校由市教科院审核）。", kind="permission")
    if step.actor == CITY and access.can_check_hand_ins(actor):
        return Role.CITY_STAFF
    raise TransitionError("只有市教科院教师发展研究所可以核对。", kind="permission")


def _lock(school, academic_year) -> SchoolHandIn:
    hand_in, _ = SchoolHandIn.objects.get_or_create(school=school, academic_year=academic_year)
    return SchoolHandIn.objects.select_for_update(of=("self",)).select_related("school", "academic_year").get(pk=hand_in.pk)


def _check_state(hand_in: SchoolHandIn, step, version: int | None) -> None:
    if version is not None and version != hand_in.version:
        raise TransitionError("该学校的上报已有新的变化，请刷新页面后再操作。", kind="stale")
    if hand_in.status not in step.from_states:
        raise TransitionError(f"{hand_in.school.name}当前为「{hand_in.get_status_display()}」，不能{step.label}。",
                              kind="state")


def _advance(hand_in, step, *, actor, role, comment="", counts=None, fields=()) -> HandInEvent:
    from_state = hand_in.status
    hand_in.status = step.to_state
    hand_in.version += 1
    hand_in.last_comment = comment[:500]
    hand_in.save(update_fields=["status", "version", "last_comment", *fields])
    return HandInEvent.objects.create(hand_in=hand_in, action=step.name, actor=actor, role=role, at=timezone.now(),
                                      from_state=from_state, to_state=hand_in.status, comment=comment[:500],
                                      counts=counts or {})


def entries_of(school, academic_year):
    return CreditEntry.objects.filter(school=school, academic_year=academic_year)


def current_exclusions(hand_in: SchoolHandIn | None):
    """The entries left out by the school's latest 上报, with the reasons."""
    if hand_in is None:
        return HandInExclusion.objects.none()
    last = hand_in.events.filter(action=HandInAction.SUBMIT).order_by("-at", "-id").first()
    if last is None:
        return HandInExclusion.objects.none()
    return HandInExclusion.objects.filter(event=last).select_related("entry", "entry__teacher", "entry__item")


def _describe(entries) -> str:
    counts = dict(entries.order_by().values_list("status").annotate(n=Count("id")))
    parts = "、".join(f"{EntryStatus(s).label} {n} 条" for s, n in sorted(counts.items()))
    names = "、".join(f"{e.teacher.name}「{e.title}」"
                     for e in entries.select_related("teacher").order_by("teacher__name", "id")[:SHOWN_IN_MESSAGE])
    return f"{parts}：{names}{'等' if sum(counts.values()) > SHOWN_IN_MESSAGE else ''}"


def _notify(users, title, body, url=""):
    """In the step's transaction: the notice exists exactly when the step does."""
    from accounts.services import notify

    for user in users:
        notify(user, title, body, url=url)


def _reviewers(school):
    if school.district_id is None:
        return User.objects.filter(is_active=True, role_assignments__role=Role.CITY_STAFF).distinct()
    return User.objects.filter(is_active=True, role_assignments__role=Role.DISTRICT_ADMIN,
                               role_assignments__district_id=school.district_id).distinct()


def _school_admins(school):
    return User.objects.filter(is_active=True, role_assignments__role=Role.SCHOOL_ADMIN,
                               role_assignments__school=school).distinct()


@transaction.atomic
def hand_in_submit(*, actor, school, academic_year: AcademicYear, exclusions: dict | None = None,
                   version: int | None = None, today: datetime.date | None = None) -> SchoolHandIn:
    """The school admin hands in the school's 学年. Entries the school has not finished block
    it, unless each is left out with a reason (`exclusions`: {entry id: reason})."""
    step = STEPS[HandInAction.SUBMIT]
    role = _role_for(actor, step, school)
    ensure_not_sealed(academic_year)
    ensure_window(academic_year, step.window, today=today, school=school)
    hand_in = _lock(school, academic_year)
    _check_state(hand_in, step, version)
    exclusions = {int(k): (v or "").strip() for k, v in (exclusions or {}).items()}
    open_entries = entries_of(school, academic_year).filter(status__in=SCHOOL_OPEN_STATUSES)
    open_ids = set(open_entries.values_list("pk", flat=True))
    if set(exclusions) - open_ids:
        raise TransitionError("只能暂不纳入本校本学年尚未完成校内审核的登记。")
    if any(not reason for reason in exclusions.values()):
        raise TransitionError("暂不纳入的登记须逐条填写理由。")
    blocking = open_entries.exclude(pk__in=list(exclusions))
    if blocking.exists():
        raise TransitionError(f"本校还有 {blocking.count()} 条登记未完成校内审核（{_describe(blocking)}），"
                              "请先处理，或逐条注明理由暂不纳入后再上报。", kind="state")
    now = timezone.now()
    hand_in.submitted_at, hand_in.submitted_by = now, actor
    statuses = dict(open_entries.filter(pk__in=list(exclusions)).values_list("pk", "status"))
    event = _advance(hand_in, step, actor=actor, role=role, counts={"excluded": len(exclusions)},
                     fields=("submitted_at", "submitted_by"))
    HandInExclusion.objects.bulk_create([HandInExclusion(event=event, entry_id=pk, status=statuses[pk], reason=reason[:300])
                                         for pk, reason in sorted(exclusions.items())])
    url = reverse("audits:hand_in_detail", args=[hand_in.pk])
    _notify(_reviewers(school), f"{school.name}已上报{academic_year.label}学年",
                                          "请按审证时间安排审核。", url)
    return hand_in


@transaction.atomic
def hand_in_review(*, actor, hand_in: SchoolHandIn, version: int | None = None, comment: str = "",
                   today: datetime.date | None = None) -> SchoolHandIn:
    """The district (the city for a 市直属学校) marks the school's 学年 reviewed: every entry it
    handed in has had the district step; only the ones the school left out may still be open."""
    step = STEPS[HandInAction.REVIEW]
    school, year = hand_in.school, hand_in.academic_year
    role = _role_for(actor, step, school)
    ensure_not_sealed(year)
    ensure_window(year, step.window, today=today, school=school)
    hand_in = _lock(school, year)
    _check_state(hand_in, step, version)
    excluded = list(current_exclusions(hand_in).values_list("entry_id", flat=True))
    blocking = entries_of(school, year).filter(status__in=DISTRICT_OPEN_STATUSES).exclude(pk__in=excluded)
    if blocking.exists():
        raise TransitionError(f"该校还有 {blocking.count()} 条登记未复核（{_describe(blocking)}），"
                              "请先在复核队列中处理，或退回学校。", kind="state")
    hand_in.reviewed_at, hand_in.reviewed_by = timezone.now(), actor
    _advance(hand_in, step, actor=actor, role=role, comment=(comment or "").strip(),
             fields=("reviewed_at", "reviewed_by"))
    _notify(_school_admins(school), f"{year.label}学年上报已审核通过",
                                          f"{school.name}的上报已审核通过。")
    return hand_in


@transaction.atomic
def hand_in_return(*, actor, hand_in: SchoolHandIn, reason: str, version: int | None = None,
                   today: datetime.date | None = None) -> SchoolHandIn:
    """The district sends the hand-in back with its reasons; the school fixes and hands in again."""
    step = STEPS[HandInAction.RETURN]
    school, year = hand_in.school, hand_in.academic_year
    role = _role_for(actor, step, school)
    ensure_not_sealed(year)
    ensure_window(year, step.window, today=today, school=school)
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("退回学校须填写理由。")
    hand_in = _lock(school, year)
    _check_state(hand_in, step, version)
    _advance(hand_in, step, actor=actor, role=role, comment=reason)
    url = reverse("audits:hand_in")
    _notify(_school_admins(school), f"{year.label}学年上报被退回",
                                          f"退回理由：{reason}", url)
    return hand_in


# ---------------------------------------------------------------------------------------------
# 核对: the city confirms districts and 市直属学校 in bulk, one school per transaction.


@dataclass(frozen=True)
class CheckResult:
    school_id: int
    school: str
    ok: bool
    confirmed: int
    message: str
    # Entries with a duplicate warning (another teacher's same proof file or certificate number):
    # left at 已复核 for their own 确认登记 page, where the acknowledgement with a reason is asked.
    left_warned: int = 0


def hand_ins_to_check(*, academic_year, district_ids=(), school_ids=()):
    """The reviewed hand-ins of the chosen districts and 市直属学校."""
    from django.db.models import Q

    q = Q(school__district_id__in=list(district_ids)) | Q(school_id__in=list(school_ids), school__district__isnull=True)
    return (SchoolHandIn.objects.filter(q, academic_year=academic_year, status=HandInStatus.REVIEWED)
            .select_related("school").order_by("school__district_id", "school__name", "id"))


def _require_check(actor, academic_year, today) -> str:
    step = STEPS[HandInAction.CHECK]
    role = _role_for(actor, step, None)
    ensure_not_sealed(academic_year)
    ensure_window(academic_year, step.window, today=today)
    return role


def hand_in_check(*, actor, hand_in: SchoolHandIn, today: datetime.date | None = None) -> CheckResult:
    """核对 of one school: its entries the district reviewed become 已确认登记 (继教网确认登记),
    each with its audit row, set-based; the hand-in becomes 已核对. A rerun finds nothing left."""
    step = STEPS[HandInAction.CHECK]
    school, year = hand_in.school, hand_in.academic_year
    with transaction.atomic():
        role = _require_check(actor, year, today)
        hand_in = _lock(school, year)
        if hand_in.status == HandInStatus.CHECKED:
            return CheckResult(school.pk, school.name, True, 0, "已核对")
        _check_state(hand_in, step, None)
        rows = list(entries_of(school, year).select_for_update(of=("self",))
                    .filter(status=EntryStatus.DISTRICT_REVIEWED).order_by("pk").only("pk", "teacher_id", "certificate_no"))
        # Like a queue's bulk approval: nobody confirms a warned entry without acknowledging it.
        warned = warned_entry_ids(rows)
        ids = [e.pk for e in rows if e.pk not in warned]
        now = timezone.now()
        EntryTransition.objects.bulk_create(
            [EntryTransition(entry_id=pk, action=Action.CONFIRM, actor=actor, role=role, at=now,
                             from_state=EntryStatus.DISTRICT_REVIEWED, to_state=EntryStatus.CONFIRMED,
                             changes={"status": [EntryStatus.DISTRICT_REVIEWED, EntryStatus.CONFIRMED]},
                             comment="市级核对") for pk in ids], batch_size=1000)
        CreditEntry.objects.filter(pk__in=ids).update(status=EntryStatus.CONFIRMED, updated_at=now)
        _notify_confirmed(ids, year)
        hand_in.checked_at, hand_in.checked_by = now, actor
        _advance(hand_in, step, actor=actor, role=role, counts={"confirmed": len(ids), **({"left_warned": len(warned)} if warned else {})},
                 fields=("checked_at", "checked_by"))
    message = f"已核对，确认登记 {len(ids)} 条"
    if warned:
        message += f"；{len(warned)} 条有重复提示，未确认，须在“确认登记”中逐条核对后确认"
    return CheckResult(school.pk, school.name, True, len(ids), message, left_warned=len(warned))


def _notify_confirmed(entry_ids, year) -> None:
    """"已确认" for each teacher whose entries the 核对 confirmed: one notification per teacher (not
    per entry), in the same transaction as the confirmation."""
    from collections import Counter

    from accounts.services import notify_many

    per_user = Counter(CreditEntry.objects.filter(pk__in=entry_ids).values_list("teacher__user_id", flat=True))
    users = User.objects.in_bulk(list(per_user))
    url = reverse("reviews:my_entries") + f"?year={year.start_year}"
    notify_many([(users[uid], f"{year.label}学年学分已确认",
                  f"您{year.label}学年的 {n} 条学分登记已由市教科院确认登记（继教网），学年封存后不再变化。", url)
                 for uid, n in sorted(per_user.items()) if uid in users])


def hand_ins_check(*, actor, academic_year, hand_in_ids, today=None, job=None) -> list[CheckResult]:
    """Checks many schools; one refusal does not stop the others. Idempotent and resumable:
    what is checked stays checked, a rerun checks the rest."""
    from accounts.jobs import job_progress

    hand_ins = list(SchoolHandIn.objects.filter(pk__in=list(hand_in_ids), academic_year=academic_year)
                    .select_related("school", "academic_year").order_by("pk"))
    results = []
    for n, hand_in in enumerate(hand_ins, start=1):
        try:
            results.append(hand_in_check(actor=actor, hand_in=hand_in, today=today))
        except TransitionError as exc:
            results.append(CheckResult(hand_in.school_id, hand_in.school.name, False, 0, exc.message))
        if job is not None:
            job_progress(job, done=n, total=len(hand_ins))
    return results


def hand_ins_check_start(*, actor, academic_year, district_ids=(), school_ids=(), today=None):
    """The city's 核对 of the chosen districts and 市直属学校 as one background Job (progress bar)."""
    from accounts.jobs import job_create, job_enqueue

    from ..tasks import check_hand_ins_task

    _require_check(actor, academic_year, today)
    ids = list(hand_ins_to_check(academic_year=academic_year, district_ids=district_ids, school_ids=school_ids)
               .values_list("pk", flat=True))
    if not ids:
        raise TransitionError("所选范围内没有已审核、待核对的学校。")
    job = job_create(kind="audits:check", owner=actor, total=len(ids))
    day = today.isoformat() if today else None
    transaction.on_commit(lambda: job_enqueue(job, check_hand_ins_task, job.pk, actor.pk, academic_year.pk, ids, day))
    return job
