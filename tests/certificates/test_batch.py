"""A school's whole list as a Celery batch: progress in a Job, a GenerationRun log, the ZIP of
every PDF, the merged PDF; run again, nothing is issued twice."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Job, Role, TeacherProfile, User
from certificates.models import Certificate, GenerationRun, TitleApplication, TitleKind
from certificates.services import certificate_batch_run, certificate_batch_start
from credits.models import CreditEntry, EntrySource, EntryStatus
from tests.factories import AcademicYearFactory, make_id_number

from .conftest import REVIEW_YEAR, WINDOW, seal


def _school_of(n, org, items):
    """n teachers with 5 × (54 规范性 + 26 灵活性) = 400 / 270 / 130, one of them short, all applying."""
    users = User.objects.bulk_create([User(username=f"batch{i:04d}") for i in range(n)])
    profiles = TeacherProfile.objects.bulk_create([
        TeacherProfile(user=u, school=org.school, name=f"教师{i:04d}", gender="female",
                       id_number=make_id_number(i, birth=f"19{70 + i // 1000:02d}0612"), stage="primary",
                       status="approved")
        for i, u in enumerate(users)])
    from accounts.models import RoleAssignment

    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.TEACHER, school=org.school) for u in users])
    years = {y: AcademicYearFactory(start_year=y) for y in WINDOW}
    entries = []
    for i, p in enumerate(profiles):
        for y in WINDOW:
            for key, qty in (("regulated", Decimal(54)), ("flexible", Decimal(26) if i else Decimal(10))):
                entries.append(CreditEntry(teacher=p, school=org.school, academic_year=years[y], item=items[key],
                                           title="培训", started_on=years[y].starts, quantity_claimed=qty,
                                           status=EntryStatus.DISTRICT_REVIEWED, source=EntrySource.DECLARED,
                                           created_by=p.user))
    CreditEntry.objects.bulk_create(entries)
    seal(*WINDOW)
    TitleApplication.objects.bulk_create([
        TitleApplication(teacher=p, school=org.school, kind=TitleKind.SENIOR, year=REVIEW_YEAR, created_by=org.admin)
        for p in profiles])
    return profiles


@pytest.mark.slow
def test_a_school_of_200_teachers(org, items, client, django_capture_on_commit_callbacks):
    profiles = _school_of(201, org, items)  # 200 eligible + 教师0000 short of 灵活性
    with django_capture_on_commit_callbacks(execute=True):
        job, run = certificate_batch_start(actor=org.district_admin, school=org.school, year=REVIEW_YEAR)
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == job.total == 201 and job.percent == 100
    assert job.result["made"] == 200 and job.result["refused"] == 1
    assert run.made == 200 and run.finished_at and run.refused[0]["teacher"] == profiles[0].name
    assert "灵活性还差" in run.refused[0]["reason"]
    assert Certificate.objects.filter(run=run).count() == 200
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 201))

    client.force_login(org.district_admin)
    response = client.get(reverse("certificates:school_zip"), {"school": org.school.pk, "year": REVIEW_YEAR})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 200 and all(n.endswith(".pdf") for n in names)
    first = archive.read(sorted(names)[0])
    assert first.startswith(b"%PDF-") and b"JJD510116-2018-00001" in sorted(names)[0].encode()

    merged = client.get(reverse("certificates:school_merged"), {"school": org.school.pk, "year": REVIEW_YEAR})
    assert len(PdfReader(io.BytesIO(merged.content)).pages) == 200

    # Run again: nothing new, the 200 are skipped, the short one still refused.
    with django_capture_on_commit_callbacks(execute=True):
        job2, run2 = certificate_batch_start(actor=org.district_admin, school=org.school, year=REVIEW_YEAR)
    run2.refresh_from_db()
    job2.refresh_from_db()
    assert run2.made == 0 and job2.result["skipped"] == 200 and Certificate.objects.count() == 200
    assert GenerationRun.objects.filter(kind=GenerationRun.Kind.BATCH).count() == 2


def test_the_batch_page_shows_progress_and_another_district_cannot_start_it(org, items, client,
                                                                            django_capture_on_commit_callbacks):
    _school_of(3, org, items)
    client.force_login(org.other_district_admin)
    url = reverse("certificates:issue_list")
    assert client.post(url, {"school": org.school.pk, "year": REVIEW_YEAR, "action": "batch"}).status_code == 404
    assert not Job.objects.exists() and not GenerationRun.objects.exists()
    client.force_login(org.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"school": org.school.pk, "year": REVIEW_YEAR, "action": "batch"}, follow=True)
    page = response.content.decode()
    assert 'data-testid="batch-progress"' in page and "<progress" in page
    assert Certificate.objects.count() == 2  # 教师0000 is short of 灵活性
    run = GenerationRun.objects.get()
    assert certificate_batch_run(run_id=run.pk).made == 0  # resumed: nothing left to do
