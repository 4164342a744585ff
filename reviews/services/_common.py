"""Shared pieces of the workflow services: locking, the audit row, credits, roles, notices."""

from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.access import acting_role, schools_for_role
from accounts.models import Role
from credits.models import CreditEntry, EntrySource, EntryStatus

from .. import workflow as wf
from ..errors import TransitionError
from ..models import Action, EntryTransition

# What each step needs and allows is the workflow's table (reviews.workflow).
RESUBMITTABLE = wf.RESUBMITTABLE


def lock_entry(entry) -> CreditEntry:
    """Re-read the entry under a row lock (only the entry row: `of=self` keeps the 学年 and
    the item rows free for everyone else)."""
    pk = entry.pk if isinstance(entry, CreditEntry) else entry
    try:
        return (
            CreditEntry.objects.select_for_update(of=("self",))
            .select_related("school", "academic_year", "item", "teacher__user")
            .get(pk=pk)
        )
    except CreditEntry.DoesNotExist:
        raise TransitionError("未找到该学分登记。", kind="invalid") from None


# ---------------------------------------------------------------------------------------------
# The version a reviewer saw (issue 9: decisions on what was seen)
#
# Every change of an entry writes an EntryTransition, so the id of its latest transition is
# the entry's version. A review action carries the version the reviewer saw; under the row
# lock the service compares it with the current one and refuses (409, kind "stale") when the
# entry changed since, saying what changed.

FIELD_LABELS = {
    "title": "培训内容", "organizer": "主办单位", "started_on": "开始日期", "ended_on": "结束日期",
    "quantity_claimed": "申报数量", "quantity_approved": "核定数量", "option": "等级 / 选项",
    "credits": "学分", "status": "状态", "item": "项目", "academic_year": "学年", "evidence": "证明材料",
    "last_comment": "意见",
}


def entry_version(entry) -> int:
    """The id of the entry's latest transition (0 before any)."""
    pk = entry.pk if isinstance(entry, CreditEntry) else entry
    return EntryTransition.objects.filter(entry_id=pk).aggregate(v=Max("id"))["v"] or 0


