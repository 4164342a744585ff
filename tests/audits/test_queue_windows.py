"""Queues and review forms say before the click when their window opens or closed, and
disable what the window would refuse (the district's 批量通过 in May for a September window)."""

import datetime

from django.urls import reverse

from .helpers import entry_at


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_district_queue_before_the_window_says_when_it_opens_and_disables_bulk(world, client, clock):
    entry = entry_at(world, "school_approved")
    page = _page(client, world.district_admin, reverse("reviews:queue", args=["district_review"]))
    assert "2017-2018学年：区县复核于2018年9月1日开放" in page
    assert 'data-testid="bulk-approve" disabled' in page
    assert f'value="{entry.pk}" form="bulk-form" aria-label="选择 李老师" disabled' in page
    detail = _page(client, world.district_admin, reverse("reviews:entry_detail", args=[entry.pk]))
    assert "区县复核于2018年9月1日开放，此时不能办理" in detail
    assert 'data-testid="review-submit" disabled' in detail


def test_in_the_window_nothing_is_disabled(world, client, clock):
    entry_at(world, "school_approved")
    clock.set(datetime.date(2018, 9, 15))
    page = _page(client, world.district_admin, reverse("reviews:queue", args=["district_review"]))
    assert "queue-window-notice" not in page
    assert 'data-testid="bulk-approve" disabled' not in page


def test_city_queue_for_a_city_school_after_september_30_says_it_closed(world, client, clock):
    entry_at(world, "school_approved", city=True)
    clock.set(datetime.date(2018, 10, 5))
    page = _page(client, world.city, reverse("reviews:queue", args=["district_review"]))
    assert "市直属学校审核已于2018年9月30日截止" in page
    assert 'data-testid="bulk-approve" disabled' in page


def test_an_extension_reopens_the_queue_for_that_school(world, client, clock):
    from reviews import services as S

    entry_at(world, "school_approved", city=True)
    S.window_extend(actor=world.city, academic_year=world.year, window="district_review",
                    until=datetime.date(2018, 10, 10), reason="补交材料", school=world.city_school)
    clock.set(datetime.date(2018, 10, 5))
    page = _page(client, world.city, reverse("reviews:queue", args=["district_review"]))
    assert "queue-window-notice" not in page
