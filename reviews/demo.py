"""Demo data for `manage.py setup_site --demo`: a believable year of entries for the demo
teacher in every state, made through the services (so each has its audit trail), plus a
roster and a feed import. Safe to run again: it does nothing once the teacher has entries."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import BaseLevel, TeacherProfile, User
from credits.models import AcademicYear, CreditItem
from credits.selectors import item_for
from credits.services import academic_year_ensure

from . import services as S

# A tiny but valid PDF: the demo's proof of attendance.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _proof(name="学时证明.pdf", tag=""):
    # Each entry its own proof: the same file on two entries of one teacher is refused.
    content = DEMO_PDF + f"% {name} {tag}\n".encode()
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _user(username):
    return User.objects.filter(username=username).first()


def seed_demo_entries(today: datetime.date | None = None) -> int:
    """Returns how many entries were created (0 when the demo already has its entries)."""
    today = today or timezone.localdate()
    teacher_user = _user("teacher")
    profile = getattr(teacher_user, "teacher_profile", None) if teacher_user else None
    if profile is None or profile.entries.exists() or not CreditItem.objects.exists():
        return 0
    users = {name: _user(name) for name in ("schooladmin", "leader", "district", "city", "baseadmin")}
    if any(u is None for u in users.values()):
        return 0
    with transaction.atomic():
        created = _last_year(profile, users, today) + _this_year(profile, users, today)
    return created


def _item(code, year):
    return item_for(code, year)


def _declare(profile, year, code, title, day, quantity=None, option="", days=1, *, today):
    item = _item(code, year)
    files = [_proof(tag=f"{code} {day} {title}")] if item.flow == "declare" else []
    # A training of many hours spans days (at most 10 学时 a day, catalogue max_per_day).
    ended = day + datetime.timedelta(days=days - 1) if days > 1 else None
    return S.entry_declare(teacher_user=profile.user, item=item, title=title, started_on=day, quantity=quantity,
                           option=option, ended_on=ended, organizer="双流区教师发展中心", evidence_files=files,
                           today=today)


def _last_year(profile, users, today) -> int:
    """The previous 学年, reviewed by the district and confirmed by the city."""
    start = AcademicYear.start_year_for(today) - 1
    year = academic_year_ensure(datetime.date(start, 8, 1))
    reg_day = datetime.date(start + 1, 7, 20)
    district_day = datetime.date(start + 1, 9, 15)
    city_day = datetime.date(start + 1, 11, 10)
    d = lambda m, day: datetime.date(start if m >= 8 else start + 1, m, day)  # noqa: E731
    claims = [
        ("admin_training", "双流区初中语文骨干教师培训", d(10, 14), "24", "", 3),
        ("tki_training", "成都市教科院“核心素养与课堂转型”专题培训", d(11, 18), "16", "", 2),
        ("it_upgrade", "信息技术应用能力提升工程2.0", d(12, 9), "12", "", 2),
        ("menu_training", "市教科院菜单培训：整本书阅读教学", d(3, 24), "6", ""),
        ("school_based_training", "棠湖中学校本研修：大单元教学设计", d(9, 20), "20", "", 3),
        ("lecture_attendee", "专题讲座：双减背景下的作业设计", d(4, 11), "8", ""),
        ("publication", "论文《初中语文群文阅读的实践》", d(5, 6), "1", "paper_city"),
    ]
    entries = [_declare(profile, year, *c, today=reg_day) for c in claims]
    entries.append(S.entry_admin_register(
        actor=users["schooladmin"], teacher=profile, item=_item("putonghua", year), title="普通话水平测试二级甲等",
        started_on=d(6, 2), option="grade2a_up", certificate_no=f"5101{start + 1}0602001",
        evidence_files=[_proof("普通话证书.pdf")], today=reg_day))
    for n, entry in enumerate(entries):
        if entry.status == "submitted":
            cut = {"quantity_approved": "16", "comment": "两个半天未签到"} if n == 4 else {}
            S.entry_school_review(actor=users["schooladmin"], entry=entry, approve=True, today=reg_day, **cut)
            S.entry_leader_sign(actor=users["leader"], entry=entry, today=reg_day)
        S.entry_district_review(actor=users["district"], entry=entry, approve=True, today=district_day)
        if n < 5:
            S.entry_confirm(actor=users["city"], entry=entry, today=city_day)
    feed = S.feed_import_records(actor=users["city"], channel="micro_course", via="api", today=city_day, records=[
        {"external_id": f"demo-{start}-{k}", "username": profile.user.username, "date": d(m, 10),
         "quantity": Decimal(q), "title": title}
        for k, (m, q, title) in enumerate([(10, "4", "微课：古诗词教学"), (1, "5", "微课：作文讲评"),
                                           (4, "3", "微课：课堂提问")])
    ])
    return len(entries) + feed.created_count + _roster(profile, users, year, start)


def _roster(profile, users, year, start) -> int:
    from openpyxl import Workbook

    base = users["baseadmin"].role_assignments.filter(role="base_school_admin").select_related("school").first()
    if base is None:
        return 0
    school = base.school
    if school.base_level == BaseLevel.NONE:
        # The demo's base-school admin needs a base school to show the roster flow.
        school.base_level = BaseLevel.DISTRICT
        school.save(update_fields=["base_level"])
    wb = Workbook()
    ws = wb.active
    ws.append([f"成都市{year.label}校本研修参培人员花名册"])
    ws.append(["双流区 学校（公章）：实验小学 填表人：赵基地 电话：028-85800000"])
    ws.append(["序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分"])
    others = TeacherProfile.objects.filter(school=profile.school).exclude(pk=profile.pk)[:2]
    for n, t in enumerate([profile, *others], start=1):
        ws.append([n, t.school.name, t.user.username, t.name, t.subject, t.get_stage_display(), 12, 12])
    ws.append([n + 1, "棠湖中学", "nobody", "查无此人", "数学", "初中", 12, 12])
    out = io.BytesIO()
    wb.save(out)
    roster = S.roster_submit(
        actor=users["baseadmin"], school=school, academic_year=year, plan_file=_proof("培训计划.pdf"),
        summary_file=_proof("培训总结.pdf", "summary"), today=datetime.date(start + 1, 6, 10),
        roster_file=SimpleUploadedFile("花名册.xlsx", out.getvalue()),
    )
    district_reviewer = users["district"] if school.district_id else users["city"]
    roster = S.roster_district_review(actor=district_reviewer, roster=roster, approve=True, comment="材料齐全")
    if roster.status == "district_approved":
        S.roster_city_review(actor=users["city"], roster=roster, approve=True)
    return roster.rows.filter(entry__isnull=False).count()


def _this_year(profile, users, today) -> int:
    """The current 学年: entries waiting at each step, one returned, one rejected, one withdrawn."""
    year = academic_year_ensure(today)
    days = [max(year.starts, today - datetime.timedelta(days=k)) for k in (40, 33, 26, 19, 12, 5, 2)]
    if year.is_sealed or not S.window_open(year, "registration", today):
        return 0
    specs = [
        ("admin_training", "双流区新课标解读培训", days[0], "8", ""),
        ("school_based_training", "教研组集体备课", days[1], "6", ""),
        ("tki_training", "市教科院学科教研活动", days[2], "4", ""),
        ("lecture_attendee", "专题讲座：学生心理健康", days[3], "3", ""),
        ("teaching_research", "区级公开课观摩研讨", days[4], "4", ""),
        ("open_class", "校级公开课《背影》", days[5], "1", "speaker_school"),
        ("menu_training", "菜单培训：项目式学习", days[6], "6", ""),
    ]
    entries = [_declare(profile, year, *spec, today=today) for spec in specs]
    admin, leader = users["schooladmin"], users["leader"]
    S.entry_school_review(actor=admin, entry=entries[1], approve=True, today=today)
    S.entry_school_review(actor=admin, entry=entries[2], approve=True, today=today)
    S.entry_leader_sign(actor=leader, entry=entries[2], today=today)
    S.entry_return(actor=admin, entry=entries[3], comment="请补充讲座通知或签到表", today=today)
    S.entry_school_review(actor=admin, entry=entries[4], approve=False, comment="该活动未在学校研修计划内",
                          today=today)
    S.entry_withdraw(actor=profile.user, entry=entries[5], today=today)
    return len(entries)
