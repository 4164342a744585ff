"""The documents of the 审证 package (notice 三(一)3, 三(二)3 and 附件1–3), as PDF and Excel.

Each builder takes model objects, reads through ``reports.selectors`` and returns bytes or
writes to a binary file. PDFs go through ``core.pdf`` (one font chain and CSS for every form);
Excel through ``reports.excel`` (formula-looking text kept as text; write-only for the large
district files, which are written school batch by school batch, never all in memory).
"""

from __future__ import annotations

import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from accounts.models import School
from core.pdf import render_pdf
from credits import rules as R
from credits import selectors as credit_selectors
from credits.models import AcademicYear, Category, CreditEntry, EntryStatus

from . import selectors as S
from .excel import BOLD, CENTER, TITLE, append_row, stream_row, style_range

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATEMENT_CHUNK = 40  # statements rendered per WeasyPrint document before merging


def _district_name(school: School) -> str:
    return school.district.name if school.district_id else "市直属学校"


# --- 个人学分统计表 ---------------------------------------------------------------------------


def _statement_html(statements) -> str:
    return render_to_string("reports/pdf/statements.html", {"statements": statements})


def statement_pdf(teacher, year: AcademicYear) -> bytes:
    s = S.statement(teacher, year)
    s.number = 1
    return render_pdf(_statement_html([s]))


def statements_bundle_pdf(school: School, year: AcademicYear, target, *, progress=None) -> int:
    """The whole school's statements as one PDF, in the order of its 送审报表, written to `target`.

    Rendered in chunks (WeasyPrint keeps a document's layout in memory) and merged with pypdf.
    Returns the number of statements; `progress(done, total)` is called after each chunk. The 审证
    package renders the same chunks as parts on several workers (reports.package) and merges them
    with ``merge_pdfs``: the same file."""
    teachers = S.ordered_teachers(school)
    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, chunk in enumerate(S.chunks(teachers, STATEMENT_CHUNK)):
            paths.append(f"{tmp}/part{n:05d}.pdf")
            statements_chunk_pdf(chunk, year, paths[-1], first_number=done + 1)
            done += len(chunk)
            if progress:
                progress(done, len(teachers))
        if not teachers:
            paths.append(f"{tmp}/empty.pdf")
            statements_empty_pdf(school, paths[-1])
        merge_pdfs(paths, target)
    return len(teachers)


def statements_chunk_pdf(teachers: list, year: AcademicYear, target, *, first_number: int) -> None:
    """One chunk of a school's statements (one WeasyPrint document), numbered from `first_number`."""
    stmts = S.statements(teachers, year)
    for i, s in enumerate(stmts, start=first_number):
        s.number = i
    render_pdf(_statement_html(stmts), target=target)


def statements_empty_pdf(school: School, target) -> None:
    """The bundle of a school without an approved teacher."""
    render_pdf(f"<p>{school.name} 没有已审核的教师账号。</p>", target=target)


