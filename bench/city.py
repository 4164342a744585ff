"""A generated Chengdu: districts, schools, teachers with their roles, and five 学年 of credit
entries with their review trails, proof files, rosters, feeds and notifications, written into the
project's own tables (``manage.py generate_city --teachers 150000 --seed 1``).

The organisation (schools, users, profiles, roles: ~150,000 rows at full size) is built in Python
with ``bulk_create``. The entries (~22 M at full size), audit rows, proof files and roster rows are
written by set-based ``INSERT … SELECT`` statements over small helper tables (one row per teacher
and 学年, one per slot of the item mix, of the state mix, of a state's review chain), so PostgreSQL
writes them without a round trip per row. On PostgreSQL the secondary indexes and foreign keys of
the big tables are dropped first and built once at the end, all in one transaction (a failed run
leaves nothing behind); SQLite runs the same statements at small sizes.

Every random choice is a hash of (row key, salt, seed): the same seed on the same database engine
gives the same city.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

BENCH_PASSWORD = "jixiao-bench-2026"  # every generated account; for benchmarks and load runs only
PROOF_NAME = "evidence/bench-proof.pdf"
ROSTER_FILE = "rosters/bench-roster.xlsx"
MAX_PER_YEAR = 64  # key space per teacher and 学年 (entries a teacher-year may have)

# Relative size of Chengdu's districts (teachers); 市直属学校 are the last row ("" code).
DISTRICT_WEIGHTS = {
    "510104": 1.2, "510105": 1.2, "510106": 1.2, "510107": 1.3, "510108": 1.2, "510112": 1.1,
    "510113": 0.5, "510114": 1.2, "510115": 0.8, "510116": 1.5, "510117": 1.0, "510118": 0.5,
    "510121": 0.7, "510129": 0.5, "510131": 0.3, "510181": 0.7, "510182": 0.8, "510183": 0.6,
    "510184": 0.6, "510185": 1.0, "510190": 1.3, "510191": 0.8, "510192": 0.4, "": 0.6,
}

# (share of schools, category, stages, teachers weight, name suffix, is_private)
SCHOOL_KINDS = [
    (0.34, "primary", ["primary"], 60, "小学", False),
    (0.13, "junior", ["junior"], 75, "中学", False),
    (0.05, "senior", ["senior"], 110, "高级中学", False),
    (0.07, "senior", ["junior", "senior"], 150, "中学校", False),  # 高完中: 初中 and 高中
    (0.05, "other", ["primary", "junior"], 90, "实验学校", False),  # 九年一贯制
    (0.22, "kindergarten", ["kindergarten"], 22, "幼儿园", False),
    (0.02, "special", ["special"], 25, "特殊教育学校", False),
    (0.04, "vocational", ["vocational"], 80, "职业技术学校", False),
    (0.08, "private", ["primary"], 45, "外国语学校", True),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玲华红梅琳丹婷雪慧建国文斌宇浩凯鹏飞欣怡佳晨阳瑞雨萱思源子涵梓轩博文一诺"
SUBJECTS = {
    "kindergarten": ["学前教育"],
    "primary": ["语文", "数学", "英语", "科学", "音乐", "体育", "美术", "道德与法治", "信息技术"],
    "junior": ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "体育"],
    "senior": ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "思想政治", "信息技术"],
    "special": ["特殊教育", "康复训练"],
    "vocational": ["机械", "电子", "计算机", "会计", "旅游", "语文", "数学"],
}
TITLES = [("none", 8), ("third", 5), ("second", 34), ("first", 36), ("senior", 16), ("professor", 1)]

# How often an item is chosen (per 10,000 entries) and which quantities a teacher claims.
ITEM_MIX = {
    # 系统自动认定 (feeds): the many small records of a year, cut by their caps
    "video_course": (1500, [1, 2, 3]), "reading_note": (1000, [1]), "self_reflection": (900, [1]),
    "party_e_home": (600, [1, 2, 3]), "micro_course": (1100, [1, 2, 3]), "digital_school": (900, [1, 2, 3]),
    # 集中培训 (declared with proof)
    "admin_training": (300, [8, 16, 24]), "tki_training": (120, [8, 16]),
    "menu_training": (400, [6, 12, 18]), "menu_lecturer": (15, [3, 6]), "wenweng_lecture": (40, [1, 2]),
    "it_upgrade": (80, [10, 20]), "bid_institution": (80, [8, 16]), "master_studio": (40, [8, 16]),
    "new_teacher_induction": (25, [24, 48]), "head_teacher_training": (80, [6, 12]),
    "principal_qualification": (8, [40, 80]), "vocational_practice": (15, [5, 10]),
    "base_city_activity": (30, [8, 16]), "base_district_activity": (40, [8, 16]), "teaching_contest": (30, [1]),
    # 校管理员凭证书登记
    "degree_education": (10, [1]), "title_exam": (20, [1, 2]), "putonghua": (15, [1]), "mentoring": (80, [1, 2, 3]),
    "support_teaching": (6, [1]),
    # 灵活性 (self-registered)
    "school_based_training": (900, [2, 4, 6, 8]), "lecture_attendee": (400, [2, 3, 4]),
    "lecture_speaker": (60, [1]), "flex_certificate": (15, [1]), "teaching_research": (600, [2, 4, 6]),
    "open_class": (120, [1]), "class_contest": (40, [1]), "academic_seminar": (60, [1]),
    "research_project": (40, [1]), "publication": (40, [1]), "other_activity": (40, [1]),
}
DEFAULT_MIX = (10, [1, 4, 8])
SLOTS = 10000
HEAVY_SLOT = SLOTS  # the extra video-course entries that take a "heavy" teacher over the cap

SOURCE_OF_FLOW = {"declare": "declared", "self_register": "self_registered", "admin_register": "admin_registered",
                  "feed": "feed"}
KIND_OF_SOURCE = {"declared": "chain", "self_registered": "chain", "admin_registered": "admin", "feed": "direct"}

# State mix per year class (old: reviewed and confirmed; prev: the last 学年, the city confirming;
# cur: the 学年 in progress, something waiting at every step), per chain kind, in percent.
STATUS_MIX = {
    "old": {
        "chain": {"confirmed": 94, "rejected": 3, "withdrawn": 2, "returned": 1},
        "admin": {"confirmed": 96, "rejected": 3, "withdrawn": 1},
        "direct": {"confirmed": 100},
    },
    "prev": {
        "chain": {"confirmed": 70, "district_reviewed": 16, "school_approved": 5, "school_verified": 1,
                  "submitted": 1, "rejected": 3, "returned": 3, "withdrawn": 1},
        "admin": {"confirmed": 74, "district_reviewed": 17, "school_approved": 5, "rejected": 3, "returned": 1},
        "direct": {"confirmed": 100},
    },
    "cur": {
        "chain": {"submitted": 28, "school_verified": 14, "school_approved": 18, "district_reviewed": 24,
                  "rejected": 6, "returned": 6, "withdrawn": 4},
        "admin": {"school_approved": 55, "district_reviewed": 38, "rejected": 4, "returned": 3},
        "direct": {"confirmed": 100},
    },
}
REJECT_REASON = "证明材料与申报内容不符，不予认定。"
RETURN_REASON = "请补充加盖公章的学时证明后重新提交。"
REDUCE_REASON = "核减：证明材料所列学时少于申报学时。"


def _chains() -> list[tuple]:
    """(source, final status, seq, action, from, to, actor kind, role, comment): the audit rows of an
    entry that reached `final status` by its flow (reviews.services' transitions)."""
    from reviews import workflow as wf

    rows = []
    T, A, L, D, C = "teacher", "school_admin", "leader", "district", "city"
    # Who approves each step of the chain here (actor kind, role as recorded), in the workflow's order.
    kinds = dict(zip(wf.STEPS, ((A, "school_admin"), (L, "school_leader"), (D, "district"), (C, "city_staff")),
                     strict=True))
    steps = [(s.name, s.from_state, s.leads_to[wf.APPROVE], *kinds[s.name], "") for s in wf.ENTRY_STEPS]
    for source, first in (("declared", "declare"), ("self_registered", "self_register")):
        start = (first, "", "submitted", T, "teacher", "")
        finals = {"submitted": [start]}
        for i, step in enumerate(steps):
            finals[step[2]] = [start, *steps[: i + 1]]
        finals["rejected"] = [start, ("reject", "submitted", "rejected", A, "school_admin", REJECT_REASON)]
        finals["returned"] = [start, ("return", "submitted", "returned", A, "school_admin", RETURN_REASON)]
        finals["withdrawn"] = [start, ("withdraw", "submitted", "withdrawn", T, "teacher", "")]
        for final, chain in finals.items():
            rows += [(source, final, seq, *step) for seq, step in enumerate(chain)]
    start = ("admin_register", "", "school_approved", A, "school_admin", "")
    review, confirm = steps[-2:]
    finals = {
        "school_approved": [start], "district_reviewed": [start, review], "confirmed": [start, review, confirm],
        "rejected": [start, ("reject", "school_approved", "rejected", D, "district", REJECT_REASON)],
        "returned": [start, ("return", "school_approved", "returned", D, "district", RETURN_REASON)],
        "withdrawn": [start, ("withdraw", "school_approved", "withdrawn", A, "school_admin", "")],
    }
    for final, chain in finals.items():
        rows += [("admin_registered", final, seq, *step) for seq, step in enumerate(chain)]
    rows.append(("feed", "confirmed", 0, "feed", "", "confirmed", C, "city_staff", "系统导入认定"))
    rows.append(("roster", "confirmed", 0, "roster", "", "confirmed", D, "district", "基地校花名册认定"))
    return rows


# --- the SQL dialects ---------------------------------------------------------------------------


class _Dialect:
    def __init__(self, connection, seed: int):
        self.vendor = connection.vendor
        self.seed = seed
        if self.vendor == "sqlite":
            connection.ensure_connection()
            connection.connection.create_function("jxh", 2, _sqlite_hash, deterministic=True)

    def h(self, expr: str, salt: int) -> str:
        """A non-negative 63-bit hash of an integer expression (deterministic per seed and salt)."""
        s = self.seed * 1000 + salt
        if self.vendor == "postgresql":
            return f"(hashint8extended(CAST(({expr}) AS bigint), {s}) & 9223372036854775807)"
        return f"jxh(({expr}), {s})"

    def add_days(self, date_expr: str, n_expr: str) -> str:
        if self.vendor == "postgresql":
            return f"(CAST({date_expr} AS date) + CAST(({n_expr}) AS integer))"
        return f"date({date_expr}, '+' || ({n_expr}) || ' days')"

    def at_hours(self, base_expr: str, n_expr: str) -> str:
        """A timestamp `n` hours after a date or timestamp (UTC, as Django stores it)."""
        if self.vendor == "postgresql":
            return f"(CAST({base_expr} AS timestamp) + ({n_expr}) * interval '1 hour')"
        return f"datetime({base_expr}, '+' || ({n_expr}) || ' hours')"

    def series(self, alias: str, count_expr: str) -> str:
        """FROM-clause fragment giving j = 0 … count-1 for each row to its left."""
        if self.vendor == "postgresql":
            return f"CROSS JOIN LATERAL generate_series(0, ({count_expr}) - 1) AS {alias}(j)"
        return f"JOIN gen_num {alias} ON {alias}.j < ({count_expr})"

    @property
    def json_empty(self) -> str:
        return "CAST('{}' AS jsonb)" if self.vendor == "postgresql" else "'{}'"


def _sqlite_hash(x, salt) -> int:
    # splitmix64 of the key mixed with the salt
    z = (int(x) * 0x9E3779B97F4A7C15 + int(salt) * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFF


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class Figures:
    teachers: int = 0
    schools: int = 0
    entries: int = 0
    transitions: int = 0
    evidence: int = 0
    roster_rows: int = 0
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**self.__dict__, "seconds": {k: round(v, 2) for k, v in self.seconds.items()}}


class _Clock:
    def __init__(self, figures: Figures, out):
        self.figures, self.out, self.t0 = figures, out, time.perf_counter()
        self.last = self.t0

    def lap(self, name: str, note: str = "") -> None:
        now = time.perf_counter()
        self.figures.seconds[name] = now - self.last
        self.out.write(f"  {name:<28} {now - self.last:8.1f} s  {note}\n")
        self.last = now

    def total(self) -> None:
        self.figures.seconds["total"] = time.perf_counter() - self.t0


def _largest_remainder(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return base
    s = sum(weights)
    exact = [rest * w / s for w in weights]
    counts = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [b + c for b, c in zip(base, counts, strict=False)]


def _id_number(i: int, region: str) -> str:
    from accounts.idcard import check_character

    birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=(i * 7919) % 14600)
    first17 = f"{region}{birth:%Y%m%d}{(i // 14600) % 1000:03d}"
    return first17 + check_character(first17)


def generate(*, teachers: int, seed: int = 1, years: int = 5, audit_years: int = 2, today=None,
             out=sys.stdout) -> Figures:
    """Generate the city into the configured database (which must hold no teachers yet)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import TeacherProfile
    from credits.models import CreditItem

    if TeacherProfile.objects.exists():
        raise RuntimeError("数据库中已有教师信息：城市生成器只写入空库（先 migrate 一个新数据库）。")
    if years < 1 or audit_years < 0:
        raise ValueError("years ≥ 1, audit_years ≥ 0")
    from django.utils import timezone

    today = today or timezone.localdate()
    figures = Figures()
    clock = _Clock(figures, out)
    out.write(f"生成城市：{teachers} 名教师，{years} 个学年，种子 {seed}，数据库 {connection.vendor}\n")
    if not CreditItem.objects.exists():
        call_command("loaddata", "credit_items", verbosity=0)
    with transaction.atomic():
        plan = _organisation(teachers=teachers, seed=seed, years=years, audit_years=audit_years, today=today,
                             figures=figures)
        clock.lap("organisation", f"{figures.schools} 所学校，{figures.teachers} 名教师")
        _files()
        _Entries(plan, connection, seed, figures, clock).run()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            for table in ("credits_creditentry", "reviews_entrytransition", "reviews_evidence",
                          "accounts_teacherprofile", "accounts_user", "reviews_rosterrow", "accounts_notification"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
        clock.lap("vacuum analyze")
    _after(out)
    clock.lap("derived tables")
    clock.total()
    out.write(f"完成：{figures.entries} 条登记，{figures.transitions} 条审核记录，{figures.evidence} 份证明材料，"
              f"{figures.roster_rows} 行花名册；共 {figures.seconds['total']:.1f} s\n")
    return figures


def _after(out) -> None:
    """Tables derived from the entries (the per-teacher-per-学年 totals), rebuilt once at the end
    when the project has them."""
    from django.core.management import get_commands

    if "credits_totals_rebuild" in get_commands():
        import io

        from django.core.management import call_command

        buf = io.StringIO()
        call_command("credits_totals_rebuild", stdout=buf)
        for line in buf.getvalue().splitlines():
            if not line.startswith("  "):  # the per-teacher lines: every row is new here
                out.write(f"  {line}\n")


def _files() -> None:
    """One small proof PDF and one roster file that all generated rows point at."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    for name, content in ((PROOF_NAME, pdf), (ROSTER_FILE, b"PK\x05\x06" + b"\0" * 18)):
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))


