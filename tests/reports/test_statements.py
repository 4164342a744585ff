"""个人学分统计表: every counted entry by category and kind, what a cap cut, the totals, what rests
on unconfirmed values, entries still in review; the school's bundle in the 送审报表's order."""

import io
from decimal import Decimal

from pypdf import PdfReader

from credits.models import EntryStatus
from reports import documents as D
from reports import selectors as S

from .conftest import RARE_NAME, counted, pdf_pages, pdf_text, screenshot


def _fill(world):
    counted(world.senior, "admin_training", 50, title="区级集中培训")
    counted(world.senior, "video_course", 26, title="视频课程")  # cap 20: 6 cut
    counted(world.senior, "school_based_training", 30, title="校本研修活动")  # 0.5 / h → 15
    counted(world.senior, "lecture_speaker", 1, option="city", title="市级讲座主讲")  # unconfirmed default
    counted(world.senior, "tki_training", 9, status=EntryStatus.SUBMITTED, title="待审的培训")
    counted(world.junior, "admin_training", 80, title="初中培训")


def test_one_teachers_statement_shows_entries_caps_totals_and_pending(world, tmp_path):
    _fill(world)
    s = S.statement(world.senior, world.year)
    assert (s.totals.regulated, s.totals.flexible) == (70, 15 + s.totals.by_item["lecture_speaker"].credited)
    assert s.totals.by_item["video_course"].over_cap == 6
    assert s.unconfirmed_credits == s.totals.by_item["lecture_speaker"].credited > 0
    data = D.statement_pdf(world.senior, world.year)
    screenshot(data, "statement", tmp_path)
    text = pdf_text(data, tmp_path)
    assert "2017～2018学年度个人学分统计表" in text
    assert RARE_NAME in text and "棠湖中学" in text
    assert "区级集中培训" in text and "超出上限 6 未计入" in text
    assert "待审的培训" in text and "尚在审核中" in text
    total = str(s.totals.total.normalize())
    assert total in text and "待确认" in text and "6 学分" in text
    assert "学校（盖章）" in text and "校管理员（签字）" in text


def test_the_school_bundle_is_one_pdf_in_the_order_of_the_submission_report(world, tmp_path, settings):
    _fill(world)
    path = tmp_path / "bundle.pdf"
    assert D.statements_bundle_pdf(world.school, world.year, str(path)) == 3
    data = path.read_bytes()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    order = [t.name for _, rows in D.submission_sections(world.school, world.year) for t in [r.teacher for r in rows]]
    # 高完中: 初中 first, then 高中 by 账号.
    assert order == ["张初中", RARE_NAME, "<b>王</b>"]
    firsts = []
    for text in pages:
        for name in order:
            if name in text and name not in firsts:
                firsts.append(name)
    assert firsts == order
    assert pdf_pages(data) >= 3


def test_the_bundle_renders_in_chunks_and_keeps_every_teacher(world, tmp_path, monkeypatch):
    monkeypatch.setattr(D, "STATEMENT_CHUNK", 1)
    path = tmp_path / "bundle.pdf"
    D.statements_bundle_pdf(world.school, world.year, str(path))
    text = pdf_text(path.read_bytes(), tmp_path, "b2")
    assert text.count("个人学分统计表") == 3


def test_each_statement_of_the_bundle_holds_that_teachers_own_numbers(world, tmp_path):
    """pdftotext of the bundle, cut at each statement's title: the teacher's name, then the totals
    row (规范性, 灵活性, 合计, 集中培训, 校本研修, 自主研修, 超出上限, 待确认) of that teacher."""
    _fill(world)
    path = tmp_path / "bundle.pdf"
    D.statements_bundle_pdf(world.school, world.year, str(path))
    text = pdf_text(path.read_bytes(), tmp_path, "each")
    sections = text.split("2017～2018学年度个人学分统计表")[1:]
    teachers = [world.junior, world.senior, world.markup]
    assert len(sections) == len(teachers)
    for teacher, section in zip(teachers, sections, strict=True):
        s = S.statement(teacher, world.year)
        name_row = next(line for line in section.splitlines() if line.startswith("姓名"))
        assert name_row.split()[1] == teacher.name and teacher.user.username in name_row
        expected = [s.totals.regulated, s.totals.flexible, s.totals.total, s.totals.by_kind["centralized"],
                    s.totals.by_kind["school_based"], s.totals.by_kind["self_directed"], s.over_cap,
                    s.unconfirmed_credits]
        rows = [line.split() for line in section.splitlines()]
        totals = next(r for r in rows if len(r) == 8 and all(w.replace(".", "").isdigit() for w in r))
        assert [Decimal(w) for w in totals] == [Decimal(v) for v in expected], teacher.name
    assert [Decimal(w) for w in next(r for r in (line.split() for line in sections[1].splitlines())
                                     if len(r) == 8 and r[0].isdigit())][:3] == [70, 21, 91]
