"""The review chain of a CreditEntry as one table (DESIGN.md, "How the code is arranged" 2).

One row per step: the state it acts from and the state each decision leads to, who may act
(a role and the scope, resolved by accounts.access), the calendar window, its labels, and what
the reviewer may do. Services, queue selectors, pages, API, serializer choices, the menu and the
home cards read it; a step's name is written here and nowhere else (tests/reviews/test_workflow.py).

    submitted ─school_review─▶ school_verified ─leader_sign─▶ school_approved
              ─district_review─▶ district_reviewed ─confirm─▶ confirmed

An item with a document (admin_register) is registered by the school admin, who holds the
original, and starts at school_approved. Every step may return the entry for correction; every
step but the city's confirm may reject it. The submitter's own moves (withdraw, edit, resubmit)
and the entries that start counted (rosters, feeds) are `SUBMITTER_MOVES` and `CREATED_AS`.

The calendar's windows are declared here too, as the steps (and audits.workflow) name them;
their dates are reviews.calendar's.
"""

from dataclasses import dataclass, field

from django.db import models

from accounts.access import SCOPE_CITY, SCOPE_CITY_DIRECT, SCOPE_OWN
from accounts.models import Role
from core.machine import NEW, Machine, Step
from credits.models import OPEN_STATUSES, EntrySource, EntryStatus


class Window(models.TextChoices):
    """The windows of a 学年's calendar (dates on credits.AcademicYear, see reviews.calendar)."""

    REGISTRATION = "registration", "学分登记"
    BASE_ROSTER = "base_roster", "基地校花名册报送"
    SCHOOL_REVIEW = "school_review", "学校初审"
    DISTRICT_REVIEW = "district_review", "区县复核"
    CITY_SEAL = "city_seal", "市级核对封存"


# A reviewer's decisions (the review form's and the API's words).
APPROVE, REJECT, RETURN = "approve", "reject", "return"


@dataclass(frozen=True)
class Actor:
    """Who may take a step: a role, within a scope (accounts.access.SCOPE_*), with the words the
    menu and the home card use for that role's queue."""

    role: str
    scope: str
    menu: str
    home: str


@dataclass(frozen=True)
class EntryStep:
    name: str
    act: str  # the step in a word: "初审"
    label: str  # the audit trail's word (EntryTransition.action)
    short: str  # in notices: "校初审未通过"
    title: str  # the queue page and the review form
    who: str  # in a refusal: "初审须由该校的校管理员办理"
    from_state: str
    leads_to: dict[str, str]  # decision → state
    actors: tuple[Actor, ...]
    window: str
    api_path: str
    bulk: bool = True
    approve_fewer: bool = False  # 核减后通过: fewer 学时 than claimed, with a reason
    lower_option: bool = False  # a lower 等级 than claimed, with a reason
    checks_evidence: bool = False  # approving marks the proof files as reviewed
    # The step whose actor may not take this one on the same entry (one person checks, another signs).
    not_by_actor_of: str | None = None
    # The teacher's notice when the step passes the entry: (title, body) with {title} {item} {credits} {year}.
    approved_notice: tuple[str, str] | None = None
    decisions: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "decisions", tuple(self.leads_to))

    @property
    def may_reject(self) -> bool:
        return REJECT in self.leads_to

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.role for a in self.actors))


