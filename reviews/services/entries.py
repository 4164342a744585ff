"""The state machine of a CreditEntry (notice 二(三)1(1), 二(四)1, 三(一)), as reviews.workflow
declares it: which state each step acts from and leads to, who may act, the window, and what the
reviewer may do. 集中培训 (flow declare) and 灵活性 (flow self_register) take the whole chain; an
item with a document (flow admin_register) starts where the district's step is next. The last
two states both count in totals.

Every reviewer may reject (back to the submitter, with the reason) or return for correction;
the submitter corrects and resubmits. The submitter may withdraw what nobody has reviewed yet.
Each transition locks the row, checks state, role, scope, calendar and seal, writes the new
state with save(update_fields) and an EntryTransition, in one transaction.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.access import schools_for_role
from accounts.errors import AccountError
from accounts.models import Role, TeacherProfile
from credits.checks import date_problem, eligibility_problem, quantity_problem
from credits.models import (
    COUNTED_STATUSES,
    AcademicYear,
    Conversion,
    CreditEntry,
    CreditItem,
    EntrySource,
    EntryStatus,
    Flow,
)

from .. import workflow as wf
from ..calendar import ensure_not_sealed, ensure_window, today_or
from ..errors import TransitionError
from ..models import Action, Window
from ._common import (
    RESUBMITTABLE,
    acted_by,
    compute_credits,
    diff,
    ensure_seen,
    lock_entry,
    notify_counted,
    notify_teacher,
    record,
    require_state,
    require_step_role,
    step_role,
    submitter_role,
    to_decimal,
)
from .duplicates import (
    check_certificate,
    check_files,
    check_same_activity,
    normalize_certificate_no,
)
from .evidence import attach_files, evidence_mark_reviewed

EDITABLE_FIELDS = ("title", "organizer", "started_on", "ended_on", "quantity", "option", "certificate_no")
# The columns a correction may touch (a changed date may move the entry to another 学年 and item version).
CORRECTABLE_COLUMNS = ("title", "organizer", "started_on", "ended_on", "quantity_claimed", "option",
                       "certificate_no", "academic_year", "item")


# ---------------------------------------------------------------------------------------------
# Input checks shared by declaring, registering and correcting


def _ensure_can_register(profile: TeacherProfile) -> None:
    from accounts.services import ensure_can_register

    try:
        ensure_can_register(profile)
    except AccountError as exc:
        raise TransitionError(exc.message, kind="permission") from None


def _resolve_item(item: CreditItem, year: AcademicYear) -> CreditItem:
    """The catalogue version valid in the activity's 学年 (values may change between years)."""
    from credits.selectors import item_for

    try:
        resolved = item_for(item.code, year)
    except CreditItem.DoesNotExist:
        resolved = None
    if resolved is None or not resolved.is_active:
        raise TransitionError(f"项目「{item.name}」在{year.label}学年不可登记。")
    return resolved


def _clean_values(*, item: CreditItem, title, started_on, ended_on, quantity, option, organizer,
                  today: datetime.date, certificate_no="") -> dict:
    title = (title or "").strip()
    if not title:
        raise TransitionError("请填写培训内容 / 项目名称。")
    problem = date_problem(started_on, ended_on, today=today)
    if problem:
        raise TransitionError(problem)
    option = (option or "").strip()
    if item.conversion == Conversion.BY_OPTION:
        keys = {str(o.get("key")) for o in item.options or []}
        if option not in keys:
            labels = "、".join(str(o.get("label", o.get("key"))) for o in item.options or [])
            raise TransitionError(f"请选择「{item.name}」的等级/选项（{labels}）。")
        if quantity in (None, ""):
            quantity = Decimal("1")
    elif option:
        option = ""
    if quantity in (None, ""):
        raise TransitionError(f"请填写数量（{item.unit_label}）。")
    quantity = to_decimal(quantity, field=f"数量（{item.unit_label}）")
    if quantity <= 0 or quantity >= Decimal("100000") or quantity != quantity.quantize(Decimal("0.1")):
        raise TransitionError(f"数量（{item.unit_label}）须为大于 0 的数，最多一位小数。")
    return {
        "title": title[:200], "organizer": (organizer or "").strip()[:100], "started_on": started_on,
        "ended_on": ended_on, "quantity_claimed": quantity, "option": option,
        "certificate_no": normalize_certificate_no(certificate_no),
    }


