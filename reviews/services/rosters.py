"""基地校 rosters (notice 二(三)1(2), 附件1).

A 基地校 admin submits the training plan, the summary and the 花名册 (Excel, 附件1 columns
序号, 学校, 账号, 姓名, 学科, 学段, 学时, 学分) before 6月20日. Each row is matched to a teacher
account by 账号 and 姓名; rows that do not match are kept with their error and get no credits.
District review follows; a city 基地校 then goes to the city. A 市直属 base school goes to the
city alone. On final approval every valid row becomes a confirmed entry of the roster item;
the year cap (40 city / 25 district) is the engine's, through the item's cap group.
A reviewed roster can be neither uploaded again nor changed (a rejected one may be corrected).
"""

import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.access import district_step_schools, has_role, schools_for_role
from accounts.models import BaseLevel, Role
from core.files import FileRejected, Limits, open_sheet
from core.machine import NEW
from credits.checks import eligibility_problem, quantity_problem
from credits.models import (
    AcademicYear,
    CreditEntry,
    CreditItem,
    EntrySource,
    EntryStatus,
    Flow,
)

from .. import workflow as wf
from ..calendar import ensure_not_sealed, ensure_window, today_or
from ..errors import TransitionError
from ..models import Action, Roster, RosterRow, RosterStatus, Window
from ._common import compute_credits, record, to_decimal

COLUMNS = ("序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分")
FIELDS = ("seq", "school_name", "username", "name", "subject", "stage", "hours", "credits")
# The roster item of each base level in the catalogue (flow roster; its cap group carries the
# 40 / 25 cap shared with the base school's other activities).
ROSTER_ITEM_CODES: dict[str, str] = {BaseLevel.CITY: "base_city_roster", BaseLevel.DISTRICT: "base_district_roster"}


def roster_template_workbook(academic_year: AcademicYear | None = None) -> bytes:
    """附件1 as an empty Excel form to download and fill in."""
    label = academic_year.label if academic_year else "____-____"
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([f"成都市{label}校本研修参培人员花名册"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["     区      学校（公章）：             填表人：          电话：      "])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    ws.append(list(COLUMNS))
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEFGH", (6, 24, 16, 10, 10, 8, 8, 8), strict=False):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def roster_item_for(level: str, academic_year: AcademicYear) -> CreditItem:
    from credits.selectors import item_for

    try:
        item = item_for(ROSTER_ITEM_CODES[level], academic_year)
    except (KeyError, CreditItem.DoesNotExist):
        item = None
    if item is None or item.flow != Flow.ROSTER or not item.is_active:
        raise TransitionError("学分项目目录中缺少基地校花名册项目，请联系市教科院。")
    return item


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


ROSTER_LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=5000, label="花名册")


def parse_roster(upload) -> list[dict]:
    """Rows of the 花名册 as dicts (with the Excel line), from the header row on. The file goes
    through core.files: size, unpacked size and row limits are checked before and while it is
    streamed, so a sheet of two million rows is refused in bounded memory and time."""
    try:
        with open_sheet(upload, ROSTER_LIMITS) as sheet:
            header = sheet.find_header(lambda cells: "账号" in cells and "姓名" in cells)
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise TransitionError(f"花名册缺少列：{'、'.join(missing)}。")
            index = {c: header.index(c) for c in COLUMNS}
            parsed = []
            for line, row in sheet.rows():
                cells = [_cell(c) for c in row]
                values = {field: cells[index[col]] for col, field in zip(COLUMNS, FIELDS, strict=False)}
                if not any(values.values()):
                    continue
                if cells and cells[0].startswith("填表说明"):  # the notes under the form (附件1 as reports prints it)
                    break
                values["line"] = line
                parsed.append(values)
    except FileRejected as exc:
        if "缺少表头" in exc.message:
            raise TransitionError("花名册缺少表头（序号、学校、账号、姓名、学科、学段、学时、学分）。") from None
        raise TransitionError(exc.message) from None
    if not parsed:
        raise TransitionError("花名册没有参培人员。")
    return parsed


