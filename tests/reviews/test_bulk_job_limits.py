"""Bulk reviews as background jobs are not for everyone, nor without end: someone with nothing to
review at the step queues nothing (a teacher's 5,000 ids), and a reviewer has one unfinished bulk
job at a time (a dead worker's job does not count). Refused requests create no job."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Job
from reviews import services as S
from reviews.errors import TransitionError
from tests.reviews.helpers import ACTIVITY_DAY, REGISTRATION_DAY, pdf


def _declared(world):
    return S.entry_declare(teacher_user=world.teacher.user, item=world.item("admin_training"), title="区级培训",
                           started_on=ACTIVITY_DAY, quantity="6", evidence_files=[pdf()], today=REGISTRATION_DAY)


def test_a_teacher_queues_no_bulk_job(world):
    with pytest.raises(TransitionError, match="没有该步骤待审核") as exc:
        S.entries_bulk_review_start(actor=world.teacher.user, entry_ids=range(1, 5001), step="school_review")
    assert exc.value.kind == "forbidden" and not Job.objects.exists()


def test_a_teacher_posting_5000_ids_to_the_api_is_refused_and_nothing_is_queued(world):
    world.teacher.user.api_access = True
    world.teacher.user.save()
    client = APIClient()
    _, key = AuthToken.objects.create(user=world.teacher.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ids = list(range(1, 5001))
    response = client.post("/api/entries/bulk-review/", {"entry_ids": ids, "step": "school_review",
                                                          "versions": {str(i): 1 for i in ids}}, format="json")
    assert response.status_code == 403 and "批量审核" in response.json()["detail"]
    assert not Job.objects.exists()


def test_one_unfinished_bulk_job_per_reviewer(world, settings):
    entry = _declared(world)
    first = S.entries_bulk_review_start(actor=world.school_admin, entry_ids=[entry.pk], step="school_review")
    with pytest.raises(TransitionError, match="正在进行"):
        S.entries_bulk_review_start(actor=world.school_admin, entry_ids=[entry.pk], step="school_review")
    assert list(Job.objects.values_list("pk", flat=True)) == [first.pk]
    # A job whose worker died long ago does not block the reviewer for ever.
    Job.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS + 60))
    S.entries_bulk_review_start(actor=world.school_admin, entry_ids=[entry.pk], step="school_review")
    assert Job.objects.count() == 2