def _check_claim(*, item: CreditItem, teacher: TeacherProfile, values: dict, year: AcademicYear,
                 exclude_pk: int | None = None) -> None:
    """What the catalogue version valid in the 学年 says about this claim: plausible quantity,
    the certificate number, who may claim it, and that it is not already registered."""
    problem = quantity_problem(item, values["quantity_claimed"], started_on=values["started_on"],
                               ended_on=values["ended_on"])
    if problem:
        raise TransitionError(problem)
    if item.certificate_no_required and not values.get("certificate_no"):
        raise TransitionError(f"「{item.name}」以证书为依据，请填写证书编号。")
    problem = eligibility_problem(item, teacher, start_year=year.start_year, option=values.get("option") or "")
    if problem:
        raise TransitionError(problem, kind="permission")
    check_same_activity(teacher=teacher, item=item, title=values["title"], started_on=values["started_on"],
                        ended_on=values["ended_on"], exclude_pk=exclude_pk)
    check_certificate(teacher=teacher, certificate_no=values.get("certificate_no") or "", exclude_pk=exclude_pk)


def _year_for(started_on: datetime.date, ended_on: datetime.date | None = None) -> AcademicYear:
    # The day the activity ends produces the credit; 8月1日 and later count in the next 学年 (三(三)2).
    from credits.services import academic_year_ensure

    return academic_year_ensure(AcademicYear.credit_day(started_on, ended_on))


# ---------------------------------------------------------------------------------------------
# Creating entries


@transaction.atomic
def entry_declare(*, teacher_user, item: CreditItem, title: str, started_on: datetime.date, quantity=None,
                  option: str = "", ended_on: datetime.date | None = None, organizer: str = "",
                  evidence_files=(), certificate_no: str = "", today: datetime.date | None = None) -> CreditEntry:
    """A teacher declares a 集中培训 (with proof) or self-registers a 灵活性 activity (附件2:
    item, dates, content, level/option, hours)."""
    today = today_or(today)
    profile = getattr(teacher_user, "teacher_profile", None)
    if profile is None:
        raise TransitionError("您没有教师账号，不能登记学分。", kind="permission")
    _ensure_can_register(profile)
    if item.flow not in (Flow.DECLARE, Flow.SELF_REGISTER):
        raise TransitionError(_flow_refusal(item), kind="permission")
    values = _clean_values(item=item, title=title, started_on=started_on, ended_on=ended_on, quantity=quantity,
                           option=option, organizer=organizer, today=today, certificate_no=certificate_no)
    year = _year_for(started_on, ended_on)
    ensure_window(year, Window.REGISTRATION, today=today, school=profile.school)
    item = _resolve_item(item, year)
    if item.flow not in (Flow.DECLARE, Flow.SELF_REGISTER):
        # The flow may change between versions: the one valid in the activity's 学年 decides.
        raise TransitionError(_flow_refusal(item), kind="permission")
    _check_claim(item=item, teacher=profile, values=values, year=year)
    if item.flow == Flow.DECLARE and not evidence_files:
        raise TransitionError("申报集中培训须上传参培证明材料（学时证明、通知安排等）。")
    if item.evidence_required and not evidence_files:
        # Catalogue data: this 灵活性 item is registered with its proof uploaded.
        raise TransitionError(f"「{item.name}」须上传登记依据（{item.evidence or '证明材料'}）的扫描件。", field="evidence")
    action = Action.DECLARE if item.flow == Flow.DECLARE else Action.SELF_REGISTER
    entry = CreditEntry(
        teacher=profile, school=profile.school, academic_year=year, item=item, status=EntryStatus.SUBMITTED,
        source=EntrySource.DECLARED if item.flow == Flow.DECLARE else EntrySource.SELF_REGISTERED,
        created_by=teacher_user, **values,
    )
    entry.credits = compute_credits(entry)
    entry.save()
    attach_files(entry, evidence_files, actor=teacher_user)
    record(entry, action=action, actor=teacher_user, role=Role.TEACHER, from_state="",
           to_state=entry.status, changes=_creation_changes(entry))
    return entry


