"""Every item of the notice, with its clause, through the engine (shipped catalogue, no database).

Each case: (clause quoted, item code, claims [(quantity, option)], the year's credited value of the
item, what a cap cut). Claims of one case are pooled in one 学年, as the engine does."""

from decimal import Decimal

import pytest

from credits import rules as R

from .catalogue_data import GROUP_CAPS, ITEMS, RULES

D = Decimal

CASES = [
    # 二(三)2 规范性培训登记范围及学分认定
    ("二(三)2(1) 教育行政部门组织的培训…按实际参加培训时间每学时计算1学分", "admin_training", [("12", "")], "12", "0"),
    ("二(三)2(1) 半个学时按比例计", "admin_training", [("2.5", "")], "2.5", "0"),
    ("二(三)2(2) 市教科院组织的…培训…每学时计算1学分", "tki_training", [("16", "")], "16", "0"),
    ("二(三)2(3) 基地学校组织的继续教育活动…每学时计算1学分", "base_city_activity", [("10", "")], "10", "0"),
    ("二(三)2(3) 区（市）县基地学校活动每学时1学分", "base_district_activity", [("6", "")], "6", "0"),
    ("二(三)1(2)第一 市级基地校…最多可认定40学分", "base_city_roster", [("45", "")], "40", "5"),
    ("二(三)1(2)第二 区（市）县基地校…最多可认定25学分", "base_district_roster", [("30", "")], "25", "5"),
    ("二(三)2(4) 名师（名校长）工作室…每学时计算1学分", "master_studio", [("9", "")], "9", "0"),
    ("二(三)2(5) 学历教育每及格一学科记10学分", "degree_education", [("3", "passed")], "30", "0"),
    ("二(三)2(5) 不及格学科记2学分", "degree_education", [("2", "passed"), ("1", "failed")], "22", "0"),
    ("二(三)2(6) 晋升职称考试…以合格证为依据，记20学分", "title_exam", [("1", "")], "20", "0"),
    ("二(三)2(7) 普通话三甲记7学分", "putonghua", [("1", "grade3a")], "7", "0"),
    ("二(三)2(7) 普通话二乙记10学分", "putonghua", [("1", "grade2b")], "10", "0"),
    ("二(三)2(7) 普通话二甲及以上记14学分", "putonghua", [("1", "grade2a_up")], "14", "0"),
    ("二(三)2(8) 菜单培训按实际参加时间每学时计算1学分", "menu_training", [("6", "")], "6", "0"),
    ("二(三)2(8) 承担菜单培训任务的教师，按实际讲课学时的4倍记学分", "menu_lecturer", [("3", "")], "12", "0"),
    ("二(三)2(9) 文翁大讲堂每半天记4学分", "wenweng_lecture", [("3", "")], "12", "0"),
    ("二(三)2(10) 信息技术应用能力提升工程按合格证书记载的学时数每学时1学分", "it_upgrade", [("50", "")], "50", "0"),
    ("二(三)2(11) 中标培训机构…每学时计算1学分", "bid_institution", [("24", "")], "24", "0"),
    ("二(三)2(12) 视频课程学习…最多可记20学分", "video_course", [("12", ""), ("15", "")], "20", "7"),
    ("二(三)2(13) 提交一篇读书笔记记3个学分，最多可记8学分", "reading_note", [("2", "")], "6", "0"),
    ("二(三)2(13) 读书笔记三篇9学分截为8学分", "reading_note", [("1", ""), ("1", ""), ("1", "")], "8", "1"),
    ("二(三)2(13) 提交一篇自学反思记3个学分，最多可记8学分", "self_reflection", [("4", "")], "8", "4"),
    ("二(三)2(14) 党员e家学满3学时计算1学分", "party_e_home", [("7", "")], "2", "0"),
    ("二(三)2(14) 党员e家最多可记8学分", "party_e_home", [("30", "")], "8", "2"),
    ("二(三)2(15) 新任教师岗位适应性培训每学时1学分", "new_teacher_induction", [("40", "")], "40", "0"),
    ("二(三)2(16) 师徒结队每次记2学分", "mentoring", [("3", "")], "6", "0"),
    ("二(三)2(16) 师徒结队每学年最多可记10学分", "mentoring", [("4", ""), ("3", "")], "10", "4"),
    ("二(三)2(17) 教育教学竞赛按相应的文件规定（可配置：级别×奖项）", "teaching_contest", [("1", "city_first")], "12", "0"),
    ("二(三)2(18) 支教一年及以上…每年记72学分", "support_teaching", [("1", "")], "72", "0"),
    ("二(三)2(18) 每年记72学分：一个学年内最多72学分（两年支教分两个学年登记）", "support_teaching", [("2", "")], "72", "72"),
    ("二(三)2(19) 职业学校社会实践每半天计算2学分", "vocational_practice", [("5", "")], "10", "0"),
    # 二(三)1(2) 第三、第四: the notice's own examples
    ("二(三)1(2)第三 微课学习满3个学时记1学分，如学习8个学时只能记2学分", "micro_course", [("8", "")], "2", "0"),
    ("二(三)1(2)第三 8个学时分三次学习（3+3+2）仍记2学分", "micro_course", [("3", ""), ("3", ""), ("2", "")], "2", "0"),
    ("二(三)1(2)第三 分次学习按学年合计取整（2+2+2=6学时记2学分）", "micro_course", [("2", ""), ("2", ""), ("2", "")], "2", "0"),
    ("二(三)1(2)第三 每学年微课学习最多可记8学分", "micro_course", [("30", "")], "8", "2"),
    ("二(三)1(2)第四 3个完整课程记1学分，如8个课程只能记2学分", "digital_school", [("8", "")], "2", "0"),
    ("二(三)1(2)第四 每学年最多可记8学分", "digital_school", [("27", "")], "8", "1"),
    # 二(一)1: items that the special checks count
    ("二(一)1 班主任专题培训（计入每5年30学分）每学时1学分", "head_teacher_training", [("10", "")], "10", "0"),
    ("二(一)1 新任校长任职资格培训（计入300学分）每学时1学分", "principal_qualification", [("60", "")], "60", "0"),
    # 附件2 灵活性培训学分登记表
    ("附件2 校本培训每学时计算0.5学分", "school_based_training", [("7", "")], "3.5", "0"),
    ("附件2 校本培训0.5学分/学时，3.3学时折1.6（向下取一位小数）", "school_based_training", [("3.3", "")], "1.6", "0"),
    ("附件2 专题讲座参培者每学时计算0.5学分", "lecture_attendee", [("4", "")], "2", "0"),
    ("附件2 专题讲座主讲者按《办法》第14条（待确认的预设值：市级6）", "lecture_speaker", [("1", "city")], "6", "0"),
    ("附件2 职业技能/职称考试/普通话按《办法》第14条第6款规定计20学分", "flex_certificate", [("1", "")], "20", "0"),
    ("附件2 教研活动每学时计算0.5学分", "teaching_research", [("9", "")], "4.5", "0"),
    ("附件2 公开课主讲者按第15条第1款（预设：区县级4）", "open_class", [("1", "speaker_district")], "4", "0"),
    ("附件2 公开课评讲者按第15条第1款（预设：校级1）", "open_class", [("2", "reviewer_school")], "2", "0"),
    ("附件2 课堂大赛按第15条第2款，按级别和等级（预设：省级一等15）", "class_contest", [("1", "provincial_first")], "15", "0"),
    ("附件2 学术研讨按第15条第3款（预设：国家级8）", "academic_seminar", [("1", "national")], "8", "0"),
    ("附件2 课题研究主研按第15条第4款（预设：市级15）", "research_project", [("1", "lead_city")], "15", "0"),
    ("附件2 课题研究参研按第15条第4款（预设：区县级5）", "research_project", [("1", "member_district")], "5", "0"),
    ("附件2 论文著述按第15条第5款（预设：省级15）", "publication", [("1", "paper_provincial")], "15", "0"),
    ("附件2 其它活动按第16条：高考命题（预设20）", "other_activity", [("1", "gaokao_setting")], "20", "0"),
    ("附件2 其它活动按第16条：中考阅卷（预设8）", "other_activity", [("1", "zhongkao_marking")], "8", "0"),
    ("附件2 其它活动按第16条：高（中）考试卷分析（预设4）", "other_activity", [("1", "paper_analysis")], "4", "0"),
]


