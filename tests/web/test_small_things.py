"""The small things users tripped over: one way to write credits, a 学年 picker written like
every other page's, and no column a reviewer does not need."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.models import EntryStatus
from tests.factories import CreditEntryFactory, SchoolFactory, TeacherProfileFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db


def _entry(world, teacher):
    return CreditEntryFactory(teacher=teacher, academic_year=world.year, status=EntryStatus.SUBMITTED,
                              item=world.item("school_based_training"), quantity_claimed=Decimal("10"),
                              credits=Decimal("5"), started_on=datetime.date(2018, 4, 20), title="校本研修甲")


def test_a_school_admin_of_one_school_gets_no_school_column(world, client):
    _entry(world, world.teacher)
    login(client, world.school_admin)
    html = client.get(reverse("reviews:queue", args=["school_review"])).content.decode()
    assert "校本研修甲" in html
    assert "<th>学校</th>" not in html


def test_a_district_queue_over_several_schools_keeps_the_school_column(world, client, clock):
    _entry(world, world.teacher).__class__.objects.update(status=EntryStatus.SCHOOL_APPROVED)
    other = TeacherProfileFactory(school=SchoolFactory(district=world.district, name="九江初级中学"))
    e = _entry(world, other)
    e.__class__.objects.filter(pk=e.pk).update(status=EntryStatus.SCHOOL_APPROVED)
    clock.set(datetime.date(2018, 9, 10))
    login(client, world.district_admin)
    html = client.get(reverse("reviews:queue", args=["district_review"])).content.decode()
    assert "<th>学校</th>" in html and "九江初级中学" in html


def test_the_catalogue_picks_a_year_written_like_other_pages(world, client):
    login(client, world.teacher.user)
    html = client.get(reverse("credits:catalogue") + "?year=2017").content.decode()
    assert '<select name="year">' in html
    assert '<option value="2017" selected>2017-2018</option>' in html
    assert 'type="number" name="year"' not in html


def test_the_success_message_writes_whole_credits_without_a_decimal(world, client):
    login(client, world.teacher.user)
    item = world.item("school_based_training")
    response = client.post(reverse("reviews:entry_register"), {
        "item": item.pk, "title": "校本研修：阅读教学", "started_on": "2018-04-20", "quantity": "4",
    }, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("2 学分（待审核）" in t for t in texts), texts
    assert not any("2.0 学分" in t for t in texts)


def test_the_districts_compliance_opens_on_the_district_overview_of_the_year_under_review(world, client, clock):
    # December 2018: 2017-2018 is past its seal window, so the 学年 looked at is 2018-2019 (not the first school).
    clock.set(datetime.date(2018, 12, 3))
    login(client, world.district_admin)
    html = client.get(reverse("reports:compliance")).content.decode()
    assert "本区（市）县 · 2018-2019 学年达标情况" in html
    assert 'data-testid="compliance-overview"' in html
    assert html.count('data-testid="overview-row"') == 2  # 棠湖中学 and 实验小学, each its own line
    row = html.split("棠湖中学</a>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row  # its one approved teacher, not yet at 72
    # A school picked from the overview shows its teachers, as before.
    html = client.get(reverse("reports:compliance"), {"school": world.school.pk}).content.decode()
    assert "棠湖中学 · 2018-2019 学年达标情况" in html and "李老师" in html


def test_the_citys_compliance_and_dashboard_open_on_the_city_and_the_year_under_review(world, client, clock):
    clock.set(datetime.date(2018, 10, 20))  # 2017-2018 is still being reviewed
    login(client, world.city)
    html = client.get(reverse("reports:compliance")).content.decode()
    assert "全市 · 2017-2018 学年达标情况" in html and "市直属学校" in html
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "全市统计 · 2017-2018 学年" in html
    client.logout()
    login(client, world.district_admin)
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "<h1>统计 · 2017-2018 学年</h1>" in html and "棠湖中学" in html


def test_the_schedule_opens_on_the_year_under_review_not_the_newest_one_with_appointments(world, client, clock):
    from reviews.models import ReviewAppointment

    ReviewAppointment.objects.create(academic_year=world.year, school=world.school, group="高中", sequence=1,
                                     date=datetime.date(2018, 9, 11))
    # December 2018: 2017-2018's audit is over, so the schedule to look at is 2018-2019's (none yet).
    clock.set(datetime.date(2018, 12, 3))
    login(client, world.district_admin)
    html = client.get(reverse("reviews:schedule")).content.decode()
    assert "2019年教师继续教育学分登记审证时间安排" in html and "该学年尚未安排审证时间。" in html
    assert '<option value="2017">' in html and "2018年9月11日" not in html
    html = client.get(reverse("reviews:schedule"), {"year": 2017}).content.decode()
    assert "2018年9月11日" in html