def _show(field: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if field == "status":
        try:
            return EntryStatus(value).label
        except ValueError:
            return str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if field in ("quantity_claimed", "quantity_approved", "credits"):
        from core.formatting import format_credits

        return format_credits(value)
    return str(value)


def describe_transition(t: EntryTransition) -> str:
    """"3月15日 10:02 李老师（教师）修改：申报数量 3 → 90"."""
    from accounts.models import Role as _Role

    who = t.actor.display_name if t.actor else "系统"
    try:
        role = f"（{_Role(t.role).label}）" if t.role else ""
    except ValueError:
        role = ""
    at = timezone.localtime(t.at)
    text = f"{at.month}月{at.day}日 {at:%H:%M} {who}{role}{t.get_action_display()}"
    shown = [f"{FIELD_LABELS.get(k, k)} {_show(k, v[0])} → {_show(k, v[1])}"
             for k, v in (t.changes or {}).items() if isinstance(v, list) and len(v) == 2 and k in FIELD_LABELS]
    return text + ("：" + "；".join(shown) if shown else "")


def ensure_seen(entry, seen_version) -> None:
    """Refuses (kind "stale") when the entry changed since the reviewer saw `seen_version`.
    None means the caller saw nothing to compare (internal callers, the demo data)."""
    if seen_version in (None, ""):
        return
    try:
        seen = int(seen_version)
    except (TypeError, ValueError):
        raise TransitionError("页面版本号无效，请刷新后重新审核。", kind="invalid", field="version") from None
    current = entry_version(entry)
    if seen == current:
        return
    since = list(EntryTransition.objects.filter(entry_id=entry.pk, id__gt=seen).select_related("actor").order_by("id"))
    changes = [describe_transition(t) for t in since]
    what = "；".join(changes) if changes else "记录已变化"
    # Someone else reviewed it meanwhile: say so first, as a refused late decision always did.
    moved = any(t.from_state != t.to_state for t in since)
    head = (f"该记录已被审核或状态已变化（当前状态：{entry.get_status_display()}），" if moved else "") + "该记录在您打开之后已有变化"
    raise TransitionError(
        f"{head}，本次操作未保存。变化：{what}。请刷新页面，查看最新内容后重新审核。",
        kind="stale", field="version", details={"version": current, "seen_version": seen, "changes": changes},
    )


def record(entry, *, action: str, actor, role: str, from_state: str, to_state: str,
           changes: dict | None = None, comment: str = "") -> EntryTransition:
    """The audit row of a change of `entry` — and, in the same transaction, the teacher's row of
    the per-学年 totals table (every change of an entry passes here: declarations, reviews,
    corrections, rosters, feeds). A correction that moved the entry to another 学年 refreshes
    both years."""
    from credits.services import teacher_year_totals_refresh

    row = EntryTransition.objects.create(
        entry=entry, action=action, actor=actor, role=role or "", at=timezone.now(),
        from_state=from_state, to_state=to_state, changes=changes or {}, comment=comment[:500],
    )
    years = {entry.academic_year_id}
    moved = (changes or {}).get("academic_year")
    if moved and moved[0]:
        years.add(int(moved[0]))
    for year_id in sorted(years):
        teacher_year_totals_refresh(teacher_id=entry.teacher_id, academic_year_id=year_id)
    return row


def compute_credits(entry) -> Decimal:
    """The standalone value of the entry (year caps and unit pooling are the engine's, at total time)."""
    from credits.rules import RuleError, entry_credits, rule_from_item

    try:
        return entry_credits(rule_from_item(entry.item), entry.quantity, entry.option or "")
    except RuleError as exc:
        raise TransitionError(str(exc)) from None


def as_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def diff(before: dict, after: dict) -> dict:
    return {k: [as_json(before.get(k)), as_json(v)] for k, v in after.items() if before.get(k) != v}


def to_decimal(value, *, field: str = "数量") -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise TransitionError(f"{field}须为数字。") from None
    if not result.is_finite():
        raise TransitionError(f"{field}须为数字。")
    return result


def step_role(actor, step: str, entry) -> str | None:
    """The role in which `actor` may take `step` on `entry` (the step's actors, resolved by
    accounts.access), or None."""
    return acting_role(actor, wf.STEPS[step].actors, entry.school_id)


def require_step_role(actor, step: str, entry) -> str:
    row = wf.STEPS[step]
    role = step_role(actor, step, entry)
    if role is None:
        raise TransitionError(f"{row.label}须由{row.who}办理，您无权操作该记录。", kind="permission")
    if entry.teacher.user_id == actor.pk:
        raise TransitionError("不能审核本人的学分登记。", kind="permission")
    if row.not_by_actor_of and acted_by(entry, row.not_by_actor_of) == actor.pk:
        raise TransitionError(f"您已办理该记录的{wf.STEPS[row.not_by_actor_of].act}，{row.act}须由另一位"
                              f"{Role(role).label}办理。", kind="permission")
    return role


def acted_by(entry, step: str) -> int | None:
    """Who last approved `step` of the entry: the notice has the school admin check the originals
    and the 分管校长 sign, so one person must not do both (EntryStep.not_by_actor_of)."""
    return (
        EntryTransition.objects.filter(entry=entry, action=step)
        .order_by("-at", "-id").values_list("actor_id", flat=True).first()
    )


def verified_by(entry) -> int | None:
    """Who did the 初审 that brought the entry to its current sign-off."""
    return acted_by(entry, wf.SCHOOL_REVIEW)


def require_state(entry, *expected) -> None:
    if entry.status not in expected:
        raise TransitionError(
            f"该记录已被审核或状态已变化（当前状态：{entry.get_status_display()}），请刷新后查看。", kind="state"
        )


def submitter_role(actor, entry) -> str | None:
    """Who may withdraw, correct and resubmit: the teacher for their own claims, the school
    admins of the entry's school for what a school admin registered."""
    if entry.source == EntrySource.ADMIN_REGISTERED:
        ok = schools_for_role(actor, Role.SCHOOL_ADMIN).filter(pk=entry.school_id).exists()
        return Role.SCHOOL_ADMIN if ok else None
    return Role.TEACHER if entry.teacher.user_id == actor.pk else None


def entry_url(entry) -> str:
    try:
        return reverse("reviews:entry_detail", args=[entry.pk])
    except NoReverseMatch:
        return ""


def notify_teacher(entry, title: str, body: str = "") -> None:
    """The teacher, and the school admin who registered it for them, hear of a rejection or return."""
    from accounts.services import notify

    url = entry_url(entry)
    notify(entry.teacher.user, title, body, url)
    if entry.created_by_id != entry.teacher.user_id and entry.created_by.is_active:
        notify(entry.created_by, title, f"{entry.teacher.name}：{body}", url)


def notify_counted(entry, *, step: str) -> None:
    """Good news for the teacher, in the same transaction as the step: "已计入" when the district's
    复核 passed it (it counts in the totals from now on), "已确认" at the city's 确认登记 (the words
    are the step's row in reviews.workflow)."""
    from accounts.services import notify
    from core.formatting import format_credits

    notice = wf.STEPS[step].approved_notice
    if notice is None:
        return
    title, body = notice
    values = {"title": entry.title, "item": entry.item.name, "credits": f"{format_credits(entry.credits)} 学分",
              "year": entry.academic_year.label}
    notify(entry.teacher.user, title.format(**values), body.format(**values), entry_url(entry))


__all__ = [
    "Action", "EntryStatus", "RESUBMITTABLE",
    "acted_by", "as_json", "compute_credits", "describe_transition", "diff", "ensure_seen", "entry_url", "entry_version",
    "lock_entry", "notify_counted", "notify_teacher", "record",
    "require_state", "require_step_role", "step_role", "submitter_role", "to_decimal", "verified_by",
]