ENTRY_STEPS: tuple[EntryStep, ...] = (
    EntryStep(
        name="school_review", act="初审", label="校管理员初审", short="校初审", title="初审（校管理员）", who="该校的校管理员",
        from_state=EntryStatus.SUBMITTED,
        leads_to={APPROVE: EntryStatus.SCHOOL_VERIFIED, RETURN: EntryStatus.RETURNED, REJECT: EntryStatus.REJECTED},
        actors=(Actor(Role.SCHOOL_ADMIN, SCOPE_OWN, menu="初审", home="待初审"),),
        window=Window.SCHOOL_REVIEW, api_path="school-review",
        approve_fewer=True, lower_option=True, checks_evidence=True,
    ),
    EntryStep(
        name="leader_sign", act="签字确认", label="分管校长签字确认", short="分管校长签字", title="签字确认（分管校长）",
        who="该校的分管校长",
        from_state=EntryStatus.SCHOOL_VERIFIED,
        leads_to={APPROVE: EntryStatus.SCHOOL_APPROVED, RETURN: EntryStatus.RETURNED, REJECT: EntryStatus.REJECTED},
        actors=(Actor(Role.SCHOOL_LEADER, SCOPE_OWN, menu="签字确认", home="待签字确认"),),
        window=Window.SCHOOL_REVIEW, api_path="leader-sign",
        not_by_actor_of="school_review",
    ),
    EntryStep(
        name="district_review", act="复核", label="区县复核", short="区县复核", title="复核（区县 / 市直属由市教科院）",
        who="该校所属区（市）县的管理员（市直属学校为市教科院）",
        from_state=EntryStatus.SCHOOL_APPROVED,
        leads_to={APPROVE: EntryStatus.DISTRICT_REVIEWED, RETURN: EntryStatus.RETURNED,
                  REJECT: EntryStatus.REJECTED},
        # A 市直属学校 has no district: the city office does the district's step.
        actors=(Actor(Role.DISTRICT_ADMIN, SCOPE_OWN, menu="复核", home="待复核"),
                Actor(Role.CITY_STAFF, SCOPE_CITY_DIRECT, menu="市直属学校复核", home="市直属学校待复核")),
        window=Window.DISTRICT_REVIEW, api_path="district-review",
        approve_fewer=True, checks_evidence=True,
        approved_notice=("学分已计入：{title}", "「{item}」{credits}已通过区县复核，计入{year}学年的学分（学年上限另计）。"
                                             "打开登记可查看学分是怎么算的。"),
    ),
    EntryStep(
        name="confirm", act="确认登记", label="继教网确认登记", short="市级确认登记", title="确认登记（市教科院）",
        who="市教科院教师发展研究所",
        from_state=EntryStatus.DISTRICT_REVIEWED,
        leads_to={APPROVE: EntryStatus.CONFIRMED, RETURN: EntryStatus.RETURNED},
        actors=(Actor(Role.CITY_STAFF, SCOPE_CITY, menu="确认登记", home="待确认登记"),),
        window=Window.CITY_SEAL, api_path="confirm",
        approved_notice=("学分已确认：{title}", "「{item}」{credits}已由市教科院确认登记（继教网），{year}学年封存后不再变化。"),
    ),
)

STEPS: dict[str, EntryStep] = {s.name: s for s in ENTRY_STEPS}
# The names, for code that means one step (services, the API actions, the audit trail's actions).
SCHOOL_REVIEW, LEADER_SIGN, DISTRICT_REVIEW, CONFIRM = (s.name for s in ENTRY_STEPS)
STEP_OF_STATE: dict[str, EntryStep] = {s.from_state: s for s in ENTRY_STEPS}
BULK_STEPS = tuple(s.name for s in ENTRY_STEPS if s.bulk)
# The states some step acts on (a reviewer holds the entry).
IN_REVIEW = tuple(STEP_OF_STATE)


def step_for_state(status: str) -> EntryStep | None:
    """The step that acts on an entry in `status` (None: nobody reviews it now)."""
    return STEP_OF_STATE.get(status)


def steps_of_role(role: str) -> list[tuple[EntryStep, Actor]]:
    """The steps `role` may take, in chain order (the menu's and the home page's queues)."""
    return [(s, a) for s in ENTRY_STEPS for a in s.actors if a.role == role]


# ---------------------------------------------------------------------------------------------
# The other moves of an entry: how it starts, and what its submitter may do with it.