def merge_pdfs(sources, target) -> None:
    """The PDFs `sources` (paths or binary files), in order, as one PDF written to `target`."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for source in sources:
        writer.append(source)
    writer.write(target)


# --- 送审报表 (school) -------------------------------------------------------------------------


@dataclass
class ReportRow:
    number: int
    teacher: object
    regulated: Decimal
    flexible: Decimal
    total: Decimal
    ok: bool
    missing: str


def submission_sections(school: School, year: AcademicYear):
    """[(section label, [ReportRow])] in report order; numbers run through the school."""
    sections = S.ordered_sections(school)
    totals = S.year_totals(school_ids=[school.pk], academic_year=year)
    out, n = [], 0
    for section in sections:
        rows = []
        for t in section.teachers:
            n += 1
            tt = totals[t.pk]
            check = R.year_check(tt, year.start_year)
            rows.append(ReportRow(n, t, tt.regulated, tt.flexible, tt.total, check.ok, S.missing_text(check)))
        out.append((section.label, rows))
    return out


def submission_pdf(school: School, year: AcademicYear) -> bytes:
    """成都市中小学教师继续教育规范性学分和灵活性学分送审报表, 一式两份 (two copies in one file)."""
    html = render_to_string("reports/pdf/submission.html", {
        "school": school, "district": _district_name(school), "year": year,
        "sections": submission_sections(school, year), "copies": ("第一份", "第二份"),
        "today": timezone.localdate(),
    })
    return render_pdf(html)


SUBMISSION_HEAD = ["编号", "账号", "姓名", "学科", "学段", "规范性", "灵活性", "合计", "是否达标", "备注"]


def submission_xlsx(school: School, year: AcademicYear) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for label, rows in submission_sections(school, year):
        ws = wb.create_sheet(title=label or "送审报表")
        width = len(SUBMISSION_HEAD)
        last = get_column_letter(width)
        append_row(ws, [f"成都市中小学教师继续教育规范性学分和灵活性学分送审报表{('（' + label + '）') if label else ''}"])
        ws.merge_cells(f"A1:{last}1")
        ws["A1"].font = TITLE
        ws["A1"].alignment = CENTER
        append_row(ws, [f"区（市）县：{_district_name(school)}    学校（公章）：{school.name}    学年度：{year.label}"])
        ws.merge_cells(f"A2:{last}2")
        append_row(ws, SUBMISSION_HEAD)
        style_range(ws, f"A3:{last}3", font=BOLD)
        for r in rows:
            t = r.teacher
            append_row(ws, [r.number, t.user.username, t.name, t.subject, t.get_stage_display(), float(r.regulated),
                            float(r.flexible), float(r.total), "是" if r.ok else "否", r.missing])
        end = ws.max_row
        append_row(ws, ["校管理员签字：", "", "", "", "校长签字：", "", "", "（学校盖章）", "", "年  月  日"])
        ws.merge_cells(start_row=end + 1, start_column=1, end_row=end + 1, end_column=4)
        for col, w in zip("ABCDEFGHIJ", (6, 14, 10, 8, 8, 8, 8, 8, 8, 30), strict=False):
            ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- 附件3 送审报表（评职称用） -----------------------------------------------------------------

FORM3_TITLE = "成都市中小学教师继续教育规范性和灵活性学分送审报表（评职称用）"
YEAR_HEADS = ("第一年度", "第二年度", "第三年度", "第四年度", "第五年度", "小计")


@dataclass
class Form3Row:
    number: int
    teacher: object
    regulated: list  # five 学年, oldest first
    flexible: list
    regulated_sum: Decimal
    flexible_sum: Decimal
    total: Decimal
    note: str


def form3_rows(school: School, year: AcademicYear, teachers) -> tuple[list[int], list[Form3Row]]:
    """附件3 rows of the applicants: the five 学年 up to `year`; the 备注 says what is short of
    360 / 240 / 120 (职评), or of 120 in the last 学年 for a new teacher's 转正."""
    years, five = S.five_year_totals(school_ids=[school.pk], academic_year=year)
    rows = []
    for n, t in enumerate(teachers, start=1):
        per_year = five.get(t.pk) or []
        reg = [p.regulated for p in per_year]
        flex = [p.flexible for p in per_year]
        reg_sum, flex_sum = sum(reg, R.ZERO), sum(flex, R.ZERO)
        kind = getattr(t, "application_kind", None)
        if kind == "probation" or (kind is None and getattr(t, "is_new_teacher", False)):
            check = R.probation_pass_check(per_year[-1], year.start_year) if per_year else None
            note = ("转正：最近一个学年度" + S.missing_text(check) + "学分") if check and not check.ok else "转正：已满120学分"
        else:
            by_year = dict(zip(years, per_year, strict=False))
            check = R.title_check(by_year, years)
            note = (S.missing_text(check) + "学分（须360，其中规范性240、灵活性120）") if not check.ok else "已达到360/240/120"
        rows.append(Form3Row(n, t, reg, flex, reg_sum, flex_sum, reg_sum + flex_sum, note))
    return years, rows