def _form_credits(item: CreditItem, academic_year: AcademicYear) -> Decimal | None:
    """What 附件1 填表说明3 tells a base school to write in the 学分 column: the level's cap
    ("区基地校填25学分，市基地校填40学分"), i.e. the item's group cap (or own cap) that 学年."""
    from credits.selectors import group_caps_for

    if item.cap_group:
        cap = group_caps_for(academic_year).get(item.cap_group)
        if cap is not None:
            return Decimal(cap)
    return Decimal(item.cap) if item.cap is not None else None


NOT_FOUND_CITY = "未找到与该账号和姓名相符的教师，请核对"
NOT_FOUND_DISTRICT = "未找到与该账号和姓名相符的本区（市）县教师（区级基地校只能登记本区（市）县教师），请核对"


def _teachers_in_reach(base_school):
    """A city 基地校 trains teachers of the whole city; a district one only its own district's
    (a district 基地校 that is 市直属 only 市直属学校' teachers)."""
    from accounts.models import TeacherProfile

    qs = TeacherProfile.objects.select_related("user", "school")
    if base_school is None or base_school.base_level == BaseLevel.CITY:
        return qs
    return qs.filter(school__district_id=base_school.district_id) if base_school.district_id else \
        qs.filter(school__district__isnull=True)


def _check_row(values: dict, item: CreditItem, seen: dict, form_credits: Decimal | None = None,
               base_school=None, start_year: int | None = None) -> tuple[dict, str]:
    """Match the row to a teacher account within the base school's reach; returns (model
    fields, error or ""). An unknown 账号, one outside the reach and a wrong 姓名 get one and
    the same message, so a roster cannot be used to learn which 账号 exist."""
    fields = {k: v[:{"seq": 16, "school_name": 64, "username": 150, "name": 32, "subject": 32,
                     "stage": 16}[k]] for k, v in values.items() if k not in ("hours", "credits", "line")}
    fields["line"] = values["line"]
    errors = []
    for key in ("hours", "credits"):
        raw = values[key]
        fields[key] = None
        if raw:
            try:
                number = to_decimal(raw, field=key)
                if number < 0 or number >= 100000:
                    raise TransitionError(key)
                fields[key] = number.quantize(Decimal("0.1"))
            except TransitionError:
                errors.append(f"{'学时' if key == 'hours' else '学分'}「{raw}」不是有效数字")
    username, name = values["username"], values["name"]
    teacher = None
    if not username:
        errors.append("缺少账号")
    elif username in seen:
        errors.append(f"账号重复（与第{seen[username]}行）")
    else:
        seen[username] = values["line"]
        profile = _teachers_in_reach(base_school).filter(user__username=username).first()
        if profile is None or profile.name != name:
            in_district = base_school is not None and base_school.base_level != BaseLevel.CITY
            errors.append(NOT_FOUND_DISTRICT if in_district else NOT_FOUND_CITY)
        elif not profile.can_register_credits:
            errors.append("该账号未审核或已停用，不能登记学分")
        elif start_year is not None and (problem := eligibility_problem(item, profile, start_year=start_year)):
            # The catalogue's eligibility holds for roster credits as for declared ones.
            errors.append(problem.rstrip("。"))
        else:
            teacher = profile
    if fields["hours"] is None and not any(e.startswith("学时") for e in errors):
        errors.append("缺少学时")
    elif fields["hours"] is not None and fields["hours"] <= 0:
        errors.append("学时须大于 0")
    elif fields["hours"] is not None and (problem := quantity_problem(item, fields["hours"])):
        errors.append(problem.rstrip("。"))
    elif fields["hours"] is not None and fields["credits"] is not None:
        expected = compute_credits(_ProbeEntry(item, fields["hours"]))
        # Either the hours' conversion or the level's figure the form asks for; the credits
        # themselves always come from the hours, under the cap.
        if fields["credits"] not in (expected, form_credits):
            also = f"，或按附件1填{form_credits.normalize():f}学分" if form_credits is not None else ""
            errors.append(f"学分与学时折算不符（{fields['hours']}学时应为{expected}学分{also}）")
    fields["teacher"] = teacher if not errors else None
    return fields, "；".join(errors)


class _ProbeEntry:
    """Just enough of an entry to compute what one row is worth."""

    def __init__(self, item, quantity):
        self.item, self.quantity, self.option = item, quantity, ""


def _check_attachment(upload, label: str) -> None:
    if upload is None or not getattr(upload, "size", 0):
        raise TransitionError(f"请上传{label}。")
    if upload.size > settings.EVIDENCE_MAX_BYTES * 2:
        raise TransitionError(f"{label}文件过大。")


