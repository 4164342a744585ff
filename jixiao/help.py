"""The help page: what the notice asks of each role, month by month, in plain Chinese.

Every line names the clause of the notice (成教继（2018）1号) it comes from, so a reader can
check it. The months follow the 学年 calendar: registration closes 7月31日, district review
9月1日–10月31日 (市直属学校 9月12日–30日), the city checks and seals in November.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from accounts.access import has_role
from accounts.models import Role

ALL_YEAR = tuple(range(1, 13))
REGISTRATION_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Task:
    months: tuple[int, ...]
    text: str
    clause: str


TASKS: dict[str, list[Task]] = {
    Role.TEACHER: [
        Task(REGISTRATION_MONTHS, "参加集中培训后，在“申报集中培训”中填写并上传学时证明、通知安排等参培证明材料，由校管理员初审。",
             "二(三)1(1)"),
        Task(REGISTRATION_MONTHS, "参加校本研修、专题讲座、教研活动、论文著述等灵活性培训后，在“灵活性学分自主登记”中按《登记表》（附件2）填写，"
             "校管理员验证、分管校长签字后由区（市）县复核。", "二(四)1"),
        Task(REGISTRATION_MONTHS, "学历、普通话、职称考试、支教、师徒结队等凭证书的项目，请把证书或证明交给学校管理员代为登记。", "二(三)2(5)–(18)"),
        Task(ALL_YEAR, "每学年不少于 72 学分，其中规范性不少于 48、灵活性不少于 24；每五年累计不少于 360 学分。首页的进度条显示还差多少。",
             "二(一)1、2"),
        Task((6, 7), "本学年学分登记 7月31日截止，8月1日及以后产生的学分计入下个学年度：请在截止前登记完、交齐证明。", "三(三)2"),
        Task((9, 10, 11, 12), "拟评职称的教师：需最近五个学年度至少 360 学分（规范性不少于 240、灵活性不少于 120）；新教师转正需最近一个学年度至少 120 学分。",
             "三(二)3"),
        Task(ALL_YEAR, "学分证明须填写完整，姓名、时间等不能涂改，涂改的证明作废。", "三(三)3"),
    ],
    Role.SCHOOL_ADMIN: [
        Task(ALL_YEAR, "及时更新本校教师信息，新增教师账号、清理离职教师账号；未审核或审核未通过的账号不能登记学分。", "一(一)、一(二)"),
        Task(REGISTRATION_MONTHS, "核对教师申报的集中培训原件与复印件，完成初审后交分管校长签字；灵活性登记按《登记表》验证后通过。",
             "二(三)1(1)、二(四)1"),
        Task(REGISTRATION_MONTHS, "凭证书为教师代为登记学历、普通话、职称考试、支教、师徒结队等项目，保证原始证明与网上学分一致。", "二(三)2、三(三)3"),
        Task((7, 8, 9), "审证前：打印个人学分统计表（按送审报表顺序）、送审报表（一式两份，加盖公章；高完中按初中、高中分列），"
             "带齐规范性学时证明原件，按区（市）县的审证时间安排送审。", "三(一)3"),
        Task((9, 10), "本年度拟评职称的教师：按已审核的个人学分统计表填写职评送审表（附件3）一式两份。", "三(二)3"),
        Task(ALL_YEAR, "按年度妥善保管教师经年度审核的个人学分档案、统计表、灵活性培训学分登记申报表，以备查验。", "三(三)4"),
    ],
    Role.SCHOOL_LEADER: [
        Task(REGISTRATION_MONTHS, "对校管理员初审通过的集中培训和验证过的灵活性登记签字确认；同一记录的初审与签字须由两个人办理。",
             "二(三)1(1)、二(四)1"),
        Task((7, 8, 9), "在送审报表、灵活性培训学分登记表（附件2）的“分管校长（签字）”处签字。", "附件2、附件3"),
    ],
    Role.BASE_SCHOOL_ADMIN: [
        Task((4, 5, 6), "6月20日前提交培训计划、培训总结和参培人员花名册（附件1，各一式两份，加盖公章）；市级基地校最多认定 40 学分，"
             "区级基地校最多 25 学分。", "二(三)1(2)"),
        Task((6, 7), "花名册一经审核无法重新上传及修改：提交前请逐行核对账号、姓名、学时。", "附件1 填表说明4"),
    ],
    Role.DISTRICT_ADMIN: [
        Task(ALL_YEAR, "审核本区（市）县学校上报的教师账号与信息变更。", "一(一)、一(二)"),
        Task((6, 7), "审核区级基地校的花名册（6月20日前提交），市级基地校的花名册初审后报市教科院复审。", "二(三)1(2)"),
        Task((9, 10), "9月1日至10月31日按本区的审证时间安排完成材料审查及网上复核。", "三(一)2(2)"),
        Task((9, 10, 11, 12), "为本年度晋升职称的教师审核并颁发继教证书（按市教科院模板印制，落款为区（市）县教育局）。", "三(二)1、2"),
    ],
    Role.CITY_STAFF: [
        Task((6, 7), "复审市级基地校的花名册；市直属学校的基地校直接报市教科院。", "二(三)1(2)"),
        Task((9,), "9月12日至30日为市直属学校审核学分认定。", "三(一)2(1)"),
        Task((11,), "11月统一核对市直属学校和各区（市）县学校当年教师继续教育所有数据并封存。", "三(一)2(2)"),
        Task((9, 10, 11, 12), "为市直属学校晋升职称的教师审核并颁发继教证书。", "三(二)1"),
        Task(ALL_YEAR, "维护《办法》学分项目目录；“待确认数值”页列出通知未给出、由平台预设的数值，请核实确认。", "二(二)、第14–16条"),
    ],
}

WHO_RESETS = {
    Role.TEACHER: "忘记密码、账号信息有误：请联系本校校管理员（重置密码、提交信息变更）。",
    Role.SCHOOL_ADMIN: "校管理员账号问题：请联系所属区（市）县教师培训机构（市直属学校为市教科院教师发展研究所）。",
    Role.SCHOOL_LEADER: "账号问题：请联系所属区（市）县教师培训机构。",
    Role.BASE_SCHOOL_ADMIN: "账号问题：请联系所属区（市）县教师培训机构。",
    Role.DISTRICT_ADMIN: "账号问题：请联系市教科院教师发展研究所。",
    Role.CITY_STAFF: "平台运维问题：请联系平台管理员。",
}


def tasks_for(roles: set[str], today: datetime.date) -> list[dict]:
    """Per role the user holds: this month's tasks first, then the rest of the year."""
    sections = []
    for role in Role:
        if role not in roles or role not in TASKS:
            continue
        now = [t for t in TASKS[role] if today.month in t.months]
        later = [t for t in TASKS[role] if today.month not in t.months]
        sections.append({"role": role.label, "now": now, "later": later, "contact": WHO_RESETS.get(role, "")})
    return sections


@login_required
def help_page(request):
    today = timezone.localdate()
    roles = {r for r in Role if has_role(request.user, r)}
    return render(request, "help.html", {"sections": tasks_for(roles, today), "today": today})


def favicon(request):
    """Browsers ask for /favicon.ico on their own, whatever the page links; resolved per request
    because the hashed name exists only once collectstatic has run."""
    return redirect(static("img/favicon.ico"), permanent=True)