@dataclass
class _Plan:
    seed: int
    years: list  # AcademicYear rows, oldest first
    year_class: list  # "old" / "prev" / "cur" per year
    audit: list  # bool per year: write the audit trail and proof rows
    days: list  # how many days of the 学年 have passed (entries are dated within them)
    schools: list  # (school, admin_user_id, leader_user_id, district_user_id, district_role)
    city_user_id: int
    rosters: list  # (roster, dkey, level, year index, item id, reviewer id, reviewer role, final status)


def _organisation(*, teachers, seed, years, audit_years, today, figures) -> _Plan:
    from django.contrib.auth.hashers import make_password

    from accounts.models import AccountStatus, District, Role, RoleAssignment, School, TeacherProfile, User
    from credits.models import AcademicYear
    from credits.selectors import item_for
    from reviews.models import FeedChannel, FeedImport, ReviewAppointment, Roster

    rnd = random.Random(seed)
    password = make_password(BENCH_PASSWORD)

    # Districts as the organisation fixture names them (created when the database has none).
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "organisations.json"
    for row in json.loads(fixture.read_text(encoding="utf-8")):
        if row["model"] == "accounts.district":
            District.objects.get_or_create(code=row["fields"]["code"], defaults={
                "name": row["fields"]["name"], "order": row["fields"]["order"]})
    districts = {d.code: d for d in District.objects.all()}
    codes = [c for c in DISTRICT_WEIGHTS if c == "" or c in districts]

    # 学年: the current one and the years before it.
    cur = AcademicYear.start_year_for(today)
    year_rows = []
    for start in range(cur - years + 1, cur + 1):
        y, _ = AcademicYear.objects.get_or_create(start_year=start, defaults=AcademicYear.default_calendar(start))
        year_rows.append(y)
    year_class = ["old"] * years
    if years >= 2:
        year_class[-2] = "prev"
    year_class[-1] = "cur"
    days = [365] * years
    days[-1] = max(1, (today - datetime.date(cur, 8, 1)).days - 2)

    # Schools: about 60 teachers each, spread over the districts by size, every district one at least.
    n_schools = max(2 * len(codes), round(teachers / 60))
    per_district = _largest_remainder(n_schools, [DISTRICT_WEIGHTS[c] for c in codes], minimum=1)
    kinds = list(SCHOOL_KINDS)
    # The kinds city-wide (so a small city still has a 高完中 and a 特教), shuffled over the districts.
    pool = [kind for kind, c in zip(kinds, _largest_remainder(n_schools, [k[0] for k in kinds]), strict=False) for _ in range(c)]
    rnd.shuffle(pool)
    school_specs = []  # (dcode, kind, weight)
    for code, n in zip(codes, per_district, strict=False):
        for _ in range(n):
            kind = pool.pop()
            school_specs.append((code, kind, kind[3] * rnd.uniform(0.6, 1.4)))
    sizes = _largest_remainder(teachers, [w for _, _, w in school_specs], minimum=3)
    schools, seq = [], {}
    for (code, kind, _), _size in zip(school_specs, sizes, strict=False):
        seq[code] = seq.get(code, 0) + 1
        n = seq[code]
        dname = districts[code].name if code else "成都市"
        region = code or "510100"
        schools.append(School(
            code=f"{region}{n:05d}", name=f"{dname}第{n}{kind[4]}", district=districts.get(code),
            category=kind[1], stages=list(kind[2]), is_private=kind[5],
        ))
    # One 市级 and one 区级 基地校 per district (the largest schools), one 市级 for the 市直属学校.
    by_code: dict[str, list[int]] = {}
    for i, (code, _, _) in enumerate(school_specs):
        by_code.setdefault(code, []).append(i)
    for code, idx in by_code.items():
        idx = sorted(idx, key=lambda i: -sizes[i])
        schools[idx[0]].base_level = "city"
        if code and len(idx) > 1:
            schools[idx[1]].base_level = "district"
    School.objects.bulk_create(schools, batch_size=2000)
    schools = list(School.objects.filter(code__in=[s.code for s in schools]).select_related("district").order_by("id"))
    region_of = {s.pk: (s.district.code if s.district else "510100") for s in schools}
    size_by_code = {spec_school.code: size for spec_school, size in zip(schools, sizes, strict=False)}

    # District admins and city staff (no teacher profile).
    staff = [User(username=f"qx{code}", password=password, last_name=f"{districts[code].name}管理员")
             for code in codes if code]
    staff += [User(username=f"city{i:02d}", password=password, last_name=f"市教科院{i}") for i in (1, 2)]
    User.objects.bulk_create(staff, batch_size=1000)
    staff_by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in staff])}
    city_user = staff_by_name["city01"]

    # Teachers.
    profile_fields = {f.name for f in TeacherProfile._meta.get_fields()}
    users, profiles_spec = [], []
    i = 0
    for school in schools:
        for k in range(size_by_code[school.code]):
            stage = school.stages[k % len(school.stages)]
            r = rnd.random()
            status = (AccountStatus.APPROVED if k < 3 or r < 0.97 else AccountStatus.PENDING if r < 0.985
                      else AccountStatus.REJECTED if r < 0.99 else AccountStatus.INACTIVE)
            surname = SURNAMES[rnd.randrange(len(SURNAMES))]
            given = "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
            users.append({"username": f"t{i:06d}", "password": password, "last_name": surname, "first_name": given,
                          "is_active": status != AccountStatus.INACTIVE})
            new_teacher = rnd.random() < 0.04
            spec = {
                "school_id": school.pk, "name": surname + given, "gender": "female" if rnd.random() < 0.7 else "male",
                "id_number": _id_number(i, region_of[school.pk]),
                "subject": rnd.choice(SUBJECTS.get(stage, ["综合"])), "stage": stage,
                "title": rnd.choices([t for t, _ in TITLES], [w for _, w in TITLES])[0],
                "is_head_teacher": stage in ("primary", "junior", "senior") and rnd.random() < 0.3,
                "is_new_teacher": new_teacher,
                "probation_start": datetime.date(cur - rnd.choice((0, 1)), 9, 1) if new_teacher else None,
                "is_new_principal": k == 0 and rnd.random() < 0.05,
                "status": status,
            }
            if "is_party_member" in profile_fields:
                spec["is_party_member"] = rnd.random() < 0.35
            profiles_spec.append(spec)
            i += 1
    first_user = _fast_insert(User, users)
    user_ids = {u["username"]: first_user + n for n, u in enumerate(users)}
    for n, spec in enumerate(profiles_spec):
        spec["user_id"] = first_user + n
    _fast_insert(TeacherProfile, profiles_spec)
    profiles = profiles_spec
    figures.teachers, figures.schools = len(profiles), len(schools)

    # Roles: every teacher; the first three of a school are its admin, its leader and (基地校) base admin.
    roles = []
    school_staff = {}
    n = 0
    for school in schools:
        members = [user_ids[f"t{m:06d}"] for m in range(n, n + size_by_code[school.code])]
        n += size_by_code[school.code]
        roles += [{"user_id": u, "role": Role.TEACHER, "school_id": school.pk} for u in members]
        roles.append({"user_id": members[0], "role": Role.SCHOOL_ADMIN, "school_id": school.pk})
        roles.append({"user_id": members[1], "role": Role.SCHOOL_LEADER, "school_id": school.pk})
        if school.base_level != "none":
            roles.append({"user_id": members[2], "role": Role.BASE_SCHOOL_ADMIN, "school_id": school.pk})
        school_staff[school.pk] = members
    for code in codes:
        if code:
            roles.append({"user_id": staff_by_name[f"qx{code}"].pk, "role": Role.DISTRICT_ADMIN,
                          "district_id": districts[code].pk})
    roles += [{"user_id": staff_by_name[f"city{i:02d}"].pk, "role": Role.CITY_STAFF} for i in (1, 2)]
    _fast_insert(RoleAssignment, roles)

    plan_schools = []
    for school in schools:
        members = school_staff[school.pk]
        if school.district_id:
            district_user, district_role = staff_by_name[f"qx{school.district.code}"].pk, "district_admin"
        else:
            district_user, district_role = city_user.pk, "city_staff"
        plan_schools.append((school, members[0], members[1], members[2], district_user, district_role))

    # 审证时间安排 of the last two 学年: each district's schools on working days of 9月–10月.
    appointments = []
    for y in year_rows[-2:]:
        seq_by_d: dict = {}
        for school, *_ in plan_schools:
            k = seq_by_d[school.district_id] = seq_by_d.get(school.district_id, 0) + 1
            day = datetime.date(y.start_year + 1, 9, 1) + datetime.timedelta(days=(k // 6) % 55)
            appointments.append(ReviewAppointment(
                academic_year=y, school=school, group=dict(SchoolCategory_labels()).get(school.category, "其他"),
                sequence=k, date=day, contact_phone=f"028-8{k:07d}"[:13]))
    ReviewAppointment.objects.bulk_create(appointments, batch_size=2000)

    # Rosters: each 基地校 every 学年; reviewed for the past years, the current one still with the district.
    rosters = []
    for yi, y in enumerate(year_rows):
        for school, _a, _l, base_admin, district_user, district_role in plan_schools:
            if school.base_level == "none":
                continue
            level = school.base_level
            if year_class[yi] == "cur" and school.pk % 3:
                continue  # most base schools hand in near the 6月20日 deadline
            item = item_for(f"base_{level}_roster", y.start_year)
            final = "submitted" if year_class[yi] == "cur" else "approved"
            submitted = datetime.datetime(y.start_year + 1, 6, 10, 9, tzinfo=datetime.UTC)
            roster = Roster(school=school, academic_year=y, level=level, item=item, plan_file=ROSTER_FILE,
                            summary_file=ROSTER_FILE, roster_file=ROSTER_FILE, status="submitted",
                            submitted_by_id=base_admin, submitted_at=submitted)
            reviewer, role = ((city_user.pk, "city_staff") if level == "city" else (district_user, district_role))
            rosters.append((roster, school.district_id or 0, level, yi, item.pk, reviewer, role, final))
    Roster.objects.bulk_create([r[0] for r in rosters], batch_size=1000)

    # One feed import per channel and 学年, as the systems deliver them.
    FeedImport.objects.bulk_create([
        FeedImport(channel=ch, item_code=code, via="api", imported_by=city_user, filename="")
        for y in year_rows for ch, code in _feed_channels(FeedChannel)
    ])
    return _Plan(seed=seed, years=year_rows, year_class=year_class,
                 audit=[i >= years - audit_years for i in range(years)], days=days, schools=plan_schools,
                 city_user_id=city_user.pk, rosters=rosters)


def _fast_insert(model, rows: list[dict]) -> int:
    """Rows of `model` with explicit ids from max(id)+1 (PostgreSQL: COPY; SQLite: executemany).
    Fields not given take their default (computed once); returns the first id."""
    from django.db import connection
    from django.utils import timezone

    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if f.column != "id"]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None if f.null else ""
    names = [f.attname for f in fields]
    columns = ", ".join(["id"] + [connection.ops.quote_name(f.column) for f in fields])
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = int(cur.fetchone()[0]) + 1
        data = [(first + n, *[row.get(name, defaults[name]) for name in names]) for n, row in enumerate(rows)]
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {first + len(rows)})")
        else:
            marks = ", ".join(["%s"] * (len(names) + 1))
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", data)
    return first