def _flow_refusal(item: CreditItem) -> str:
    if item.flow == Flow.ADMIN_REGISTER:
        return f"「{item.name}」由学校管理员凭证书或证明代为登记，请将材料交学校管理员。"
    if item.flow == Flow.ROSTER:
        return f"「{item.name}」由基地校通过花名册报送，不能个人申报。"
    if item.flow == Flow.FEED:
        return f"「{item.name}」由系统自动认定，不需要申报。"
    return f"「{item.name}」不能由教师本人申报。"


def _creation_changes(entry) -> dict:
    fields = ("item", "title", "organizer", "started_on", "ended_on", "quantity_claimed", "option", "credits")
    return diff({}, {f: getattr(entry, f) for f in fields if getattr(entry, f) not in (None, "")})


@transaction.atomic
def entry_admin_register(*, actor, teacher: TeacherProfile, item: CreditItem, title: str,
                         started_on: datetime.date, quantity=None, option: str = "",
                         ended_on: datetime.date | None = None, organizer: str = "", evidence_files=(),
                         certificate_no: str = "", today: datetime.date | None = None) -> CreditEntry:
    """The school admin registers an item with a document (学历, 普通话, 职称考试, 支教, 师徒结队…)
    for a teacher of the school, attaching the document; the district reviews it next."""
    today = today_or(today)
    if not schools_for_role(actor, Role.SCHOOL_ADMIN).filter(pk=teacher.school_id).exists():
        raise TransitionError("只有该教师所在学校的校管理员可以代为登记。", kind="permission")
    if teacher.user_id == actor.pk:
        raise TransitionError("不能为本人代为登记，请由本校其他管理员办理。", kind="permission")
    _ensure_can_register(teacher)
    if item.flow != Flow.ADMIN_REGISTER:
        raise TransitionError(f"「{item.name}」不是凭证书代为登记的项目。")
    values = _clean_values(item=item, title=title, started_on=started_on, ended_on=ended_on, quantity=quantity,
                           option=option, organizer=organizer, today=today, certificate_no=certificate_no)
    year = _year_for(started_on, ended_on)
    ensure_window(year, Window.REGISTRATION, today=today, school=teacher.school)
    item = _resolve_item(item, year)
    if item.flow != Flow.ADMIN_REGISTER:
        raise TransitionError(f"「{item.name}」在{year.label}学年不是凭证书代为登记的项目。")
    _check_claim(item=item, teacher=teacher, values=values, year=year)
    if not evidence_files:
        raise TransitionError("代为登记须上传证书或证明材料的扫描件。")
    entry = CreditEntry(
        teacher=teacher, school=teacher.school, academic_year=year, item=item,
        status=EntryStatus.SCHOOL_APPROVED, source=EntrySource.ADMIN_REGISTERED, created_by=actor, **values,
    )
    entry.credits = compute_credits(entry)
    entry.save()
    # The school admin has checked the original: the scan counts as reviewed by the school.
    attach_files(entry, evidence_files, actor=actor, reviewed=True)
    record(entry, action=Action.ADMIN_REGISTER, actor=actor, role=Role.SCHOOL_ADMIN, from_state="",
           to_state=entry.status, changes=_creation_changes(entry))
    return entry


# ---------------------------------------------------------------------------------------------
# Review steps


def _approved_quantity(entry, quantity_approved, comment: str) -> Decimal | None:
    """A reviewer may approve fewer than claimed, with a reason; never more — nor more than an
    earlier step of the chain passed (a wrong cut is returned for correction, not undone)."""
    if quantity_approved in (None, ""):
        return None
    value = to_decimal(quantity_approved, field="核定数量")
    if value < 0 or value != value.quantize(Decimal("0.1")):
        raise TransitionError("核定数量须为不小于 0 的数，最多一位小数。")
    if value > entry.quantity_claimed:
        raise TransitionError(f"核定数量不能多于申报数量（{entry.quantity_claimed}）。")
    if value > entry.quantity:
        raise TransitionError(f"核定数量不能多于前一审核环节核定的数量（{entry.quantity}）；如需更正请退回修改。")
    if value < entry.quantity and not comment.strip():
        raise TransitionError("核减数量须填写理由。")
    return value