@pytest.mark.parametrize(("clause", "code", "claims", "credited", "over_cap"), CASES, ids=[c[0][:40] for c in CASES])
def test_item_converts_as_the_notice_says(clause, code, claims, credited, over_cap):
    totals = R.year_totals([R.Claim(code, D(q), o) for q, o in claims], RULES, GROUP_CAPS)
    assert totals.by_item[code].credited == D(credited), clause
    assert totals.by_item[code].over_cap == D(over_cap), clause
    assert totals.by_item[code].raw == D(credited) + D(over_cap)


def test_every_item_of_the_catalogue_has_a_case():
    covered = {c[1] for c in CASES}
    assert {i.code for i in ITEMS} - covered == set()


def test_every_case_quotes_the_clause_of_its_item():
    for clause, code, *_ in CASES:
        item = next(i for i in ITEMS if i.code == code)
        first = item.clause.split("；")[0]
        assert first.split("「")[0] in clause or any(part.split("「")[0] in clause for part in item.clause.split("；")), (code, clause)


def test_city_base_school_cap_is_shared_by_roster_and_declared_activities():
    """二(三)1(2)第一: at most 40 for city base-school training, however it is registered."""
    totals = R.year_totals([R.Claim("base_city_roster", D(30)), R.Claim("base_city_activity", D(20))], RULES, GROUP_CAPS)
    assert totals.by_item["base_city_activity"].credited + totals.by_item["base_city_roster"].credited == D(40)
    assert totals.over_cap == D(10)


def test_district_base_school_cap_is_25():
    """二(三)1(2)第二: at most 25."""
    totals = R.year_totals([R.Claim("base_district_roster", D(20)), R.Claim("base_district_activity", D(20))],
                           RULES, GROUP_CAPS)
    assert totals.regulated == D(25)


def test_entry_credits_is_the_standalone_value_without_caps_or_pooling():
    """The entry shows its own value; the yearly cap and whole-unit pooling belong to the total."""
    assert R.entry_credits(RULES["micro_course"], D(2)) == D(0)
    assert R.entry_credits(RULES["reading_note"], D(4)) == D(12)


def test_unknown_option_is_refused_with_a_chinese_message():
    with pytest.raises(R.RuleError, match="请选择有效的"):
        R.entry_credits(RULES["putonghua"], D(1), "grade1")


def test_negative_quantity_is_refused():
    with pytest.raises(R.RuleError, match="负数"):
        R.entry_credits(RULES["admin_training"], D(-1))


def test_year_totals_split_by_category_and_kind():
    claims = [R.Claim("admin_training", D(50)), R.Claim("school_based_training", D(10)),
              R.Claim("reading_note", D(1)), R.Claim("publication", D(1), "paper_city")]
    t = R.year_totals(claims, RULES, GROUP_CAPS)
    assert (t.regulated, t.flexible, t.total) == (D(53), D(15), D(68))
    assert t.by_kind == {"centralized": D(50), "school_based": D(5), "self_directed": D(13)}
