"""The state machines of a teacher's account and of a profile change request, each one table
(core.machine). Who acts (`actor`) is decided by accounts.access for the object's school.

    account:         (new) ─add (校管理员)─▶ 待审核 ─review (区县；市直属由市教科院)─▶ 已审核 / 审核未通过
                     审核未通过, or an 已审核 one whose identity changed ─edit─▶ 待审核
                     any ─deactivate─▶ 已停用 ─reactivate─▶ the state it had before
    change request:  (new) ─submit (教师)─▶ 待学校核对 ─check (校管理员)─▶ 待区县审批 ─decide (区县)─▶ 已批准
                     待学校核对 / 待区县审批 ─(不通过，须填写原因)─▶ 未通过
"""

from core.machine import NEW, Machine, Step

from .models import AccountStatus, ProfileChangeRequest

APPROVE, REJECT = "approve", "reject"
# An account edited back into review (the school fixed a 审核未通过 one, or changed an 已审核 one's identity).
REVIEW_AGAIN = "review_again"

# The steps' names (the services ask the tables by them).
ACCOUNT_ADD = "account_add"
ACCOUNT_REVIEW = "account_review"
ACCOUNT_EDIT = "account_edit"
ACCOUNT_TRANSFER = "account_transfer"
ACCOUNT_REQUEST_CHANGE = "account_request_change"
ACCOUNT_DEACTIVATE = "account_deactivate"
ACCOUNT_REACTIVATE = "account_reactivate"
CHANGE_SUBMIT = "change_submit"
CHANGE_CHECK = "change_check"
CHANGE_DECIDE = "change_decide"

_A = AccountStatus
_LIVE = (_A.PENDING, _A.APPROVED, _A.REJECTED)

ACCOUNT = Machine("教师账号", (
    Step(ACCOUNT_ADD, "添加教师", (NEW,), {APPROVE: _A.PENDING}, actor="school_admin"),
    Step(ACCOUNT_REVIEW, "审核", (_A.PENDING,), {APPROVE: _A.APPROVED, REJECT: _A.REJECTED}, actor="district_step",
         refused="该账号当前状态为“{state}”，只有待审核的账号可以审核。", needs_reason=(REJECT,)),
    Step(ACCOUNT_EDIT, "修改", _LIVE, {REVIEW_AGAIN: _A.PENDING}, actor="school_admin",
         refused="该账号已停用，请先恢复后再修改。"),
    Step(ACCOUNT_TRANSFER, "调动", _LIVE, {}, actor="school_admin", refused="该账号已停用，不能办理调动。"),
    Step(ACCOUNT_REQUEST_CHANGE, "申请变更", _LIVE, {}, actor="teacher", refused="账号已停用，不能申请变更。"),
    Step(ACCOUNT_DEACTIVATE, "停用", _LIVE, {APPROVE: _A.INACTIVE}, actor="school_admin", refused="该账号已经停用。",
         needs_reason=(APPROVE,)),
    # Back to the state it had before it was stopped (the decision is that state).
    Step(ACCOUNT_REACTIVATE, "恢复", (_A.INACTIVE,), {state: state for state in _LIVE}, actor="school_admin",
         refused="该账号未停用。"),
))

_C = ProfileChangeRequest.Status
CHANGE_REQUEST = Machine("信息变更申请", (
    Step(CHANGE_SUBMIT, "申请变更", (NEW,), {APPROVE: _C.PENDING}, actor="teacher"),
    Step(CHANGE_CHECK, "核对", (_C.PENDING,), {APPROVE: _C.SCHOOL_CHECKED, REJECT: _C.REJECTED}, actor="school_admin",
         refused="该申请当前为“{state}”，不能再由学校核对。", needs_reason=(REJECT,)),
    Step(CHANGE_DECIDE, "审批", (_C.SCHOOL_CHECKED,), {APPROVE: _C.APPROVED, REJECT: _C.REJECTED}, actor="district_step",
         refused="该申请当前为“{state}”，须先经学校核对才能审批。", needs_reason=(REJECT,)),
))
# A request in one of these states is still being reviewed: the teacher may not send another.
CHANGE_REQUEST_OPEN = tuple(s for step in CHANGE_REQUEST.steps.values() for s in step.from_states if s != NEW)
