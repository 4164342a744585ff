"""An entry's progress line (issue 14: what happens next, everywhere).

The chain 登记 → 校初审 → 分管校长签字 → 区县复核 → 市级确认登记, read from the workflow's table
(reviews.workflow: each step's state, window, actors and words) and the entry's audit trail: done steps with who and
when, the current step with who acts next and when its window opens / closes (reviews.calendar), the
steps still ahead with their windows, and a 退回 / 未通过 shown at the step that did it, with the reason.

`entry_progress` is the full line of the entry's page (two queries: the window extensions of the 学年
and the school's reviewers; the history is passed in). `compact_progress` is the list's one-line
version, from the status and source alone (no query), so a page of 20 entries costs nothing more.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.access import SCOPE_CITY, SCOPE_CITY_DIRECT
from accounts.models import Role, RoleAssignment
from credits.models import EntrySource, EntryStatus

from . import workflow as wf
from .calendar import _cn_date, extensions_for, window_range
from .models import Action

CHAIN = (("submit", "登记"), *((s.name, s.short) for s in wf.ENTRY_STEPS))
REVIEW_STEPS = tuple(wf.STEPS)
LAST_STEP = wf.ENTRY_STEPS[-1].name
# The transitions that (re)start the chain: the steps done are those after the latest of them.
START_ACTIONS = (Action.DECLARE, Action.SELF_REGISTER, Action.ADMIN_REGISTER, Action.RESUBMIT, Action.ROSTER,
                 Action.FEED)
# Where each state stands on the chain: the steps before it are done.
POSITION = {**{s.from_state: n for n, s in enumerate(wf.ENTRY_STEPS, start=1)},
            wf.ENTRY_STEPS[-1].leads_to[wf.APPROVE]: len(wf.ENTRY_STEPS) + 1}
SYSTEM_SOURCES = (EntrySource.ROSTER, EntrySource.FEED)


@dataclass
class ProgressStep:
    key: str
    label: str
    state: str  # done, current, todo, skipped, returned, rejected
    who: str = ""  # done: who did it; current / todo: who acts
    when: datetime.datetime | None = None
    window: str = ""  # current / todo: the window's dates or what it says today
    window_state: str = ""  # open, upcoming, closed
    reason: str = ""

    @property
    def state_label(self) -> str:
        return {"done": "已完成", "current": "当前", "todo": "待办", "skipped": "不需要", "returned": "退回修改",
                "rejected": "未通过"}[self.state]


@dataclass
class Progress:
    steps: list[ProgressStep] = field(default_factory=list)
    summary: str = ""
    tone: str = ""  # ok, wait, bad


def _who(t) -> str:
    if t.actor_id is None:
        return "系统"
    try:
        role = f"（{Role(t.role).label}）" if t.role else ""
    except ValueError:
        role = ""
    return f"{t.actor.display_name}{role}"


def _actors(entry) -> dict[str, str]:
    """Who acts at each review step of this entry, in words (the school's admins and leaders by name)."""
    names: dict[str, list[str]] = {Role.SCHOOL_ADMIN: [], Role.SCHOOL_LEADER: []}
    rows = (RoleAssignment.objects.filter(school_id=entry.school_id, role__in=list(names), user__is_active=True)
            .exclude(user_id=entry.teacher.user_id).select_related("user", "user__teacher_profile").order_by("user_id"))
    for ra in rows:
        names[ra.role].append(ra.user.display_name)

    def named(label, people):
        return f"{label}（{'、'.join(people[:3])}{'等' if len(people) > 3 else ''}）" if people else label

    district = entry.school.district

    def words(step) -> str:
        # The step's actor for this school: a 市直属学校's district step is the city's.
        actor = next((a for a in step.actors if (a.scope == SCOPE_CITY_DIRECT) == (district is None)
                      or a.scope == SCOPE_CITY), step.actors[0])
        if actor.role == Role.SCHOOL_ADMIN:
            return named("本校校管理员", names[Role.SCHOOL_ADMIN])
        if actor.role == Role.SCHOOL_LEADER:
            return named("本校分管校长", names[Role.SCHOOL_LEADER])
        if actor.role == Role.DISTRICT_ADMIN and district is not None:
            return f"{district.name}管理员"
        return "市教科院（市直属学校）" if actor.scope == SCOPE_CITY_DIRECT else step.who

    return {step.name: words(step) for step in wf.ENTRY_STEPS}


def _round(history) -> list:
    """The transitions of the current round: after the latest (re)submission."""
    start = max((i for i, t in enumerate(history) if t.action in START_ACTIONS), default=0)
    return history[start:]


def entry_progress(entry, *, history, today: datetime.date | None = None) -> Progress:
    today = today or timezone.localdate()
    history = list(history)
    current_round = _round(history)
    first = current_round[0] if current_round else None
    year = entry.academic_year
    extensions = extensions_for([year])
    actors = _actors(entry)

    def rng(step):
        return window_range(year, wf.STEPS[step].window, school=entry.school, extensions=extensions)

    steps = [ProgressStep("submit", "登记", "done", who=_who(first) if first else "",
                          when=first.at if first else None)]
    if first is not None and first.action == Action.RESUBMIT:
        steps[0].label = "登记（修改后重新提交）"
    done = {t.action: t for t in current_round if t.action in REVIEW_STEPS}
    ended = next((t for t in reversed(current_round) if t.action in (Action.RETURN, Action.REJECT)), None)
    system = entry.source in SYSTEM_SOURCES
    admin_registered = entry.source == EntrySource.ADMIN_REGISTERED
    position = POSITION.get(entry.status)
    ended_row = wf.step_for_state(ended.from_state) if ended is not None else None
    ended_at = ended_row.name if ended_row is not None else None
    # Steps before the state an entry is created in (the school admin's registration) are not needed.
    first_position = POSITION.get(wf.first_state(entry.source), 1)

    for n, (key, label) in enumerate(CHAIN[1:], start=1):
        step = ProgressStep(key, label, "todo", who=actors[key])
        if system and key != LAST_STEP:
            step.state, step.who = "skipped", "系统认定，无需审核"
        elif system:
            step.state, step.who, step.when = "done", steps[0].who, steps[0].when
        elif admin_registered and n < first_position:
            step.state, step.who = "skipped", "校管理员凭证书代为登记，已核对原件"
        elif key in done and (position is None or n < position or ended_at is not None):
            t = done[key]
            step.state, step.who, step.when = "done", _who(t), t.at
            if t.comment:
                step.reason = t.comment
        elif ended is not None and ended_at == key:
            step.state = "returned" if ended.action == Action.RETURN else "rejected"
            step.who, step.when, step.reason = _who(ended), ended.at, ended.comment
        elif position is not None and n == position:
            step.state = "current"
        if step.state in ("current", "todo"):
            r = rng(key)
            step.window_state = r.state(today)
            step.window = r.notice(today) if step.state == "current" else (
                f"{_cn_date(r.opens)}至{_cn_date(r.closes, with_year=r.closes.year != r.opens.year)}")
        steps.append(step)

    return Progress(steps, *_summary(entry, steps, rng, today))


def _summary(entry, steps, rng, today) -> tuple[str, str]:
    status = entry.status
    current = next((s for s in steps if s.state == "current"), None)
    submitter = "校管理员" if entry.source == EntrySource.ADMIN_REGISTERED else "教师"
    if status == EntryStatus.CONFIRMED:
        return "已确认登记：学分已计入，学年封存后不再变化。", "ok"
    if status in (EntryStatus.RETURNED, EntryStatus.REJECTED):
        r = rng(wf.ENTRY_STEPS[0].name)
        what = "退回修改" if status == EntryStatus.RETURNED else "未通过"
        reason = f"（理由：{entry.last_comment}）" if entry.last_comment else ""
        return (f"{what}{reason}。下一步：{submitter}修改后重新提交，审核从头开始；{r.notice(today)}。", "bad")
    if status == EntryStatus.WITHDRAWN:
        return f"已撤回：不计学分。{submitter}可以修改后重新提交。", "bad"
    if status == EntryStatus.LATE:
        return "未按期审核：学年封存时仍在审核中，已关闭，不计学分。", "bad"
    if current is None:
        return "", ""
    counted = "学分已计入（已复核）。" if status == EntryStatus.DISTRICT_REVIEWED else ""
    when = current.window
    if current.window_state == "upcoming":
        when = f"{current.window}，开放后办理"
    elif current.window_state == "closed":
        when = f"{current.window}，请联系{current.who}"
    return f"{counted}下一步：{current.label}，由{current.who}办理；{when}。", "ok" if counted else "wait"


def compact_progress(entry) -> list[tuple[str, str]]:
    """[(label, state)] for the list's one-line progress: from the status and source alone."""
    position = POSITION.get(entry.status)
    system = entry.source in SYSTEM_SOURCES
    admin = entry.source == EntrySource.ADMIN_REGISTERED
    bad = entry.status in (EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.WITHDRAWN, EntryStatus.LATE)
    # A returned, rejected or withdrawn entry starts over: its line is marked at the start.
    out = [("登记", "bad" if bad else "done")]
    first_position = POSITION.get(wf.first_state(entry.source), 1)
    for n, (key, label) in enumerate(CHAIN[1:], start=1):
        if (system and key != LAST_STEP) or (admin and n < first_position):
            state = "skipped"
        elif bad:
            state = "todo"
        elif position is not None and n < position:
            state = "done"
        elif position is not None and n == position:
            state = "current"
        else:
            state = "todo"
        out.append((label, state))
    return out