@transaction.atomic
def roster_submit(*, actor, school, academic_year: AcademicYear, plan_file, summary_file, roster_file,
                  today: datetime.date | None = None) -> Roster:
    """Uploads (or, before any review, replaces) the school's roster for the 学年."""
    today = today_or(today)
    if not schools_for_role(actor, Role.BASE_SCHOOL_ADMIN).filter(pk=school.pk).exists():
        raise TransitionError("只有该基地校的管理员可以报送花名册。", kind="permission")
    if school.base_level not in (BaseLevel.CITY, BaseLevel.DISTRICT):
        raise TransitionError(f"{school.name}不是教师发展基地校，不能报送花名册。", kind="permission")
    existing = Roster.objects.select_for_update().filter(school=school, academic_year=academic_year).first()
    _require(existing, wf.ROSTER_SUBMIT)
    ensure_window(academic_year, Window.BASE_ROSTER, today=today, school=school)
    _check_attachment(plan_file, "培训计划")
    _check_attachment(summary_file, "培训总结")
    item = roster_item_for(school.base_level, academic_year)
    parsed = parse_roster(roster_file)
    seen: dict = {}
    form_credits = _form_credits(item, academic_year)
    checked = [_check_row(values, item, seen, form_credits, base_school=school,
                          start_year=academic_year.start_year) for values in parsed]
    roster = existing or Roster(school=school, academic_year=academic_year)
    roster.level = school.base_level
    roster.item = item
    roster.status = wf.ROSTER.leads_to(wf.ROSTER_SUBMIT, wf.APPROVE)
    roster.submitted_by = actor
    roster.submitted_at = timezone.now()
    roster.district_reviewed_by = roster.district_reviewed_at = None
    roster.city_reviewed_by = roster.city_reviewed_at = None
    roster.comment = ""
    roster.row_count = len(checked)
    roster.error_count = sum(1 for _, error in checked if error)
    for field, upload in (("plan_file", plan_file), ("summary_file", summary_file), ("roster_file", roster_file)):
        upload.seek(0)
        getattr(roster, field).save(getattr(upload, "name", field), upload, save=False)
    try:
        with transaction.atomic():
            roster.save()
    except IntegrityError:
        # Another upload for the same school and 学年 was saved a moment ago.
        raise TransitionError("该校本学年的花名册刚刚已提交，请刷新后查看。", kind="state") from None
    if existing is not None:
        roster.rows.all().delete()
    RosterRow.objects.bulk_create([RosterRow(roster=roster, error=error[:300], **fields) for fields, error in checked])
    return roster


def _lock_roster(roster) -> Roster:
    return Roster.objects.select_for_update(of=("self",)).select_related("school", "academic_year", "item").get(
        pk=roster.pk
    )


def _roster_started_on(roster: Roster) -> datetime.date:
    year = roster.academic_year
    day = timezone.localtime(roster.submitted_at).date()
    return min(max(day, year.starts), year.ends)


def _roster_credit(roster: Roster, *, actor, role: str) -> int:
    """Every valid row becomes a confirmed entry (source roster), once."""
    started_on = _roster_started_on(roster)
    created = 0
    rows = roster.rows.filter(teacher__isnull=False, error="", entry__isnull=True).select_related(
        "teacher__school", "teacher__user"
    )
    for row in rows:
        teacher = row.teacher
        assert teacher is not None  # the query keeps matched rows only
        if not teacher.can_register_credits:
            # Left, retired or no longer approved since the roster was submitted (notice 一(二)).
            row.error = "认定时该教师账号已停用或未通过审核，未计学分。"
            row.save(update_fields=["error"])
            continue
        problem = eligibility_problem(roster.item, teacher, start_year=roster.academic_year.start_year)
        if problem:
            row.error = f"认定时：{problem}"[:300]
            row.save(update_fields=["error"])
            continue
        entry = CreditEntry(
            teacher=teacher, school=teacher.school, academic_year=roster.academic_year, item=roster.item,
            title=f"{roster.school.name}基地校培训", organizer=roster.school.name, started_on=started_on,
            quantity_claimed=row.hours,  # type: ignore[misc]  # a row without an error has its hours
            status=EntryStatus.CONFIRMED, source=EntrySource.ROSTER,
            external_id=f"roster:{roster.pk}:{row.line}", created_by=roster.submitted_by,
        )
        entry.credits = compute_credits(entry)
        entry.save()
        row.entry = entry
        row.save(update_fields=["entry"])
        record(entry, action=Action.ROSTER, actor=actor, role=role, from_state="", to_state=entry.status,
               changes={"quantity_claimed": [None, str(entry.quantity_claimed)], "credits": [None, str(entry.credits)]},
               comment=f"花名册第{row.line}行（{roster.school.name}，{roster.academic_year.label}学年）")
        created += 1
    return created


