"""The dashboards' figures through the cache (reports.selectors.dashboard_figures_cached): the
same figures as summed afresh; a change shows once DASHBOARD_CACHE_SECONDS have passed; a sealed
学年's are kept; the page says when they were summed."""

import time

from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from credits.models import AcademicYear
from reports.selectors import dashboard_figures, dashboard_figures_cached

from .conftest import counted


def _regulated(cells):
    return sum(c["regulated"] for c in cells.values())


def _scope(world):
    return School.objects.filter(district=world.district)


def test_cached_figures_are_those_summed_afresh_and_a_second_read_asks_only_the_scope(
        world, django_assert_num_queries):
    counted(world.junior, "admin_training", 50)
    counted(world.senior, "admin_training", 20)
    first = dashboard_figures_cached(schools=_scope(world), academic_year=world.year)
    assert not first.cached and first.cells == dashboard_figures(schools=_scope(world), academic_year=world.year)
    assert _regulated(first.cells) == 70
    with django_assert_num_queries(1):  # the scope's school ids; the sums come from the cache
        second = dashboard_figures_cached(schools=_scope(world), academic_year=world.year)
    assert second.cached and second.cells == first.cells and second.computed_at == first.computed_at
    # Another scope is another entry of the cache.
    other = dashboard_figures_cached(schools=School.objects.filter(pk=world.other_school.pk), academic_year=world.year)
    assert not other.cached and _regulated(other.cells) == 0


def test_a_change_shows_once_the_cache_expires(world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 1
    counted(world.junior, "admin_training", 50)
    assert _regulated(dashboard_figures_cached(schools=_scope(world), academic_year=world.year).cells) == 50
    counted(world.senior, "admin_training", 20)  # a new entry, its totals row written
    still = dashboard_figures_cached(schools=_scope(world), academic_year=world.year)
    assert still.cached and _regulated(still.cells) == 50
    time.sleep(1.2)
    fresh = dashboard_figures_cached(schools=_scope(world), academic_year=world.year)
    assert not fresh.cached and _regulated(fresh.cells) == 70
    assert fresh.cells == dashboard_figures(schools=_scope(world), academic_year=world.year)


def test_a_sealed_years_figures_are_kept_without_expiry(world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # an open 学年 would not be kept at all
    counted(world.junior, "admin_training", 50)
    AcademicYear.objects.filter(pk=world.year.pk).update(sealed_at=timezone.now())
    year = AcademicYear.objects.get(pk=world.year.pk)
    first = dashboard_figures_cached(schools=_scope(world), academic_year=year)
    assert first.sealed and first.expires_seconds is None and not first.cached
    again = dashboard_figures_cached(schools=_scope(world), academic_year=year)
    assert again.cached and again.cells == first.cells


def test_the_dashboard_and_the_overview_say_when_their_figures_were_summed(world, client):
    counted(world.junior, "admin_training", 50)
    client.force_login(world.district_admin)
    url = reverse("reports:dashboard") + f"?year={world.year.start_year}"
    first = client.get(url).content.decode()
    assert 'data-testid="figures-computed"' in first and "缓存" not in first
    second = client.get(url).content.decode()
    assert "每 60 秒重新统计一次" in second
    overview = client.get(reverse("reports:compliance") + f"?year={world.year.start_year}").content.decode()
    assert 'data-testid="figures-computed"' in overview