def _verified_option(entry, option, comment: str) -> str | None:
    """The school admin verifies the level of an item counted by option (附件2 等级): they may
    set a lower-valued level than claimed, with a reason; never a higher one."""
    if option in (None, "") or option == entry.option:
        return None
    if entry.item.conversion != Conversion.BY_OPTION:
        raise TransitionError(f"「{entry.item.name}」不按等级/选项计分。")
    values = {str(o.get("key")): o.get("credits") for o in entry.item.options or []}
    if option not in values:
        raise TransitionError("所选等级/选项不在该项目的选项中。")
    if to_decimal(values[option]) > to_decimal(values.get(entry.option, 0)):
        raise TransitionError("核定等级的学分不能高于申报等级。")
    if not comment.strip():
        raise TransitionError("更改申报等级须填写理由。")
    return option


def _acknowledged(entry, *, acknowledged: bool, reason: str) -> dict | None:
    """Another teacher's entry with the same proof file or certificate number (entry_warnings) may
    be a real repeat, so it is not refused at submission — but nobody passes it without saying
    they checked: the reviewer ticks the acknowledgement and gives the reason, which the audit row
    keeps. Returns what goes into the transition's changes, or None when there is no warning."""
    from .duplicates import entry_warnings

    warnings = entry_warnings(entry)
    if not warnings:
        return None
    listed = "；".join(w.message for w in warnings)
    if not acknowledged:
        raise TransitionError(
            f"该记录有 {len(warnings)} 条重复提示：{listed}核对后须勾选“已核对重复提示”并填写理由才能通过；本次操作未保存。",
            field="acknowledge_warnings", details={"warnings": [w.other_id for w in warnings]})
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("确认重复提示须填写核对理由（将记入审核记录）；本次操作未保存。", field="warnings_reason")
    return {"warnings_acknowledged": [None, {"warnings": [w.message for w in warnings],
                                             "others": [w.other_id for w in warnings], "reason": reason[:300]}]}


def _review(*, actor, entry, step: str, approve: bool, quantity_approved=None, comment: str = "",
            today, option=None, seen_version=None, acknowledge_warnings: bool = False,
            warnings_reason: str = "") -> CreditEntry:
    row = wf.STEPS[step]
    entry = lock_entry(entry)
    ensure_seen(entry, seen_version)
    ensure_not_sealed(entry.academic_year)
    require_state(entry, row.from_state)
    role = require_step_role(actor, step, entry)
    ensure_window(entry.academic_year, row.window, today=today, school=entry.school)
    comment = (comment or "").strip()
    before = {"status": entry.status, "quantity_approved": entry.quantity_approved, "credits": entry.credits,
              "last_comment": entry.last_comment, "option": entry.option}
    if not approve and not row.may_reject:
        raise TransitionError(f"{row.act}不能不通过；如需更正请退回修改。")
    acknowledged = None
    if approve:
        if quantity_approved not in (None, "") and not row.approve_fewer:
            raise TransitionError(f"{row.act}不能核减数量；如需更正请退回修改。", field="quantity_approved")
        if option not in (None, "") and option != entry.option and not row.lower_option:
            raise TransitionError(f"{row.act}不能更改等级；如需更正请退回修改。", field="option")
        acknowledged = _acknowledged(entry, acknowledged=acknowledge_warnings, reason=warnings_reason)
        new_quantity = _approved_quantity(entry, quantity_approved, comment)
        new_option = _verified_option(entry, option, comment)
        if new_quantity is not None:
            entry.quantity_approved = new_quantity
        if new_option is not None:
            entry.option = new_option
        entry.credits = compute_credits(entry)
        entry.status = row.leads_to[wf.APPROVE]
        action = step
    else:
        if not comment:
            raise TransitionError("不通过须填写理由，理由将退回给提交人。")
        entry.status = row.leads_to[wf.REJECT]
        action = Action.REJECT
    entry.last_comment = comment[:500]
    after = {"status": entry.status, "quantity_approved": entry.quantity_approved, "credits": entry.credits,
             "last_comment": entry.last_comment, "option": entry.option}
    entry.save(update_fields=["status", "quantity_approved", "option", "credits", "last_comment", "updated_at"])
    if approve and row.checks_evidence:
        evidence_mark_reviewed(entry)
    changes = diff(before, after)
    audit_comment = comment
    if acknowledged is not None:
        changes.update(acknowledged)
        reason = acknowledged["warnings_acknowledged"][1]["reason"]
        audit_comment = f"{comment}（重复提示已核对：{reason}）" if comment else f"重复提示已核对：{reason}"
    record(entry, action=action, actor=actor, role=role, from_state=before["status"], to_state=entry.status,
           changes=changes, comment=audit_comment)
    if approve and row.leads_to[wf.APPROVE] in COUNTED_STATUSES:
        # In the same transaction: the good news exists exactly when the step does.
        notify_counted(entry, step=step)
    if not approve:
        # In the same transaction: the notice exists exactly when the rejection does.
        notify_teacher(entry, f"学分登记未通过：{entry.title}", f"{row.short}未通过。理由：{comment}")
    return entry


