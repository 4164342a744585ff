"""The district 送审报表 and the 达标情况 export as they were built before the per-row costs were
taken out (a full profile, user, school and district per teacher; a cell object per value): the
reference the faster builds and the job's parts + merge must match cell for cell.

Also ``cells``: a workbook read back as {sheet: [[(value, type, bold, quote prefix), …], …]}."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.excel import FORMULA_TRIGGERS
from credits import rules as R
from reports import documents as D
from reports import selectors as S


def cells(path) -> dict:
    wb = load_workbook(path)
    return {ws.title: [[(c.value, c.data_type, bool(c.font and c.font.b), bool(c.quotePrefix)) for c in row]
                       for row in ws.iter_rows()] for ws in wb.worksheets}


def _value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _row(ws, values, bold=False):
    out = []
    for value in values:
        cell = WriteOnlyCell(ws, value=_value(value))
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)
        out.append(cell)
    ws.append(out)


def _rows(schools, year, with_cycle=False):
    first = R.cycle_start_for(year.start_year, D.credit_selectors.cycle_start_setting())
    cycle_years = [y for y in range(first, first + R.CYCLE_YEARS) if y <= year.start_year] if with_cycle else []
    for batch in S.chunks(list(schools), D.SCHOOL_BATCH):
        ids = [s.pk for s in batch]
        totals = S.year_totals(school_ids=ids, academic_year=year)
        cycle = defaultdict(lambda: R.ZERO)
        for y in cycle_years:
            for tid, t in S.year_totals(school_ids=ids, academic_year=y).items():
                cycle[tid] += t.total
        by_school = defaultdict(list)
        for t in S.report_teachers(ids):
            by_school[t.school_id].append(t)
        for school in batch:
            n = 0
            for section in S.sections_of(school, by_school.pop(school.pk, [])):
                for t in section.teachers:
                    n += 1
                    yield school, section.label, n, t, totals[t.pk], cycle[t.pk]


def district_submission(schools, year, target, *, title):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("送审报表")
    _row(ws, [f"{title} {year.label}学年度 规范性学分和灵活性学分送审报表"], bold=True)
    _row(ws, D.DISTRICT_HEAD, bold=True)
    for school, section, n, t, tt, _ in _rows(schools, year):
        check = R.year_check(tt, year.start_year)
        _row(ws, [D._district_name(school), school.name, section, n, t.user.username, t.name, t.subject,
                  S.STAGE_LABELS.get(t.stage, t.stage), tt.regulated, tt.flexible, tt.total,
                  "是" if check.ok else "否", S.missing_text(check)])
    wb.save(target)


@dataclass
class _Agg:
    teachers: int = 0
    ok: int = 0
    cycle_ok: int = 0
    short_total: Decimal = R.ZERO
    regulated: Decimal = R.ZERO
    flexible: Decimal = R.ZERO


def compliance(schools, year, target, *, level, title):
    wb = Workbook(write_only=True)
    summaries = {}
    if level == "city":
        summaries["district"] = (wb.create_sheet("按区（市）县"), ["区（市）县"])
    if level in ("city", "district"):
        summaries["school"] = (wb.create_sheet("按学校"), ["区（市）县", "学校"])
    summaries["stage"] = (wb.create_sheet("按学段"), ["学段"])
    detail = wb.create_sheet("教师明细")
    _row(detail, [f"{title} {year.label}学年 教师继续教育学分达标情况"], bold=True)
    _row(detail, D.COMPLIANCE_HEAD, bold=True)
    aggs = {"district": defaultdict(_Agg), "school": defaultdict(_Agg), "stage": defaultdict(_Agg)}
    for school, _s, _n, t, tt, cycle_total in _rows(schools, year, with_cycle=True):
        check = R.year_check(tt, year.start_year)
        cycle_short = max(R.ZERO, R.CYCLE_MIN_TOTAL - cycle_total)
        district = D._district_name(school)
        _row(detail, [district, school.name, t.user.username, t.name, t.subject, S.STAGE_LABELS.get(t.stage, t.stage),
                      tt.regulated, tt.flexible, tt.total, "是" if check.ok else "否", check.missing["total"],
                      check.missing["regulated"], check.missing["flexible"], cycle_total, cycle_short])
        for key, label in (("district", (school.district.order if school.district_id else 999, district)),
                           ("school", (district, school.name)), ("stage", (S.STAGE_LABELS.get(t.stage, t.stage),))):
            a = aggs[key][label]
            a.teachers += 1
            a.ok += check.ok
            a.cycle_ok += not cycle_short
            a.short_total += check.missing["total"]
            a.regulated += tt.regulated
            a.flexible += tt.flexible
    for key, (ws, head) in summaries.items():
        _row(ws, head + D.AGG_HEAD, bold=True)
        for label in sorted(aggs[key]):
            a = aggs[key][label]
            share = round(a.ok * 100 / a.teachers, 1) if a.teachers else 0
            _row(ws, [*(label[1:] if key == "district" else label), a.teachers, a.ok, a.teachers - a.ok, share,
                      a.cycle_ok, a.short_total, a.regulated, a.flexible])
    wb.save(target)
