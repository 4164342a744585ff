"""Homes that start with the work (issue 14, Build 3): each admin role's home shows, for each of
its queues, the count, the window it is in (open with days left, when it opens, when it closed)
and the nearest deadline — from the same calendar the services refuse with."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.models import EntryStatus
from tests.factories import CreditEntryFactory
from tests.web.conftest import login

pytestmark = pytest.mark.django_db


def _card(html, step):
    """The text of one queue card (tags stripped, whitespace collapsed)."""
    m = re.search(rf'data-testid="queue-{step}">(.*?)</a>', html, re.S)
    assert m, f"no card for {step}"
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split())


def _home(client, user):
    login(client, user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _waiting(world, status, n):
    for i in range(n):
        CreditEntryFactory(teacher=world.teacher, academic_year=world.year, status=status,
                           item=world.item("school_based_training"), quantity_claimed=Decimal("10"),
                           credits=Decimal("5"), started_on=datetime.date(2018, 4, 20), title=f"校本研修{i}")


def test_the_school_admin_and_the_leader_see_their_queue_count_and_window(world, client, clock):
    clock.set(datetime.date(2018, 10, 20))
    _waiting(world, EntryStatus.SUBMITTED, 3)
    html = _home(client, world.school_admin)
    card = _card(html, "school_review")
    assert "待初审" in card and "3 条" in card
    assert "2017-2018学年：学校初审 2017年8月1日–2018年10月31日，剩 11 天" in card
    deadline = " ".join(re.sub(r"<[^>]+>", " ", html.split('data-testid="queue-deadline"')[1].split("</p>")[0]).split())
    assert "最近截止： 2018年10月31日 （还有 11 天）" in deadline
    # The nearest deadline sits with the queues, before the rest of the page.
    assert html.index('data-testid="queue-school_review"') < html.index('data-testid="queue-deadline"') \
        < html.index("<h2>截止日期</h2>")

    client.logout()
    card = _card(_home(client, world.leader), "leader_sign")
    assert "待签字确认" in card and "0 条" in card and "学校初审 2017年8月1日–2018年10月31日，剩 11 天" in card


def test_the_district_sees_its_window_open_then_opening_next_year(world, client, clock):
    clock.set(datetime.date(2018, 10, 20))
    _waiting(world, EntryStatus.SCHOOL_APPROVED, 2)
    html = _home(client, world.district_admin)
    card = _card(html, "district_review")
    assert "待复核" in card and "2 条" in card
    assert "2017-2018学年：区县复核 9月1日–10月31日，剩 11 天" in card
    assert "2018年10月31日" in html.split('data-testid="queue-deadline"')[1].split("</p>")[0]
    # December: 2017-2018 is sealed off the page, the next 区县复核 opens in September.
    clock.set(datetime.date(2018, 12, 3))
    card = _card(_home(client, world.district_admin), "district_review")
    assert "2018-2019学年：区县复核于2019年9月1日开放" in card


def test_the_city_sees_each_queue_in_its_own_window(world, client, clock):
    clock.set(datetime.date(2018, 10, 20))
    html = _home(client, world.city)
    # 市直属学校 bring their materials on 9月12日–30日: closed by now; the 核对 opens on 11月1日.
    assert "2017-2018学年：市直属学校审核已于2018年9月30日关闭" in _card(html, "district_review")
    assert "2017-2018学年：市级核对封存于2018年11月1日开放" in _card(html, "confirm")
    deadline = html.split('data-testid="queue-deadline"')[1].split("</p>")[0]
    assert "2018年11月30日" in deadline  # the nearest close not yet past: the seal's


def test_the_base_school_admin_sees_the_roster_window(world, client, clock):
    clock.set(datetime.date(2019, 6, 10))
    html = _home(client, world.base_admin)
    assert "2018-2019 学年花名册：尚未报送" in html
    assert "基地校花名册报送 2018年8月1日–2019年6月20日，剩 10 天" in html
    clock.set(datetime.date(2019, 6, 25))
    assert "基地校花名册报送已于2019年6月20日关闭" in _home(client, world.base_admin)