# The state an entry starts in, by where it comes from.
CREATED_AS: dict[str, str] = {
    EntrySource.DECLARED: EntryStatus.SUBMITTED,
    EntrySource.SELF_REGISTERED: EntryStatus.SUBMITTED,
    # The school admin holds the original: the district step is next.
    EntrySource.ADMIN_REGISTERED: EntryStatus.SCHOOL_APPROVED,
    # Reviewed where they come from (the roster by the district, a feed by its system).
    EntrySource.ROSTER: EntryStatus.CONFIRMED,
    EntrySource.FEED: EntryStatus.CONFIRMED,
}
# Corrected by the submitter and sent again: back to the state it was created in.
RESUBMITTABLE = (EntryStatus.RETURNED, EntryStatus.REJECTED, EntryStatus.WITHDRAWN)
# How an entry is created, by source (the audit trail's first action).
CREATION_ACTIONS: dict[str, tuple[str, ...]] = {
    EntrySource.DECLARED: ("declare",),
    EntrySource.SELF_REGISTERED: ("self_register",),
    EntrySource.ADMIN_REGISTERED: ("admin_register",),
    EntrySource.ROSTER: ("roster",),
    EntrySource.FEED: ("feed",),
}


def first_state(source: str) -> str:
    """The state an entry of `source` is created in; the submitter may withdraw or edit it there."""
    return CREATED_AS[source]


def transitions(source: str) -> set[tuple[str, str, str]]:
    """Every (action, from state, to state) an entry of `source` may take: the review steps, the
    submitter's withdraw / edit / resubmit, the proof files, a feed's correction, and the seal's
    closing of what was still open (EntryStatus.LATE). The services make no other move."""
    first = first_state(source)
    moves = {(action, "", first) for action in CREATION_ACTIONS[source]}
    for s in ENTRY_STEPS:
        for decision, state in s.leads_to.items():
            moves.add((s.name if decision == APPROVE else decision, s.from_state, state))
    moves |= {("withdraw", first, EntryStatus.WITHDRAWN), ("edit", first, first)}
    moves |= {("resubmit", state, first) for state in RESUBMITTABLE}
    for state in EntryStatus.values:
        moves |= {("evidence_add", state, state), ("evidence_remove", state, state)}
    if source == EntrySource.FEED:
        moves.add(("feed_correct", EntryStatus.CONFIRMED, EntryStatus.CONFIRMED))
    moves |= {("close_late", state, EntryStatus.LATE) for state in OPEN_STATUSES}
    return moves


# ---------------------------------------------------------------------------------------------
# A 基地校's 花名册 (附件1, notice 三(二)2): uploaded (again, until reviewed), reviewed by the base
# school's district (the city for a 市直属 one), a 市级基地校's then by the city.

class RosterStatus(models.TextChoices):
    SUBMITTED = "submitted", "待区县审核"
    DISTRICT_APPROVED = "district_approved", "待市教科院复审"
    APPROVED = "approved", "已认定"
    REJECTED = "rejected", "未通过"


# A roster in one of these states has been reviewed: it can be neither uploaded again nor changed.
ROSTER_FROZEN_STATUSES = (RosterStatus.DISTRICT_APPROVED, RosterStatus.APPROVED)
_R = RosterStatus
ROSTER_SUBMIT, ROSTER_DISTRICT_REVIEW, ROSTER_CITY_REVIEW = "submit_roster", "district_review_roster", "city_review_roster"
ROSTER_TO_CITY = "to_city"  # the district's approval of a 市级基地校's roster
ROSTER = Machine("花名册", (
    Step(ROSTER_SUBMIT, "报送花名册", (NEW, _R.SUBMITTED, _R.REJECTED), {APPROVE: _R.SUBMITTED},
         actor=Role.BASE_SCHOOL_ADMIN, refused="该花名册已经审核，不能再次上传或修改。"),
    # A 市级基地校's roster goes on to the city; a 区级 one is credited at once.
    Step(ROSTER_DISTRICT_REVIEW, "审核", (_R.SUBMITTED,),
         {APPROVE: _R.APPROVED, ROSTER_TO_CITY: _R.DISTRICT_APPROVED, REJECT: _R.REJECTED},
         actor="district_step", refused="该花名册已被审核（当前状态：{state}）。", needs_reason=(REJECT,)),
    Step(ROSTER_CITY_REVIEW, "复审", (_R.DISTRICT_APPROVED,), {APPROVE: _R.APPROVED, REJECT: _R.REJECTED},
         actor=Role.CITY_STAFF, refused="该花名册当前不在市级复审阶段（当前状态：{state}）。",
         needs_reason=(REJECT,)),
))
