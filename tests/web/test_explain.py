"""Every credit links to how it was computed: item and clause, conversion, pooling with the
year's other entries of the item, what a cap cut, what rests on an unconfirmed value, who approved."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.explain import explain_entry
from credits.models import EntryStatus
from tests.factories import CreditEntryFactory, TeacherProfileFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db


def _micro(world, hours, day, status=EntryStatus.DISTRICT_REVIEWED):
    return CreditEntryFactory(teacher=world.teacher, academic_year=world.year, status=status,
                              item=world.item("micro_course"), quantity_claimed=Decimal(hours),
                              credits=Decimal(int(Decimal(hours) // 3)), started_on=day, title=f"微课{day:%m%d}")


def test_pooled_whole_units_and_the_cap_are_explained(world):
    # 微师培 微课: 3 学时 = 1 学分, at most 8 a 学年 (二(三)1(2)第三). 2 + 2 h pool to 1 credit; 26 more reach the cap.
    a = _micro(world, "2", datetime.date(2018, 3, 1))
    _micro(world, "2", datetime.date(2018, 3, 2))
    _micro(world, "26", datetime.date(2018, 3, 3))
    x = explain_entry(a)
    assert x.standalone == Decimal("0")
    assert x.pooled_quantity == Decimal("30") and len(x.siblings) == 2
    assert x.item_total.raw == Decimal("10") and x.item_total.credited == Decimal("8")
    assert x.item_total.over_cap == Decimal("2") and x.cap == Decimal("8")


def test_a_pending_entry_says_it_is_not_counted_yet(world):
    e = _micro(world, "9", datetime.date(2018, 3, 1), status=EntryStatus.SCHOOL_APPROVED)
    x = explain_entry(e)
    assert not x.counted and x.standalone == Decimal("3") and x.item_total is None


def test_the_page_shows_the_steps_and_an_unconfirmed_value(world, client):
    item = world.item("open_class")
    option = item.options[0]
    e = CreditEntryFactory(teacher=world.teacher, academic_year=world.year, status=EntryStatus.DISTRICT_REVIEWED,
                           item=item, option=option["key"], quantity_claimed=Decimal("1"),
                           credits=Decimal(str(option["credits"])), started_on=datetime.date(2018, 4, 2), title="公开课")
    login(client, world.teacher.user)
    detail = client.get(reverse("reviews:entry_detail", args=[e.pk])).content.decode()
    assert reverse("reviews:entry_explain", args=[e.pk]) in detail
    html = client.get(reverse("reviews:entry_explain", args=[e.pk])).content.decode()
    assert item.clause in html and "数值待确认" in html
    assert 'data-testid="explain-credited"' in html


def test_another_teacher_gets_404_for_the_explanation(world, client):
    e = _micro(world, "3", datetime.date(2018, 3, 1))
    other = TeacherProfileFactory(school=world.school)
    login(client, other.user)
    assert client.get(reverse("reviews:entry_explain", args=[e.pk])).status_code == 404