def entry_school_review(*, actor, entry, approve: bool, quantity_approved=None, comment: str = "",
                        option: str | None = None, today: datetime.date | None = None,
                        seen_version: int | None = None, acknowledge_warnings: bool = False,
                        warnings_reason: str = "") -> CreditEntry:
    """校管理员初审 / 验证: checks the proof against the original and fills the converted credits
    (fewer hours or a lower level than claimed, with a reason). `seen_version`: the entry's
    version the reviewer saw (refused if it changed since). `acknowledge_warnings` and
    `warnings_reason`: required to pass an entry with duplicate warnings (another teacher's
    entry with the same proof file or certificate number)."""
    with transaction.atomic():
        return _review(actor=actor, entry=entry, step=wf.SCHOOL_REVIEW, approve=approve,
                       quantity_approved=quantity_approved, comment=comment, today=today, option=option,
                       seen_version=seen_version, acknowledge_warnings=acknowledge_warnings,
                       warnings_reason=warnings_reason)


def entry_leader_sign(*, actor, entry, approve: bool = True, comment: str = "",
                      today: datetime.date | None = None, seen_version: int | None = None,
                      acknowledge_warnings: bool = False, warnings_reason: str = "") -> CreditEntry:
    """分管校长签字确认."""
    with transaction.atomic():
        return _review(actor=actor, entry=entry, step=wf.LEADER_SIGN, approve=approve, comment=comment,
                       today=today, seen_version=seen_version, acknowledge_warnings=acknowledge_warnings,
                       warnings_reason=warnings_reason)


def entry_district_review(*, actor, entry, approve: bool, quantity_approved=None, comment: str = "",
                          today: datetime.date | None = None, seen_version: int | None = None,
                          acknowledge_warnings: bool = False, warnings_reason: str = "") -> CreditEntry:
    """区县复核 (city staff for a 市直属学校), 9月1日–10月31日."""
    with transaction.atomic():
        return _review(actor=actor, entry=entry, step=wf.DISTRICT_REVIEW, approve=approve,
                       quantity_approved=quantity_approved, comment=comment, today=today,
                       seen_version=seen_version, acknowledge_warnings=acknowledge_warnings,
                       warnings_reason=warnings_reason)


def entry_confirm(*, actor, entry, today: datetime.date | None = None,
                  seen_version: int | None = None, acknowledge_warnings: bool = False,
                  warnings_reason: str = "") -> CreditEntry:
    """继教网确认登记: the city's check in November before the year is sealed."""
    with transaction.atomic():
        return _review(actor=actor, entry=entry, step=wf.CONFIRM, approve=True, today=today,
                       seen_version=seen_version, acknowledge_warnings=acknowledge_warnings,
                       warnings_reason=warnings_reason)