def SchoolCategory_labels():
    from accounts.models import SchoolCategory

    labels = dict(SchoolCategory.choices)
    labels["private"] = "民办学校"
    return labels.items()


def _feed_channels(FeedChannel):
    from reviews.services.feeds import FEED_ITEM_CODES

    return [(ch, code) for ch, code in FEED_ITEM_CODES.items()]


# --- entries and everything that hangs off them ---------------------------------------------------


class _Entries:
    BIG_TABLES = ("credits_creditentry", "reviews_entrytransition", "reviews_evidence")

    def __init__(self, plan: _Plan, connection, seed: int, figures: Figures, clock: _Clock):
        self.plan, self.connection, self.figures, self.clock = plan, connection, figures, clock
        self.d = _Dialect(connection, seed)
        self.pg = connection.vendor == "postgresql"
        self.cur = connection.cursor()

    def sql(self, text: str, params=None) -> int:
        self.cur.execute(text, params)
        return self.cur.rowcount

    def run(self) -> None:
        if self.pg:
            self.sql("SET CONSTRAINTS ALL IMMEDIATE")  # the organisation's deferred checks run now
            for setting in ("work_mem = '256MB'", "maintenance_work_mem = '1GB'", "synchronous_commit = off",
                            "jit = off", "max_parallel_maintenance_workers = 2"):
                self.sql(f"SET LOCAL {setting}")
            dropped = self._drop_indexes()
            self.clock.lap("drop indexes", f"{len(dropped)} 个索引和外键")
        self._helper_tables()
        self.clock.lap("helper tables")
        self._entries()
        self.clock.lap("entries", f"{self.figures.entries} 条")
        if self.pg:
            self.sql("ANALYZE credits_creditentry")
        self._transitions()
        self.clock.lap("transitions", f"{self.figures.transitions} 条")
        self._evidence_and_rosters()
        self.clock.lap("evidence, rosters, notes", f"{self.figures.evidence} / {self.figures.roster_rows}")
        if self.pg:
            self._restore_indexes(dropped)
            self.clock.lap("rebuild indexes")
            for table in ("credits_creditentry", "reviews_entrytransition", "reviews_evidence",
                          "reviews_rosterrow", "accounts_notification"):
                self.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"GREATEST((SELECT MAX(id) FROM {table}), 1))")
        for t in ("gen_year", "gen_school", "gen_teacher", "gen_ty", "gen_slot", "gen_status", "gen_chain",
                  "gen_roster", "gen_num"):
            self.sql(f"DROP TABLE IF EXISTS {t}")

    # PostgreSQL: secondary indexes and foreign keys of the big tables, dropped and built at the end.
    def _drop_indexes(self) -> list[tuple[str, str, str]]:
        dropped = []
        for table in self.BIG_TABLES:
            self.cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'", [table])
            for name, definition in self.cur.fetchall():
                dropped.append(("fk", table, name, definition))
            self.cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table])
            for name, definition in self.cur.fetchall():
                dropped.append(("index", table, name, definition))
        for kind, table, name, _ in dropped:
            if kind == "fk":
                self.sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                self.sql(f'DROP INDEX "{name}"')
        return dropped

    def _restore_indexes(self, dropped) -> None:
        for kind, _table, _name, definition in dropped:
            if kind == "index":
                self.sql(definition)
        for kind, table, name, definition in dropped:
            if kind == "fk":
                self.sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def _helper_tables(self) -> None:
        from credits import rules as R
        from credits.selectors import catalogue_for

        p, d = self.plan, self.d
        self.sql("CREATE TEMP TABLE gen_year (yi integer, year_id bigint, start_date date, days integer, "
                 "ycls varchar(8), kb integer, km integer, step_hours integer, audit integer)")
        for yi, y in enumerate(p.years):
            cls = p.year_class[yi]
            # entries per teacher: 27–39 a year (~33), 9–15 in the four months of this year so far
            kb, km = (9, 7) if cls == "cur" else (27, 13)
            self.sql("INSERT INTO gen_year VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     [yi, y.pk, str(datetime.date(y.start_year, 8, 1)), p.days[yi], cls, kb, km,
                      4 if cls == "cur" else 72, int(p.audit[yi])])
        self.sql("CREATE TEMP TABLE gen_school (school_id bigint, dkey bigint, admin_user bigint, leader_user bigint, "
                 "district_user bigint, district_role varchar(32))")
        self.cur.executemany("INSERT INTO gen_school VALUES (%s, %s, %s, %s, %s, %s)", [
            (s.pk, s.district_id or 0, a, lead, du, dr) for s, a, lead, _b, du, dr in p.schools])
        self.sql("CREATE TEMP TABLE gen_teacher AS SELECT "
                 "ROW_NUMBER() OVER (ORDER BY tp.id) - 1 AS tn, tp.id AS teacher_id, tp.user_id AS user_id, "
                 "tp.school_id AS school_id, COALESCE(s.district_id, 0) AS dkey, tp.status AS status, "
                 "tp.name AS name, tp.subject AS subject, tp.stage AS stage, u.username AS username, s.name AS school_name "
                 "FROM accounts_teacherprofile tp JOIN accounts_school s ON s.id = tp.school_id "
                 "JOIN accounts_user u ON u.id = tp.user_id WHERE tp.status IN ('approved', 'inactive')")
        n_years = len(p.years)
        self.sql(
            "CREATE TEMP TABLE gen_ty AS SELECT z.tn AS tn, z.teacher_id AS teacher_id, z.user_id AS user_id, "
            "z.school_id AS school_id, z.yi AS yi, z.year_id AS year_id, z.kn AS kn, z.base_key AS base_key, "
            "CASE WHEN z.heavy = 1 AND z.kn > 0 THEN z.kn + 4 ELSE z.kn END AS k FROM ("
            "SELECT t.tn AS tn, t.teacher_id AS teacher_id, t.user_id AS user_id, t.school_id AS school_id, "
            "y.yi AS yi, y.year_id AS year_id, "
            f"CASE WHEN t.status = 'inactive' AND y.ycls = 'cur' THEN 0 ELSE y.kb + {d.h('t.tn * 8 + y.yi', 5)} % y.km END AS kn, "
            f"CASE WHEN {d.h('t.tn', 9)} % 20 = 0 THEN 1 ELSE 0 END AS heavy, "
            f"(t.tn * {n_years} + y.yi) * {MAX_PER_YEAR} AS base_key "
            "FROM gen_teacher t CROSS JOIN gen_year y) z")
        if not self.pg:
            self.sql("CREATE TEMP TABLE gen_num (j integer)")
            self.cur.executemany("INSERT INTO gen_num VALUES (%s)", [(j,) for j in range(MAX_PER_YEAR)])

        # The item mix: SLOTS slots per 学年, each an item version, option and quantity with its credits.
        self.sql("CREATE TEMP TABLE gen_slot (yi integer, slot integer, item_id bigint, opt varchar(40), "
                 "qty numeric(7,1), credits numeric(7,1), qty_red numeric(7,1), credits_red numeric(7,1), "
                 "source varchar(20), kindc varchar(8), title varchar(200), organizer varchar(100))")
        organizers = ["成都市教育科学研究院", "区（市）县教师发展中心", "本校教科室", "四川省教育厅", "成都数字学校"]
        for yi, y in enumerate(p.years):
            choices = []
            for item in catalogue_for(y.start_year):
                if item.flow not in SOURCE_OF_FLOW:
                    continue  # roster credits come from the rosters
                weight, quantities = ITEM_MIX.get(item.code, DEFAULT_MIX)
                rule = R.rule_from_item(item)
                options = sorted(rule.options) if rule.conversion == R.BY_OPTION else [""]
                for opt_i, opt in enumerate(options):
                    for q in quantities:
                        qty = Decimal(q)
                        credits = R.entry_credits(rule, qty, opt)
                        red = (qty / 2).quantize(Decimal("1")) if rule.conversion == R.PER_HOUR and qty >= 4 else None
                        credits_red = R.entry_credits(rule, red, opt) if red is not None else None
                        # lower levels (校级, 区级) are the common ones
                        w = weight / len(quantities) * ((opt_i + 1) if opt else 1)
                        choices.append((w / (sum(range(1, len(options) + 1)) if opt else 1), item, opt, qty, credits,
                                        red, credits_red))
            counts = _largest_remainder(SLOTS, [c[0] for c in choices])
            rows, slot = [], 0
            for n, (_, item, opt, qty, credits, red, credits_red) in zip(counts, choices, strict=False):
                source = SOURCE_OF_FLOW[item.flow]
                row = (item.pk, opt, qty, credits, red, credits_red, source, KIND_OF_SOURCE[source],
                       f"{y.label}学年{item.name}"[:200], organizers[item.pk % len(organizers)])
                for _ in range(n):
                    rows.append((yi, slot, *row))
                    slot += 1
                if item.code == "video_course" and qty == 8:
                    rows.append((yi, HEAVY_SLOT, *row))
            self.cur.executemany("INSERT INTO gen_slot VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)

        self.sql("CREATE TEMP TABLE gen_status (ycls varchar(8), kindc varchar(8), slot integer, status varchar(20))")
        rows = []
        for cls, by_kind in STATUS_MIX.items():
            for kindc, mix in by_kind.items():
                slot = 0
                for status, pct in mix.items():
                    for _ in range(pct):
                        rows.append((cls, kindc, slot, status))
                        slot += 1
                assert slot == 100, (cls, kindc)
        self.cur.executemany("INSERT INTO gen_status VALUES (%s, %s, %s, %s)", rows)

        self.sql("CREATE TEMP TABLE gen_chain (source varchar(20), status varchar(20), seq integer, action varchar(20), "
                 "from_state varchar(20), to_state varchar(20), actor varchar(16), role varchar(32), comment varchar(200))")
        self.cur.executemany("INSERT INTO gen_chain VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", _chains())

        self.sql("CREATE TEMP TABLE gen_roster (roster_id bigint, dkey bigint, lvl integer, yi integer, item_id bigint, "
                 "school_id bigint, reviewer bigint, reviewer_role varchar(32), approved integer)")
        self.cur.executemany("INSERT INTO gen_roster VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", [
            (r.pk, dkey, 0 if level == "city" else 1, yi, item_id, r.school_id, reviewer, role, int(final == "approved"))
            for r, dkey, level, yi, item_id, reviewer, role, final in p.rosters])
        if self.pg:  # temporary tables are never analysed by autovacuum: without statistics, nested loops
            for t in ("gen_year", "gen_school", "gen_teacher", "gen_ty", "gen_slot", "gen_status", "gen_chain",
                      "gen_roster"):
                self.sql(f"ANALYZE {t}")

    def _max_id(self, table: str) -> int:
        self.cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(self.cur.fetchone()[0])

    def _entries(self) -> None:
        d, p = self.d, self.plan
        base = self._max_id("credits_creditentry") + 1
        counted = "('district_reviewed', 'confirmed')"
        key = "x.key"
        select = f"""
            SELECT {base} + x.key, x.teacher_id, x.school_id, x.year_id, c.item_id, c.opt, c.title, c.organizer,
                   x.day, x.day, c.qty,
                   CASE WHEN x.red AND c.qty_red IS NOT NULL AND st.status IN {counted}
                        AND c.source IN ('declared', 'self_registered') THEN c.qty_red END,
                   CASE WHEN x.red AND c.qty_red IS NOT NULL AND st.status IN {counted}
                        AND c.source IN ('declared', 'self_registered') THEN c.credits_red ELSE c.credits END,
                   st.status, c.source,
                   CASE WHEN c.source = 'feed' THEN 'gen-' || CAST({base} + x.key AS varchar(20)) ELSE '' END,
                   CASE st.status WHEN 'rejected' THEN '{REJECT_REASON}' WHEN 'returned' THEN '{RETURN_REASON}'
                        ELSE (CASE WHEN x.red AND c.qty_red IS NOT NULL AND st.status IN {counted}
                                   AND c.source IN ('declared', 'self_registered') THEN '{REDUCE_REASON}' ELSE '' END) END,
                   CASE c.source WHEN 'admin_registered' THEN s.admin_user WHEN 'feed' THEN {p.city_user_id}
                        ELSE x.user_id END,
                   {d.at_hours('x.day', f'24 + {key} % 10')},
                   {d.at_hours('x.day', f'24 + {key} % 10 + 3 * x.step_hours')}
            FROM (
                SELECT ty.base_key + g.j AS key, ty.teacher_id AS teacher_id, ty.user_id AS user_id,
                       ty.school_id AS school_id, ty.year_id AS year_id, ty.yi AS yi, y.ycls AS ycls,
                       y.step_hours AS step_hours,
                       CASE WHEN g.j >= ty.kn THEN {HEAVY_SLOT} ELSE {d.h('ty.base_key + g.j', 1)} % {SLOTS} END AS slot,
                       {d.h('ty.base_key + g.j', 2)} % 100 AS sslot,
                       {d.add_days('y.start_date', d.h('ty.base_key + g.j', 3) + ' % y.days')} AS day,
                       ({d.h('ty.base_key + g.j', 4)} % 30 = 0) AS red
                FROM gen_ty ty JOIN gen_year y ON y.yi = ty.yi {d.series('g', 'ty.k')}
            ) x
            JOIN gen_slot c ON c.yi = x.yi AND c.slot = x.slot
            JOIN gen_status st ON st.ycls = x.ycls AND st.kindc = c.kindc AND st.slot = x.sslot
            JOIN gen_school s ON s.school_id = x.school_id
        """
        columns = ('id, teacher_id, school_id, academic_year_id, item_id, "option", title,'
                   " organizer, started_on, "
                   "ended_on, quantity_claimed, quantity_approved, credits, status, source, external_id, last_comment, "
                   "created_by_id, created_at, updated_at")
        if os.environ.get("JX_GEN_EXPLAIN"):
            self.cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {select}")
            sys.stderr.write("\n".join(r[0] for r in self.cur.fetchall()) + "\n")
        n = self.sql(f"INSERT INTO credits_creditentry ({columns}) {select}")

        # 基地校花名册 credits: about one teacher in eight of the district on each approved roster.
        roster_base = base + len(p.years) * MAX_PER_YEAR * (self._count("gen_teacher") + 1)
        rkey = f"(t.tn * {len(p.years)} + r.yi) * 2 + r.lvl"
        n += self.sql(f"""
            INSERT INTO credits_creditentry ({columns})
            SELECT {roster_base} + {rkey}, t.teacher_id, t.school_id, y.year_id, r.item_id, '',
                   '基地校培训（花名册）', sc.name, {d.add_days('y.start_date', '300')}, {d.add_days('y.start_date', '300')},
                   8 * (1 + {d.h(rkey, 8)} % 4), NULL, 8 * (1 + {d.h(rkey, 8)} % 4), 'confirmed', 'roster', '', '', r.reviewer,
                   {d.at_hours(d.add_days('y.start_date', '330'), '9')}, {d.at_hours(d.add_days('y.start_date', '330'), '9')}
            FROM gen_teacher t JOIN gen_roster r ON r.dkey = t.dkey
            JOIN gen_year y ON y.yi = r.yi JOIN accounts_school sc ON sc.id = r.school_id
            WHERE r.approved = 1 AND NOT (t.status = 'inactive' AND y.ycls = 'cur') AND {d.h(rkey, 7)} % 100 < 12
        """)
        self.roster_base = roster_base
        self.entry_base = base
        self.figures.entries = n

    def _count(self, table: str) -> int:
        self.cur.execute(f"SELECT COUNT(*) FROM {table}")
        return int(self.cur.fetchone()[0])

    def _transitions(self) -> None:
        d, p = self.d, self.plan
        base = self._max_id("reviews_entrytransition") + 1
        actor = (f"CASE ch.actor WHEN 'teacher' THEN t.user_id WHEN 'school_admin' THEN s.admin_user "
                 f"WHEN 'leader' THEN s.leader_user WHEN 'district' THEN "
                 f"(CASE WHEN e.source = 'roster' THEN e.created_by_id ELSE s.district_user END) "
                 f"WHEN 'city' THEN {p.city_user_id} END")
        role = ("CASE WHEN ch.role <> 'district' THEN ch.role WHEN e.source = 'roster' THEN "
                "(CASE WHEN e.created_by_id = " + str(p.city_user_id) + " THEN 'city_staff' ELSE 'district_admin' END) "
                "ELSE s.district_role END")
        self.figures.transitions = self.sql(f"""
            INSERT INTO reviews_entrytransition (id, entry_id, action, actor_id, role, at, from_state, to_state,
                                                 changes, comment)
            SELECT {base} + (e.id - {self.entry_base}) * 8 + ch.seq, e.id, ch.action, {actor}, {role},
                   {d.at_hours('e.created_at', 'ch.seq * y.step_hours')}, ch.from_state, ch.to_state,
                   {d.json_empty}, ch.comment
            FROM credits_creditentry e
            JOIN gen_year y ON y.year_id = e.academic_year_id
            JOIN gen_chain ch ON ch.source = e.source AND ch.status = e.status
            JOIN gen_teacher t ON t.teacher_id = e.teacher_id
            JOIN gen_school s ON s.school_id = e.school_id
            WHERE y.audit = 1 AND e.id >= {self.entry_base}
        """)

    def _evidence_and_rosters(self) -> None:
        d, p = self.d, self.plan
        digest = hashlib.sha256(b"bench-proof").hexdigest()
        self.figures.evidence = self.sql(f"""
            INSERT INTO reviews_evidence (entry_id, file, original_name, content_type, size, sha256, uploaded_by_id,
                                          uploaded_at, reviewed_at)
            SELECT e.id, '{PROOF_NAME}', CASE e.source WHEN 'declared' THEN '学时证明.pdf' ELSE '证书.pdf' END,
                   'application/pdf', 48213,
                   -- Each proof its own file (its digest, for the duplicate checks), but one in 500 the same
                   -- 通知 another teacher also handed in: the 重复提示 the reviewers see in a real city.
                   CASE WHEN e.id % 500 = 0 THEN '{digest}' ELSE 'bench-' || CAST(e.id AS varchar(20)) END,
                   e.created_by_id, e.created_at,
                   CASE WHEN e.status IN ('submitted', 'returned', 'withdrawn') OR
                             (e.status IN ('school_approved', 'rejected') AND e.source = 'admin_registered')
                        THEN NULL ELSE e.updated_at END
            FROM credits_creditentry e JOIN gen_year y ON y.year_id = e.academic_year_id
            WHERE y.audit = 1 AND e.id >= {self.entry_base} AND e.source IN ('declared', 'admin_registered')
        """)
        # 花名册 rows: the credited teachers of the approved rosters, the listed ones of those still in review.
        self.figures.roster_rows = self.sql(f"""
            INSERT INTO reviews_rosterrow (roster_id, line, seq, school_name, username, name, subject, stage, hours,
                                           credits, teacher_id, error, entry_id)
            SELECT r.roster_id, 1 + ROW_NUMBER() OVER (PARTITION BY r.roster_id ORDER BY e.id),
                   CAST(ROW_NUMBER() OVER (PARTITION BY r.roster_id ORDER BY e.id) AS varchar(16)),
                   t.school_name, t.username, t.name, t.subject, t.stage, e.quantity_claimed, e.credits,
                   t.teacher_id, '', e.id
            FROM credits_creditentry e JOIN gen_teacher t ON t.teacher_id = e.teacher_id
            JOIN gen_roster r ON r.dkey = t.dkey AND r.item_id = e.item_id
            JOIN gen_year y ON y.year_id = e.academic_year_id AND y.yi = r.yi
            WHERE e.source = 'roster' AND e.id >= {self.roster_base}
        """)
        rkey = f"(t.tn * {len(p.years)} + r.yi) * 2 + r.lvl"
        self.figures.roster_rows += self.sql(f"""
            INSERT INTO reviews_rosterrow (roster_id, line, seq, school_name, username, name, subject, stage, hours,
                                           credits, teacher_id, error, entry_id)
            SELECT r.roster_id, 1 + ROW_NUMBER() OVER (PARTITION BY r.roster_id ORDER BY t.tn),
                   CAST(ROW_NUMBER() OVER (PARTITION BY r.roster_id ORDER BY t.tn) AS varchar(16)),
                   t.school_name, t.username, t.name, t.subject, t.stage, 16.0, 16.0, t.teacher_id, '', NULL
            FROM gen_teacher t JOIN gen_roster r ON r.dkey = t.dkey
            WHERE r.approved = 0 AND t.status = 'approved' AND {d.h(rkey, 7)} % 100 BETWEEN 8 AND 12
        """)
        self.sql("UPDATE reviews_roster SET row_count = (SELECT COUNT(*) FROM reviews_rosterrow rr "
                 "WHERE rr.roster_id = reviews_roster.id)")
        for roster, _dkey, level, yi, _item, reviewer, _role, final in p.rosters:
            if final != "approved":
                continue
            y = p.years[yi]
            at = datetime.datetime(y.start_year + 1, 6, 25, 10, tzinfo=datetime.UTC)
            changes = {"status": final, "district_reviewed_at": at}
            if level == "city":
                changes.update(city_reviewed_by_id=reviewer, city_reviewed_at=at)
                if roster.school.district_id:
                    changes["district_reviewed_by_id"] = next(
                        du for s, _a, _l, _b, du, _r in p.schools if s.pk == roster.school_id)
            else:
                changes["district_reviewed_by_id"] = reviewer
            type(roster).objects.filter(pk=roster.pk).update(**changes)

        # Notifications (some read) and the account history of each teacher.
        cur_year = p.years[-1]
        notes = self.sql(f"""
            INSERT INTO accounts_notification (recipient_id, title, body, url, dedupe_key, created_at, read_at)
            SELECT t.user_id, CASE WHEN n.k = 0 THEN '您的学分登记已通过复核' ELSE '学分登记截止提醒' END,
                   CASE WHEN n.k = 0 THEN '区（市）县已复核您的登记。' ELSE '本学年学分登记将于7月31日截止。' END,
                   '', '', {d.at_hours(f"'{datetime.date(cur_year.start_year, 9, 1)}'", 't.tn % 700')},
                   CASE WHEN n.k = 0 THEN {d.at_hours(f"'{datetime.date(cur_year.start_year, 9, 1)}'", 't.tn % 700 + 5')}
                   END
            FROM gen_teacher t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) n
        """)
        events = self.sql(f"""
            INSERT INTO accounts_accountevent (user_id, actor_id, actor_role, action, "before", "after", comment, at)
            SELECT t.user_id, s.admin_user, 'school_admin', 'created', {d.json_empty}, {d.json_empty}, '批量导入',
                   {d.at_hours(f"'{datetime.date(p.years[0].start_year, 8, 20)}'", 't.tn % 500')}
            FROM gen_teacher t JOIN gen_school s ON s.school_id = t.school_id
            UNION ALL
            SELECT t.user_id, s.district_user, s.district_role, 'approved', {d.json_empty}, {d.json_empty}, '',
                   {d.at_hours(f"'{datetime.date(p.years[0].start_year, 8, 25)}'", 't.tn % 500')}
            FROM gen_teacher t JOIN gen_school s ON s.school_id = t.school_id
        """)
        self.figures.seconds["notifications_events_rows"] = notes + events
