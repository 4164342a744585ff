"""附件2 灵活性培训学分登记表 as a signable PDF: every row of the form even when empty, the
teacher's entries in their rows, 折算学分 filled from the school admin's verification on."""

import datetime

from reports import documents as D
from reviews import services as RS

from .conftest import counted, pdf_text, screenshot

ROW_TEXTS = ["校本培训", "专题讲座", "参培者", "主讲者", "职业技能", "职称考试", "普通话", "教学研讨", "教研活动",
             "公开课·主讲者", "公开课·评讲者", "课堂大赛", "学术研讨", "课题研究", "主研", "参研", "论文著述", "其它活动",
             "本学年度完成灵活性培训合计", "审核意见", "分管校长（签字）", "学校（盖章）"]


def test_every_row_of_the_form_is_printed_even_when_empty(world, tmp_path):
    data = D.form2_pdf(world.junior, world.year)
    screenshot(data, "form2-empty", tmp_path)
    text = pdf_text(data, tmp_path)
    for label in ROW_TEXTS:
        assert label in text, label
    assert "2017～2018学年度成都市教师灵活性培训学分登记表" in text
    assert len(D.form2_context(world.junior, world.year)["groups"]) == 9


def test_credits_are_filled_after_the_school_admin_verified(world, tmp_path, clock):
    clock.set(datetime.date(2018, 3, 15))
    e1 = counted(world.junior, "school_based_training", 12, status="submitted", title="教研组校本研修",
                 started_on=datetime.date(2018, 3, 1), source="self_registered")
    counted(world.junior, "open_class", 1, option="reviewer_city", title="市级公开课评讲",
            started_on=datetime.date(2018, 3, 2), source="self_registered", status="submitted")
    before = D.form2_context(world.junior, world.year)
    assert before["total"] == 0 and before["pending"] == 2
    assert "待校验证" in pdf_text(D.form2_pdf(world.junior, world.year), tmp_path, "before")

    RS.entry_school_review(actor=world.school_admin, entry=e1, approve=True)
    after = D.form2_context(world.junior, world.year)
    assert after["total"] == 6 and after["pending"] == 1  # 12 学时 × 0.5
    data = D.form2_pdf(world.junior, world.year)
    text = pdf_text(data, tmp_path, "after")
    line = next(line for line in text.splitlines() if "教研组校本研修" in line)
    assert line.split()[-2:] == ["12", "6"]
    reviewer = next(line for line in text.splitlines() if "市级公开课评讲" in line)
    assert "待校验证" in reviewer
    block = D.form2_context(world.junior, world.year)["groups"]
    open_class = [b for g in block for b in g["blocks"] if b["row"].key == "open_class_reviewer"][0]
    assert open_class["lines"][0].quantity == "1次"
    total_line = next(line for line in text.splitlines() if "本学年度完成灵活性培训合计" in line)
    assert total_line.split()[-2:] == ["12", "6"]
    screenshot(data, "form2", tmp_path)
