"""The dashboards' figures through the cache (reports.selectors._cached): the
same figures as summed afresh; a change shows once DASHBOARD_CACHE_SECONDS have passed; a sealed
学年's are kept; the page says when they were summed."""

import time

from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from credits.models import AcademicYear
from reports.selectors import dashboard_summary, dashboard_summary_cached, overview_figures, overview_figures_cached

from .conftest import counted


def _regulated(summary):
    return sum(r["regulated"] for r in summary["areas"])


def cached(schools, year):
    return dashboard_summary_cached(schools=schools, academic_year=year, by_district=False)


def fresh_summary(schools, year):
    return dashboard_summary(schools=schools, academic_year=year, by_district=False)


def _scope(world):
    return School.objects.filter(district=world.district)


def test_cached_figures_are_those_summed_afresh_and_a_second_read_asks_only_the_scope(
        world, django_assert_num_queries):
    counted(world.junior, "admin_training", 50)
    counted(world.senior, "admin_training", 20)
    first = cached(_scope(world), world.year)
    assert not first.cached and first.value == fresh_summary(_scope(world), world.year)
    assert _regulated(first.value) == 70
    with django_assert_num_queries(1):  # the scope's school ids; the sums come from the cache
        second = cached(_scope(world), world.year)
    assert second.cached and second.value == first.value and second.computed_at == first.computed_at
    # Another scope is another entry of the cache.
    other = cached(School.objects.filter(pk=world.other_school.pk), world.year)
    assert not other.cached and _regulated(other.value) == 0


def test_a_change_shows_once_the_cache_expires(world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 1
    counted(world.junior, "admin_training", 50)
    assert _regulated(cached(_scope(world), world.year).value) == 50
    counted(world.senior, "admin_training", 20)  # a new entry, its totals row written
    still = cached(_scope(world), world.year)
    assert still.cached and _regulated(still.value) == 50
    time.sleep(1.2)
    fresh = cached(_scope(world), world.year)
    assert not fresh.cached and _regulated(fresh.value) == 70
    assert fresh.value == fresh_summary(_scope(world), world.year)


def test_a_sealed_years_figures_are_kept_without_expiry(world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # an open 学年 would not be kept at all
    counted(world.junior, "admin_training", 50)
    AcademicYear.objects.filter(pk=world.year.pk).update(sealed_at=timezone.now())
    year = AcademicYear.objects.get(pk=world.year.pk)
    first = cached(_scope(world), year)
    assert first.sealed and first.expires_seconds is None and not first.cached
    again = cached(_scope(world), year)
    assert again.cached and again.value == first.value


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


def test_the_overview_keeps_per_school_counts_equal_to_those_summed_afresh(world, django_assert_num_queries):
    counted(world.junior, "admin_training", 50)
    first = overview_figures_cached(schools=_scope(world), academic_year=world.year)
    assert not first.cached and first.value == overview_figures(schools=_scope(world), academic_year=world.year)
    assert sum(t for t, _ in first.value.values()) > 0
    with django_assert_num_queries(1):
        again = overview_figures_cached(schools=_scope(world), academic_year=world.year)
    assert again.cached and again.value == first.value
    # The dashboard's summary of the same scope is another entry of the cache, not this one.
    assert not cached(_scope(world), world.year).cached