def _notify_submitter(roster: Roster, title: str, body: str) -> None:
    from accounts.services import notify

    notify(roster.submitted_by, title, body)


@transaction.atomic
def roster_district_review(*, actor, roster: Roster, approve: bool, comment: str = "") -> Roster:
    """各区（市）县培训机构审核 (city staff for a 市直属 base school)."""
    roster = _lock_roster(roster)
    ensure_not_sealed(roster.academic_year)
    _require(roster, wf.ROSTER_DISTRICT_REVIEW)
    if not district_step_schools(actor).filter(pk=roster.school_id).exists():
        raise TransitionError("只有基地校所属区（市）县的管理员（市直属学校为市教科院）可以审核该花名册。", kind="permission")
    role = Role.CITY_STAFF if roster.school.district_id is None else Role.DISTRICT_ADMIN
    return _decide(roster, actor=actor, role=role, approve=approve, comment=comment, city=False)


@transaction.atomic
def roster_city_review(*, actor, roster: Roster, approve: bool, comment: str = "") -> Roster:
    """市教科院教师发展研究所复审 of a city 基地校's roster."""
    roster = _lock_roster(roster)
    ensure_not_sealed(roster.academic_year)
    _require(roster, wf.ROSTER_CITY_REVIEW)
    if not has_role(actor, Role.CITY_STAFF):
        raise TransitionError("市级基地校花名册由市教科院教师发展研究所复审。", kind="permission")
    return _decide(roster, actor=actor, role=Role.CITY_STAFF, approve=approve, comment=comment, city=True)


def _require(roster: Roster | None, step: str) -> None:
    """The roster table's refusal when `roster` (None: not uploaded yet) is not where `step` acts."""
    state = roster.status if roster is not None else NEW
    wf.ROSTER.require(step, state, state_label=roster.get_status_display() if roster else "未报送",
                      error=lambda message: TransitionError(message, kind="state"))


def _decide(roster: Roster, *, actor, role: str, approve: bool, comment: str, city: bool) -> Roster:
    comment = (comment or "").strip()
    now = timezone.now()
    if city:
        roster.city_reviewed_by, roster.city_reviewed_at = actor, now
        fields = ["city_reviewed_by", "city_reviewed_at"]
    else:
        roster.district_reviewed_by, roster.district_reviewed_at = actor, now
        fields = ["district_reviewed_by", "district_reviewed_at"]
    step = wf.ROSTER_CITY_REVIEW if city else wf.ROSTER_DISTRICT_REVIEW
    decision = wf.APPROVE if approve else wf.REJECT
    if not city and approve and roster.needs_city_review:
        decision = wf.ROSTER_TO_CITY
    if decision in wf.ROSTER[step].needs_reason and not comment:
        raise TransitionError("不通过须填写理由。")
    leads_to = wf.ROSTER.leads_to(step, decision)
    if leads_to == RosterStatus.APPROVED and not roster.rows.filter(teacher__isnull=False, error="").exists():
        raise TransitionError("花名册没有可认定学分的有效行。")
    roster.status = leads_to
    roster.comment = comment[:500]
    if roster.status == RosterStatus.APPROVED:
        _roster_credit(roster, actor=actor, role=role)
    roster.save(update_fields=["status", "comment", *fields])
    if roster.status == RosterStatus.REJECTED:
        _notify_submitter(roster, f"{roster.academic_year.label}花名册未通过审核", f"理由：{comment}")
    elif roster.status == RosterStatus.APPROVED:
        _notify_submitter(roster, f"{roster.academic_year.label}花名册已认定", "参培教师的学分已登记。")
    return roster