def form3_xlsx(school: School, year: AcademicYear, teachers, *, filler: str = "", phone: str = "") -> bytes:
    """附件3 with the attachment's merged header: 编号 | 姓名 | 学科 | 继续教育（折算）学分数
    (规范性培训 第一…第五年度 小计 | 灵活性培训 the same | 合计) | 备注."""
    years, rows = form3_rows(school, year, teachers)
    wb = Workbook()
    ws = wb.active
    ws.title = "附件3"
    append_row(ws, [FORM3_TITLE])
    ws.merge_cells("A1:Q1")
    ws["A1"].font = TITLE
    ws["A1"].alignment = CENTER
    append_row(ws, [f"{_district_name(school)}  区    {school.name}  学校    {year.label}  学年度    "
                    f"填表人 {filler}    填表人电话 {phone}"])
    ws.merge_cells("A2:Q2")
    append_row(ws, ["编号", "姓名", "学科", "继续教育（折算）学分数"] + [""] * 12 + ["备注"])
    append_row(ws, ["", "", "", "规范性培训", "", "", "", "", "", "灵活性培训", "", "", "", "", "", "合计", ""])
    append_row(ws, ["", "", "", *YEAR_HEADS, *YEAR_HEADS, "", ""])
    for rng in ("A3:A5", "B3:B5", "C3:C5", "D3:P3", "Q3:Q5", "D4:I4", "J4:O4", "P4:P5"):
        ws.merge_cells(rng)
    style_range(ws, "A3:Q5", font=BOLD)
    for r in rows:
        t = r.teacher
        append_row(ws, [r.number, t.name, t.subject, *[float(v) for v in r.regulated], float(r.regulated_sum),
                        *[float(v) for v in r.flexible], float(r.flexible_sum), float(r.total), r.note])
    first_data, last_data = 6, ws.max_row
    if rows:
        style_range(ws, f"A{first_data}:Q{last_data}", alignment=None)
    append_row(ws, [f"第一年度至第五年度：{years[0]}-{years[0] + 1} 至 {years[-1]}-{years[-1] + 1} 学年"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=17)
    append_row(ws, ["校管理员签字：", "", "", "", "", "", "", "", "校长签字：", "", "", "", "", "（学校盖章）", "", "", "年  月  日"])
    sign = ws.max_row
    ws.merge_cells(start_row=sign, start_column=1, end_row=sign, end_column=8)
    ws.merge_cells(start_row=sign, start_column=9, end_row=sign, end_column=13)
    for n, w in enumerate((6, 10, 8, *([7] * 13), 34), start=1):
        ws.column_dimensions[get_column_letter(n)].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def form3_pdf(school: School, year: AcademicYear, teachers, *, filler: str = "", phone: str = "") -> bytes:
    years, rows = form3_rows(school, year, teachers)
    html = render_to_string("reports/pdf/form3.html", {
        "school": school, "district": _district_name(school), "year": year, "rows": rows, "years": years,
        "year_heads": YEAR_HEADS, "title": FORM3_TITLE, "filler": filler, "phone": phone,
        "blank_rows": range(max(0, 5 - len(rows))),
    })
    return render_pdf(html)


# --- 附件2 灵活性培训学分登记表 ----------------------------------------------------------------


@dataclass(frozen=True)
class Form2Row:
    """One row of 附件2: where the teacher's entries of an item (and option group) are written."""

    key: str
    group: str  # 项目名称 (the first column)
    sub: str  # 参培者 / 主讲者 / 公开课·主讲者 …
    fields: tuple  # (label, getter) of the 项目内容 columns
    method: str
    basis: str
    codes: tuple
    option_prefix: str = ""


def _date(e):
    if e.ended_on and e.ended_on != e.started_on:
        return f"{e.started_on:%Y.%m.%d}–{e.ended_on:%Y.%m.%d}"
    return f"{e.started_on:%Y.%m.%d}"


def _option(e):
    for o in e.item.options or []:
        if o.get("key") == e.option:
            return o.get("label", e.option)
    return e.option or ""


def _record(e):
    return f"{_date(e)}；{_option(e)}；{e.title}"


_T = ("培训时间", _date)
_C = ("培训内容", lambda e: e.title)

FORM2_ROWS = (
    Form2Row("school_based", "校本培训", "", (_T, _C), "每学时计算0.5学分", "学时证明", ("school_based_training",)),
    Form2Row("lecture_attendee", "专题讲座", "参培者", (_T, _C), "每学时计算0.5学分", "学时证明", ("lecture_attendee",)),
    Form2Row("lecture_speaker", "专题讲座", "主讲者", (("级别", _option), _T, _C),
             "按《办法》第14条规定的折算办法执行", "聘书、讲稿、课表、证明", ("lecture_speaker",)),
    Form2Row("certificate", "职业技能\n职称考试\n普通话", "", (("获取时间", _date), ("项目名称（技能等级）", lambda e: e.title)),
             "按《办法》第14条第6款规定计20学分", "合格证书", ("flex_certificate",)),
    Form2Row("research_activity", "教学研讨", "教研活动", (("起止时间", _date), ("活动内容", lambda e: e.title)),
             "每学时计算0.5学分", "学时证明", ("teaching_research",)),
    Form2Row("open_class_speaker", "教学研讨", "公开课·主讲者", (("记载事项（时间、级别、内容）", _record),),
             "按《办法》第15条第1款规定执行", "主办单位证明", ("open_class",), "speaker"),
    Form2Row("open_class_reviewer", "教学研讨", "公开课·评讲者", (("记载事项（时间、级别、内容）", _record),),
             "按《办法》第15条第1款规定执行", "主办单位证明", ("open_class",), "reviewer"),
    Form2Row("class_contest", "课堂大赛", "", (("颁奖单位", lambda e: e.organizer), ("等级", _option), ("题目", lambda e: e.title)),
             "按《办法》第15条第2款规定执行", "获奖证书", ("class_contest",)),
    Form2Row("seminar", "学术研讨", "", (("主办单位", lambda e: e.organizer), ("时间", _date), ("题目", lambda e: e.title)),
             "按《办法》第15条第3款规定执行", "会议通知、论文", ("academic_seminar",)),
    Form2Row("project_lead", "课题研究", "主研", (("级别", _option), ("时间", _date), ("课题名称", lambda e: e.title)),
             "按《办法》第15条第4款规定执行", "课题结题证书", ("research_project",), "lead"),
    Form2Row("project_member", "课题研究", "参研", (("级别", _option), ("时间", _date), ("课题名称", lambda e: e.title)),
             "按《办法》第15条第4款规定执行", "课题结题证书", ("research_project",), "member"),
    Form2Row("publication", "论文著述", "", (("级别", _option), ("时间", _date), ("题目", lambda e: e.title)),
             "按《办法》第15条第5款规定执行", "发表论文（著作）的封面、目录和正文复印件", ("publication",)),
    Form2Row("other", "其它活动", "", (("起止时间", _date), ("培训单位", lambda e: e.organizer), ("培训内容", lambda e: e.title)),
             "按《办法》第16条相关条款执行", "", ("other_activity",)),
)
CONTENT_COLUMNS = 3


def form2_row_for(entry) -> Form2Row:
    """The 附件2 row an entry is written in (a flexible item the form does not name: 其它活动)."""
    for row in FORM2_ROWS:
        if entry.item.code in row.codes and (not row.option_prefix or (entry.option or "").startswith(row.option_prefix)):
            return row
    return FORM2_ROWS[-1]


@dataclass
class Form2Line:
    cells: list  # [(text, colspan)]
    quantity: str
    credits: str
    verified: bool


def _cells(fields, getter_source) -> list:
    """Spread 1–3 fields over the three 项目内容 columns (the last one takes what is left)."""
    out, left = [], CONTENT_COLUMNS
    for n, (label, get) in enumerate(fields):
        span = left if n == len(fields) - 1 else 1
        out.append((get(getter_source) if callable(get) and getter_source is not None else label, span))
        left -= span
    return out


def form2_context(teacher, year: AcademicYear) -> dict:
    """What 附件2 prints: every row of the form (an empty line where the teacher has nothing),
    each entry's 实际学时 and — from the school admin's verification on — its 折算学分, and the
    合计 of the verified entries with the year's caps and whole units applied."""
    entries = list(
        CreditEntry.objects.filter(teacher=teacher, academic_year=year, item__category=Category.FLEXIBLE)
        .exclude(status__in=[EntryStatus.WITHDRAWN, EntryStatus.REJECTED])
        .select_related("item").order_by("started_on", "pk")
    )
    by_row = defaultdict(list)
    for e in entries:
        by_row[form2_row_for(e).key].append(e)
    blocks, groups = [], []
    verified_hours = R.ZERO
    for row in FORM2_ROWS:
        lines = []
        for e in by_row.get(row.key, []):
            verified = e.status in S.VERIFIED_STATUSES
            unit = "" if e.item.unit_label == "学时" else e.item.unit_label
            if verified and not unit:
                verified_hours += Decimal(e.quantity)
            lines.append(Form2Line(_cells(row.fields, e), f"{S._fmt(e.quantity)}{unit}",
                                   S._fmt(e.credits) if verified else "待校验证", verified))
        if not lines:
            lines.append(Form2Line([("", span) for _, span in _cells(row.fields, None)], "", "", False))
        block = {"row": row, "labels": _cells(row.fields, None), "lines": lines, "rowspan": 1 + len(lines)}
        if groups and groups[-1]["name"] == row.group:
            groups[-1]["blocks"].append(block)
            groups[-1]["rowspan"] += block["rowspan"]
        else:
            groups.append({"name": row.group, "blocks": [block], "rowspan": block["rowspan"]})
        blocks.append(block)
    totals = credit_selectors.teacher_totals_by_year(teacher=teacher, years=[year.start_year],
                                                     statuses=S.VERIFIED_STATUSES)[year.start_year]
    pending = sum(1 for e in entries if e.status not in S.VERIFIED_STATUSES)
    return {"teacher": teacher, "school": teacher.school, "district": _district_name(teacher.school), "year": year,
            "groups": groups, "total": totals.flexible, "hours": verified_hours, "pending": pending,
            "entries": entries, "today": timezone.localdate()}


def form2_pdf(teacher, year: AcademicYear) -> bytes:
    return render_pdf(render_to_string("reports/pdf/form2.html", form2_context(teacher, year)))


# --- 附件1 花名册 template -------------------------------------------------------------------

ROSTER_COLUMNS = ("序号", "学校", "账号", "姓名", "学科", "学段", "学时", "学分")
ROSTER_NOTES = ("填表说明：1.此表由市、区两级教师发展基地校填写；2.填报信息应准确有据；3.“学时”栏填校本研修学时。"
                "区基地校填25学分，市基地校填40学分。4.此表一经审核无法重新上传及修改。")


def roster_template_xlsx(school: School, year: AcademicYear, *, rows: int = 20) -> bytes:
    """附件1 pre-filled with the 区 and the 基地校's name, 20 empty numbered lines and the
    填表说明 under them. The column header is the one the roster upload reads."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    append_row(ws, [f"成都市{year.label}校本研修参培人员花名册"])
    ws.merge_cells("A1:H1")
    ws["A1"].font = TITLE
    ws["A1"].alignment = CENTER
    append_row(ws, [f"{_district_name(school)}  区    {school.name}  学校（公章）：    填表人：          电话：      "])
    ws.merge_cells("A2:H2")
    append_row(ws, list(ROSTER_COLUMNS))
    style_range(ws, "A3:H3", font=BOLD)
    for _ in range(rows):  # empty lines with borders: a line left empty is not read as a row
        append_row(ws, [""] * len(ROSTER_COLUMNS))
    style_range(ws, f"A4:H{3 + rows}", alignment=None)
    append_row(ws, [ROSTER_NOTES])
    notes_row = ws.max_row
    ws.merge_cells(start_row=notes_row, start_column=1, end_row=notes_row, end_column=8)
    ws.cell(notes_row, 1).alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    ws.row_dimensions[notes_row].height = 48
    for col, width in zip("ABCDEFGH", (6, 24, 16, 10, 10, 8, 8, 8), strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- Streaming exports: district 送审报表, compliance of a school / district / city -------------

SCHOOL_BATCH = 40


def _cycle_years(year: AcademicYear) -> list[int]:
    first = R.cycle_start_for(year.start_year, credit_selectors.cycle_start_setting())
    return list(range(first, first + R.CYCLE_YEARS))


def iter_report_rows(schools, year: AcademicYear, *, with_cycle: bool = False):
    """(school, section label, number, teacher, year totals, cycle total or None) for every approved
    teacher of `schools`, school by school in report order; totals are read one batch of schools at
    a time (set-based), teachers as light rows (``selectors.ReportTeacher``) with a server-side
    cursor, so memory stays flat however many there are."""
    cycle_years = [y for y in _cycle_years(year) if y <= year.start_year] if with_cycle else []
    schools = list(schools)
    for batch in S.chunks(schools, SCHOOL_BATCH):
        ids = [s.pk for s in batch]
        totals = S.year_totals(school_ids=ids, academic_year=year)
        cycle = defaultdict(lambda: R.ZERO)
        for y in cycle_years:
            src = totals if y == year.start_year else S.year_totals(school_ids=ids, academic_year=y)
            for tid, t in src.items():
                cycle[tid] += t.total
        by_school = defaultdict(list)
        for t in S.report_teacher_rows(ids):
            by_school[t.school_id].append(t)
        for school in batch:
            n = 0
            for section in S.sections_of(school, by_school.pop(school.pk, [])):
                for t in section.teachers:
                    n += 1
                    yield school, section.label, n, t, totals[t.pk], (cycle[t.pk] if with_cycle else None)
        del totals, cycle, by_school


DISTRICT_HEAD = ["区（市）县", "学校", "分列", "编号", "账号", "姓名", "学科", "学段", "规范性", "灵活性", "合计", "是否达标", "备注"]


def district_submission_rows(schools, year: AcademicYear):
    """The cells of each teacher's row of a district's 送审报表, in report order."""
    start = year.start_year
    current = district = name = None
    for school, section, n, t, tt, _ in iter_report_rows(schools, year):
        if school is not current:  # what a row says of its school, worked out once per school
            current, district, name = school, _district_name(school), school.name
        check = R.year_check(tt, start)
        yield [district, name, section, n, t.username, t.name, t.subject, S.STAGE_LABELS.get(t.stage, t.stage),
               tt.regulated, tt.flexible, tt.total, "是" if check.ok else "否", S.missing_text(check)]


def write_district_submission(rows, target, *, year: AcademicYear, title: str) -> int:
    """The workbook of a district's 送审报表 from its rows (``district_submission_rows``, or the
    parts a job's workers wrote: reports.exports). Write-only, streamed. Returns the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("送审报表")
    stream_row(ws, [f"{title} {year.label}学年度 规范性学分和灵活性学分送审报表"], bold=True)
    stream_row(ws, DISTRICT_HEAD, bold=True)
    count = 0
    for row in rows:
        stream_row(ws, row)
        count += 1
    wb.save(target)
    return count


def district_submission_xlsx(schools, year: AcademicYear, target, *, title: str) -> int:
    """A district's 送审报表: every teacher of every school (write-only, streamed). Returns rows."""
    return write_district_submission(district_submission_rows(schools, year), target, year=year, title=title)


COMPLIANCE_HEAD = ["区（市）县", "学校", "账号", "姓名", "学科", "学段", "规范性", "灵活性", "合计",
                   "学年达标", "尚缺总学分(72)", "尚缺规范性(48)", "尚缺灵活性(24)", "五年周期累计", "尚缺(360)"]


@dataclass
class _Agg:
    teachers: int = 0
    ok: int = 0
    cycle_ok: int = 0
    short_total: Decimal = R.ZERO
    regulated: Decimal = R.ZERO
    flexible: Decimal = R.ZERO

    def add(self, r: ComplianceRow):
        self.teachers += 1
        self.ok += r.ok
        self.cycle_ok += r.cycle_ok
        self.short_total += r.short
        self.regulated += r.regulated
        self.flexible += r.flexible

    def row(self, *label):
        share = round(self.ok * 100 / self.teachers, 1) if self.teachers else 0
        return [*label, self.teachers, self.ok, self.teachers - self.ok, share, self.cycle_ok,
                self.short_total, self.regulated, self.flexible]


AGG_HEAD = ["教师数", "学年达标", "未达标", "达标比例(%)", "五年周期已满360", "合计尚缺学分", "规范性合计", "灵活性合计"]


@dataclass(frozen=True)
class ComplianceRow:
    """A teacher's line of the 达标情况 export and what the summaries add up from it."""

    cells: list
    district: tuple  # (the district's order, its name): the 按区（市）县 sheet's key and sort
    school: str
    stage: str
    ok: bool
    cycle_ok: bool
    short: Decimal
    regulated: Decimal
    flexible: Decimal


def compliance_rows(schools, year: AcademicYear):
    """Who is short of 72 / 48 / 24 this 学年 and of 360 over the five-year cycle, by how much,
    teacher by teacher in report order."""
    start = year.start_year
    current = district = name = order = None
    for school, _section, _n, t, tt, cycle_total in iter_report_rows(schools, year, with_cycle=True):
        if school is not current:
            current, district, name = school, _district_name(school), school.name
            order = school.district.order if school.district_id else 999
        check = R.year_check(tt, start)
        missing = check.missing
        cycle_short = max(R.ZERO, R.CYCLE_MIN_TOTAL - cycle_total)
        stage = S.STAGE_LABELS.get(t.stage, t.stage)
        yield ComplianceRow(
            [district, name, t.username, t.name, t.subject, stage, tt.regulated, tt.flexible, tt.total,
             "是" if check.ok else "否", missing["total"], missing["regulated"], missing["flexible"],
             cycle_total, cycle_short],
            (order, district), name, stage, check.ok, not cycle_short, missing["total"], tt.regulated, tt.flexible)


def write_compliance(rows, target, *, level: str, year: AcademicYear, title: str) -> int:
    """The 达标情况 workbook from its rows (``compliance_rows``, or a job's parts): level "school"
    has the teachers and a 学段 summary; "district" also per school; "city" also per district.
    Write-only as the rows stream in (the summaries are small). Returns the rows."""
    wb = Workbook(write_only=True)
    summaries = {}
    if level == "city":
        summaries["district"] = (wb.create_sheet("按区（市）县"), ["区（市）县"])
    if level in ("city", "district"):
        summaries["school"] = (wb.create_sheet("按学校"), ["区（市）县", "学校"])
    summaries["stage"] = (wb.create_sheet("按学段"), ["学段"])
    detail = wb.create_sheet("教师明细")
    stream_row(detail, [f"{title} {year.label}学年 教师继续教育学分达标情况"], bold=True)
    stream_row(detail, COMPLIANCE_HEAD, bold=True)
    aggs: dict[str, defaultdict] = {"district": defaultdict(_Agg), "school": defaultdict(_Agg), "stage": defaultdict(_Agg)}
    count = 0
    for r in rows:
        stream_row(detail, r.cells)
        aggs["district"][r.district].add(r)
        aggs["school"][(r.district[1], r.school)].add(r)
        aggs["stage"][(r.stage,)].add(r)
        count += 1
    for key, (ws, head) in summaries.items():
        stream_row(ws, head + AGG_HEAD, bold=True)
        for label in sorted(aggs[key]):
            agg = aggs[key][label]
            stream_row(ws, agg.row(*(label[1:] if key == "district" else label)))
    wb.save(target)
    return count


def compliance_xlsx(schools, year: AcademicYear, target, *, level: str, title: str) -> int:
    """The 达标情况 export of `schools` (see ``write_compliance``), built in this process."""
    return write_compliance(compliance_rows(schools, year), target, level=level, year=year, title=title)
