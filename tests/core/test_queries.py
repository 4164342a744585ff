"""core.queries.counts: several counts in one query, each the same as the queryset's own."""

import pytest

from accounts.models import School
from core.queries import Count, counts
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_counts_are_those_of_each_queryset_read_in_one_query(django_assert_num_queries):
    for i in range(5):
        SchoolFactory(category="primary" if i % 2 else "junior")
    parts = {"all": Count(School.objects.all()), "primary": Count(School.objects.filter(category="primary")),
             "bounded": Count(School.objects.all(), bound=3), "none": Count(School.objects.none())}
    with django_assert_num_queries(1):
        found = counts(parts)
    assert found == {"all": 5, "primary": 2, "bounded": 4, "none": 0}
    assert parts["bounded"].split(found["bounded"]) == (3, True)
    assert Count(School.objects.all(), bound=10).split(5) == (5, False)


def test_nothing_to_count_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert counts({"none": Count(School.objects.none())}) == {"none": 0}
        assert counts({}) == {}