def entry_review(*, actor, entry, step: str, decision: str, quantity_approved=None, comment: str = "",
                 option: str | None = None, today: datetime.date | None = None,
                 seen_version: int | None = None, acknowledge_warnings: bool = False,
                 warnings_reason: str = "") -> CreditEntry:
    """One decision (workflow.APPROVE / REJECT / RETURN) at one step, as the table allows it: the
    pages, the API and the bulk approval call this; entry_school_review and the others are the
    same with the step named."""
    if step not in wf.STEPS:
        raise TransitionError(f"未知的审核步骤：{step}。")
    row = wf.STEPS[step]
    if decision not in row.decisions:
        raise TransitionError(f"{row.act}不能办理该操作。", field="decision")
    if decision == wf.RETURN:
        # Whoever holds the entry's current step returns it (as entry_return always has).
        return entry_return(actor=actor, entry=entry, comment=comment, today=today, seen_version=seen_version)
    with transaction.atomic():
        return _review(actor=actor, entry=entry, step=step, approve=decision == wf.APPROVE,
                       quantity_approved=quantity_approved, comment=comment, today=today, option=option,
                       seen_version=seen_version, acknowledge_warnings=acknowledge_warnings,
                       warnings_reason=warnings_reason)


@transaction.atomic
def entry_return(*, actor, entry, comment: str, today: datetime.date | None = None,
                 seen_version: int | None = None) -> CreditEntry:
    """Return for correction: whoever holds the current step sends it back to the submitter."""
    entry = lock_entry(entry)
    ensure_seen(entry, seen_version)
    ensure_not_sealed(entry.academic_year)
    require_state(entry, *wf.IN_REVIEW)
    row = wf.STEP_OF_STATE[entry.status]  # require_state: some step holds it
    role = require_step_role(actor, row.name, entry)
    ensure_window(entry.academic_year, row.window, today=today, school=entry.school)
    comment = (comment or "").strip()
    if not comment:
        raise TransitionError("退回修改须填写需要修改的内容。")
    from_state = entry.status
    entry.status = row.leads_to[wf.RETURN]
    entry.last_comment = comment[:500]
    entry.save(update_fields=["status", "last_comment", "updated_at"])
    record(entry, action=Action.RETURN, actor=actor, role=role, from_state=from_state, to_state=entry.status,
           changes={"status": [from_state, entry.status]}, comment=comment)
    notify_teacher(entry, f"学分登记被退回修改：{entry.title}", f"修改意见：{comment}")
    return entry


def _first_state(entry) -> str:
    return wf.first_state(entry.source)


@transaction.atomic
def entry_withdraw(*, actor, entry, today: datetime.date | None = None) -> CreditEntry:
    """The submitter takes back an entry nobody has reviewed yet."""
    entry = lock_entry(entry)
    ensure_not_sealed(entry.academic_year)
    role = submitter_role(actor, entry)
    if role is None:
        raise TransitionError("只有提交人可以撤回该登记。", kind="permission")
    if entry.status != _first_state(entry):
        raise TransitionError(
            f"该记录已被审核或状态已变化（当前状态：{entry.get_status_display()}），不能撤回。", kind="state"
        )
    from_state = entry.status
    entry.status = EntryStatus.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    record(entry, action=Action.WITHDRAW, actor=actor, role=role, from_state=from_state, to_state=entry.status,
           changes={"status": [from_state, entry.status]})
    return entry


