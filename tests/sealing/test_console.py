"""The 学年封存 console: city staff only (others 403, nothing changes); it lists what blocks and
the entries a forced seal would close; sealing from it records the reason; the progress
endpoint reads the seal record from the database."""

import pytest
from django.urls import reverse

from credits.models import AcademicYear
from sealing.models import SealRecord
from tests.reviews.helpers import REGISTRATION_DAY

from .conftest import CITY_DAY
from .test_seal import year_data  # noqa: F401 (fixture)


@pytest.fixture
def on_city_day(clock):
    clock.set(CITY_DAY)


def _url(world):
    return reverse("sealing:console") + f"?year={world.year.start_year}"


@pytest.mark.parametrize("who", ["teacher", "school_admin", "district_admin"])
def test_only_city_staff_see_and_use_the_console(client, world, year_data, on_city_day, who):  # noqa: F811
    user = getattr(world, who)
    client.force_login(getattr(user, "user", user))
    assert client.get(_url(world)).status_code == 403
    assert client.post(_url(world), {"force": "1", "reason": "试图封存"}).status_code == 403
    assert not SealRecord.objects.exists() and AcademicYear.objects.get(pk=world.year.pk).sealing_started_at is None


def test_the_console_lists_blockers_and_the_entries_a_forced_seal_closes(client, world, year_data, on_city_day):  # noqa: F811
    client.force_login(world.city)
    page = client.get(_url(world)).content.decode()
    assert "尚有1条登记未审核完毕" in page and "1所学校尚未完成审核" in page
    assert "仍然封存的理由" in page and "未审" in page  # the open entry's title, listed before the click
    response = client.post(_url(world), {"force": "0"}, follow=True)
    assert "尚有1条登记未审核完毕" in response.content.decode() and not SealRecord.objects.exists()


def test_sealing_anyway_from_the_console_records_the_reason_and_shows_the_bar(
        client, world, year_data, on_city_day, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(world.city)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(world), {"force": "1", "reason": "区县逾期未审"}, follow=True)
    # The page right after the click: the seal runs (its tasks are enqueued on commit).
    assert 'data-state="running"' in response.content.decode() and "hx-get" in response.content.decode()
    response = client.get(_url(world))
    seal = SealRecord.objects.get()
    assert (seal.state, seal.forced, seal.reason, seal.closed_late_count) == ("committed", True, "区县逾期未审", 1)
    page = response.content.decode()
    assert "区县逾期未审" in page and seal.merkle_root in page and 'data-percent="100"' in page
    data = client.get(reverse("sealing:progress", args=[seal.pk])).json()
    assert (data["state"], data["percent"], data["root"]) == ("committed", 100, seal.merkle_root)
    part = client.get(reverse("sealing:progress", args=[seal.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="committed"' in part and "hx-get" not in part


def test_the_console_refuses_before_the_city_window(client, world, clock):
    clock.set(REGISTRATION_DAY)
    client.force_login(world.city)
    page = client.get(_url(world)).content.decode()
    assert "市级核对封存于2018年11月1日开放" in page
    client.post(_url(world), {"force": "1", "reason": "提前"})
    assert not SealRecord.objects.exists()


def test_a_stalled_seal_is_resumed_from_the_console_and_finishes(client, world, year_data, on_city_day,  # noqa: F811
                                                                 monkeypatch, django_capture_on_commit_callbacks):
    import sealing.services

    # The seal's tasks are lost (a broker flushed, workers gone): nothing runs after the click.
    enqueue = sealing.services._enqueue_run
    monkeypatch.setattr(sealing.services, "_enqueue_run", lambda seal_id: None)
    client.force_login(world.city)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(world), {"force": "1", "reason": "逾期"})
    seal = SealRecord.objects.get()
    assert seal.state == "running" and seal.chunk_done == 0 and "seal-resume" in client.get(_url(world)).content.decode()
    monkeypatch.setattr(sealing.services, "_enqueue_run", enqueue)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(world), {"action": "resume"}, follow=True)
    seal.refresh_from_db()
    assert seal.state == "committed" and seal.chunk_done == seal.chunk_total == 2
    assert "已重新分派 2 个未完成的分块" in response.content.decode()
    client.force_login(world.district_admin)
    assert client.post(_url(world), {"action": "resume"}).status_code == 403
