"""The entry list of the API pages with a bounded count and, past the page numbers, a keyset
cursor: every entry of the scope is reached once, newest first, without counting the scope whole."""

import datetime

import pytest

from reviews.pagination import EntryPagination
from tests.factories import CreditEntryFactory


@pytest.fixture
def seven(world):
    """Seven entries of the school, two on the same day (the id breaks the tie)."""
    days = [datetime.date(2018, 3, d) for d in (1, 2, 3, 3, 5, 6, 7)]
    return [CreditEntryFactory(teacher=world.teacher, academic_year=world.year, started_on=d, title=f"培训{i}")
            for i, d in enumerate(days)]


def _newest_first(entries):
    return [e.pk for e in sorted(entries, key=lambda e: (e.started_on, e.pk), reverse=True)]


def test_a_small_scope_is_counted_exactly(world, seven, client_for):
    body = client_for(world.school_admin).get("/api/entries/").json()
    assert body["count"] == 7 and body["count_exact"] is True and body["next"] is None
    assert [r["id"] for r in body["results"]] == _newest_first(seven)


def test_past_the_bound_the_count_stops_and_next_continues_by_cursor(world, seven, client_for, monkeypatch):
    monkeypatch.setattr(EntryPagination, "count_bound", 3)
    monkeypatch.setattr(EntryPagination, "page_size", 2)
    client = client_for(world.school_admin)
    body = client.get("/api/entries/").json()
    assert body["count"] == 3 and body["count_exact"] is False
    assert "page=2" in body["next"]
    seen = [r["id"] for r in body["results"]]
    url = body["next"]
    cursors = 0
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        cursors += "after=" in url
        url = body["next"]
    assert seen == _newest_first(seven)  # each once, in order, across page numbers and cursors
    assert cursors >= 2


def test_a_page_past_the_bound_or_a_bad_cursor_is_not_found(world, seven, client_for, monkeypatch):
    monkeypatch.setattr(EntryPagination, "count_bound", 3)
    monkeypatch.setattr(EntryPagination, "page_size", 2)
    client = client_for(world.school_admin)
    far = client.get("/api/entries/", {"page": 9})
    assert far.status_code == 404 and "after" in far.json()["detail"]
    assert client.get("/api/entries/", {"after": "昨天_1"}).status_code == 404
    assert client.get("/api/entries/", {"page": "x"}).status_code == 404


def test_the_list_asks_the_database_the_same_number_of_times_for_3_or_30_entries(
        world, client_for, django_assert_max_num_queries):
    client = client_for(world.school_admin)
    counts = []
    for n in (3, 27):
        for i in range(n):
            CreditEntryFactory(teacher=world.teacher, academic_year=world.year, started_on=datetime.date(2018, 3, 1),
                               title=f"第{len(counts)}-{i}期")
        with django_assert_max_num_queries(12) as ctx:
            assert client.get("/api/entries/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