def _apply_changes(entry, changes: dict, *, today) -> dict:
    """Applies the submitter's corrections; returns {field: [before, after]} of what changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"evidence_files"}
    if unknown:
        raise TransitionError(f"不能修改这些字段：{'、'.join(sorted(unknown))}。")
    merged = {
        "title": entry.title, "organizer": entry.organizer, "started_on": entry.started_on,
        "ended_on": entry.ended_on, "quantity": entry.quantity_claimed, "option": entry.option,
        "certificate_no": entry.certificate_no,
    }
    merged.update({k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
    values = _clean_values(item=entry.item, today=today, **merged)
    before = {f: getattr(entry, f) for f in values}
    before["academic_year"] = entry.academic_year
    before["item"] = entry.item
    year = _year_for(values["started_on"], values["ended_on"])
    item = entry.item
    if year.pk != entry.academic_year_id:
        ensure_window(year, Window.REGISTRATION, today=today, school=entry.school)
        values["academic_year"] = year
        values["item"] = item = _resolve_item(entry.item, year)
    # A correction is a claim like any other: the same limits, eligibility and duplicate checks.
    _check_claim(item=item, teacher=entry.teacher, values=values, year=year, exclude_pk=entry.pk)
    for field, value in values.items():
        setattr(entry, field, value)
    return diff(before, values)


@transaction.atomic
def entry_update(*, actor, entry, today: datetime.date | None = None, **changes) -> CreditEntry:
    """The submitter corrects an entry before anyone has reviewed it (an edit in the history)."""
    today = today_or(today)
    entry = lock_entry(entry)
    ensure_not_sealed(entry.academic_year)
    role = submitter_role(actor, entry)
    if role is None:
        raise TransitionError("只有提交人可以修改该登记。", kind="permission")
    if entry.status != _first_state(entry):
        raise TransitionError(
            f"该记录已被审核或状态已变化（当前状态：{entry.get_status_display()}），不能修改。", kind="state"
        )
    ensure_window(entry.academic_year, Window.REGISTRATION, today=today, school=entry.school)
    files = changes.pop("evidence_files", ())
    changed = _apply_changes(entry, changes, today=today)
    entry.credits = compute_credits(entry)
    entry.save(update_fields=[*CORRECTABLE_COLUMNS, "credits", "updated_at"])
    if files:
        added = attach_files(entry, files, actor=actor)
        changed["evidence"] = [None, [e.original_name for e in added]]
    if changed:
        record(entry, action=Action.EDIT, actor=actor, role=role, from_state=entry.status,
               to_state=entry.status, changes=changed)
    return entry


@transaction.atomic
def entry_resubmit(*, actor, entry, today: datetime.date | None = None, comment: str = "",
                   **changes) -> CreditEntry:
    """After a rejection, a return or a withdrawal, the submitter corrects and sends it again;
    the review chain starts over."""
    today = today_or(today)
    entry = lock_entry(entry)
    ensure_not_sealed(entry.academic_year)
    role = submitter_role(actor, entry)
    if role is None:
        raise TransitionError("只有提交人可以修改并重新提交该登记。", kind="permission")
    require_state(entry, *RESUBMITTABLE)
    _ensure_can_register(entry.teacher)
    # A withdrawn entry is sent anew, so registration must be open; a returned or rejected
    # one is a correction the review asked for and may follow until the reviews end.
    window = Window.REGISTRATION if entry.status == EntryStatus.WITHDRAWN else Window.SCHOOL_REVIEW
    ensure_window(entry.academic_year, window, today=today, school=entry.school)
    files = changes.pop("evidence_files", ())
    from_state = entry.status
    changed = _apply_changes(entry, changes, today=today)
    # Its proof may have been used for another entry since it was rejected or withdrawn.
    check_files(entry=entry, digests=entry.evidence.values_list("sha256", flat=True))
    if entry.quantity_approved is not None:
        changed["quantity_approved"] = [str(entry.quantity_approved), None]
    entry.quantity_approved = None
    entry.credits = compute_credits(entry)
    entry.status = _first_state(entry)
    entry.last_comment = (comment or "").strip()[:500]
    entry.save(update_fields=[*CORRECTABLE_COLUMNS, "quantity_approved", "credits", "status", "last_comment",
                              "updated_at"])
    if files:
        added = attach_files(entry, files, actor=actor, reviewed=entry.source == EntrySource.ADMIN_REGISTERED)
        changed["evidence"] = [None, [e.original_name for e in added]]
    changed["status"] = [from_state, entry.status]
    record(entry, action=Action.RESUBMIT, actor=actor, role=role, from_state=from_state, to_state=entry.status,
           changes=changed, comment=entry.last_comment)
    return entry


# ---------------------------------------------------------------------------------------------
# Bulk approval


@dataclass(frozen=True)
class BulkResult:
    entry_id: int
    ok: bool
    message: str
    status: str = ""


BULK_STEPS = wf.BULK_STEPS
# More entries than this run as a background Job with a progress bar.
BULK_JOB_THRESHOLD = 100


def _approve_one(*, actor, entry_id: int, step: str, today, seen_version=None) -> CreditEntry:
    return entry_review(actor=actor, entry=entry_id, step=step, decision=wf.APPROVE, today=today,
                        seen_version=seen_version)


def _versions(versions) -> dict[int, int]:
    out = {}
    for key, value in (versions or {}).items():
        try:
            out[int(key)] = int(value)
        except (TypeError, ValueError):
            raise TransitionError("页面版本号无效，请刷新后重新审核。", field="versions") from None
    return out


def entries_bulk_review(*, actor, entry_ids, step: str, today: datetime.date | None = None,
                        job=None, versions: dict | None = None) -> list[BulkResult]:
    """Approves many entries at one step. Each entry is its own transaction (all or nothing for
    that entry); one refusal does not stop the others. Entries outside the actor's scope are
    reported as not found. `versions` ({entry id: version seen}): an entry changed since is
    refused with what changed."""
    from accounts.jobs import job_progress

    from ..selectors import entries_for_user

    if step not in BULK_STEPS:
        raise TransitionError(f"未知的审核步骤：{step}。")
    ids = list(dict.fromkeys(int(i) for i in entry_ids))
    seen = _versions(versions)
    visible = set(entries_for_user(actor).filter(pk__in=ids).values_list("pk", flat=True))
    results = []
    for n, entry_id in enumerate(ids, start=1):
        if entry_id not in visible:
            results.append(BulkResult(entry_id, False, "未找到该记录，或不在您的管理范围内。"))
        else:
            try:
                entry = _approve_one(actor=actor, entry_id=entry_id, step=step, today=today,
                                     seen_version=seen.get(entry_id))
                results.append(BulkResult(entry_id, True, "已通过", entry.status))
            except TransitionError as exc:
                message = exc.message
                if exc.field == "acknowledge_warnings":
                    # A duplicate warning is acknowledged one entry at a time, on its page (or API call).
                    message = "有重复提示（另一位教师的登记使用同一证明材料或证书编号），请打开该记录核对并确认后逐条通过。"
                results.append(BulkResult(entry_id, False, message))
        if job is not None and (n % 20 == 0 or n == len(ids)):
            job_progress(job, done=n, total=len(ids))
    return results


def entries_bulk_review_start(*, actor, entry_ids, step: str, today: datetime.date | None = None,
                              versions: dict | None = None):
    """A large bulk approval as a Job: the page shows its progress bar and, at the end, the
    per-entry results (job.result["results"])."""
    from accounts.jobs import job_create, job_enqueue

    from ..tasks import bulk_review_task

    if step not in BULK_STEPS:
        raise TransitionError(f"未知的审核步骤：{step}。")
    # No background job for someone with nothing to review at this step (a teacher's 5,000 ids
    # would queue a job that refuses every one), and one unfinished bulk job per reviewer.
    from django.conf import settings

    from accounts.models import Job

    from .. import selectors

    if not selectors.review_queue(user=actor, step=step).exists():
        raise TransitionError("您没有该步骤待审核的登记，不能批量审核。", kind="permission")
    from accounts.jobs import stale_jobs

    unfinished = (Job.objects.filter(owner=actor, kind__startswith="bulk_review:",
                                     status__in=[Job.Status.PENDING, Job.Status.RUNNING])
                  .exclude(pk__in=stale_jobs().values("pk")).count())  # a dead worker's job does not block
    if unfinished >= settings.BULK_JOBS_PER_USER:
        raise TransitionError("您已有批量审核正在进行，请等其完成后再提交。", kind="conflict")
    ids = [int(i) for i in entry_ids]
    seen = {str(k): v for k, v in _versions(versions).items()}
    job = job_create(kind=f"bulk_review:{step}", owner=actor, total=len(ids))
    day = today.isoformat() if today else None
    transaction.on_commit(lambda: job_enqueue(job, bulk_review_task, job.pk, actor.pk, ids, step, day, seen or None))
    return job


def available_steps(user, entry) -> set[str]:
    """What `user` may do with `entry` now (for buttons): review steps, return, withdraw, resubmit.
    The calendar is checked when the action is taken."""
    actions = set()
    row = wf.step_for_state(entry.status)
    if row and entry.teacher.user_id != user.pk and step_role(user, row.name, entry) and not (
            row.not_by_actor_of and acted_by(entry, row.not_by_actor_of) == user.pk):
        actions |= {row.name} | {d for d in row.decisions if d != wf.APPROVE}
    if submitter_role(user, entry):
        if entry.status == _first_state(entry):
            actions |= {"withdraw", "edit"}
        if entry.status in RESUBMITTABLE:
            actions.add("resubmit")
    return actions
