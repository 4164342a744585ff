"""The 审证 state machine of a school's 学年, as one table (DESIGN.md, "How the code is
arranged" 2). Services, pages, menus and home cards read it; a step's name is written once.

    未上报 / 已退回 ──submit (校管理员)──▶ 已上报 ──review (区县；市直属由市教科院)──▶ 已审核 ──check (市教科院)──▶ 已核对
                               已上报 / 已审核 ──return (区县，须填写理由)──▶ 已退回

Who acts (`actor`) is decided by accounts.access; when (`window`) by reviews.calendar for the
school's scope (a 市直属学校's review is 9月12日–30日).
"""

from dataclasses import dataclass

from reviews.models import Window

from .models import HandInAction, HandInStatus

SCHOOL = "school_admin"  # accounts.access.can_hand_in
DISTRICT_STEP = "district_step"  # accounts.access.can_review_hand_in: the district, the city for 市直属
CITY = "city_staff"  # accounts.access.can_check_hand_ins


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    actor: str
    window: str
    button: str
    needs_reason: bool = False


STEPS: dict[str, Step] = {step.name: step for step in (
    Step(HandInAction.SUBMIT, "学校上报", (HandInStatus.NOT_SUBMITTED, HandInStatus.RETURNED), HandInStatus.SUBMITTED,
         actor=SCHOOL, window=Window.SCHOOL_REVIEW, button="上报本校学年"),
    Step(HandInAction.REVIEW, "审核通过", (HandInStatus.SUBMITTED,), HandInStatus.REVIEWED,
         actor=DISTRICT_STEP, window=Window.DISTRICT_REVIEW, button="审核通过"),
    Step(HandInAction.RETURN, "退回学校", (HandInStatus.SUBMITTED, HandInStatus.REVIEWED), HandInStatus.RETURNED,
         actor=DISTRICT_STEP, window=Window.DISTRICT_REVIEW, button="退回学校修改", needs_reason=True),
    Step(HandInAction.CHECK, "市级核对", (HandInStatus.REVIEWED,), HandInStatus.CHECKED,
         actor=CITY, window=Window.CITY_SEAL, button="核对"),
)}


def steps_from(status: str, actor: str | None = None) -> list[Step]:
    """The steps that may leave `status` (for one kind of actor), in table order."""
    return [s for s in STEPS.values() if status in s.from_states and (actor is None or s.actor == actor)]
