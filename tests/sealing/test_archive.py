"""The yearly archive of a sealed 学年 (notice 三(三)4 以备查验): a school's and a district's ZIP
holds the statements, the reports, the snapshots as Excel and JSON and the digests and root; its
snapshots are the seal's, and every teacher's Merkle path in it verifies against the root.
Refused for a 学年 not sealed and outside the user's scope (nothing is created)."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import Job
from reports.archive import archive_start
from sealing import merkle
from sealing.errors import SealError
from sealing.models import SealedSnapshot, SealRecord

from .test_seal import _seal, year_data  # noqa: F401 (fixture)


@pytest.fixture
def sealed(world, year_data, django_capture_on_commit_callbacks):  # noqa: F811
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="区县逾期未审")
    seal.refresh_from_db()
    return seal


def _zip(job) -> zipfile.ZipFile:
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    with default_storage.open(job.result["file"], "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def _member(zf, suffix):
    (name,) = [n for n in zf.namelist() if n.endswith(suffix)]
    return zf.read(name)


def test_a_schools_archive_holds_its_snapshots_with_proofs_that_verify_against_the_root(
        world, sealed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = archive_start(actor=world.school_admin, academic_year=world.year, school=world.school)
    zf = _zip(job)
    prefix = f"{world.school.name}-2017-2018学年档案/"
    assert sorted(zf.namelist()) == sorted(prefix + n for n in [
        "个人学分统计表.pdf", "送审报表.pdf", "送审报表.xlsx", "封存快照.xlsx", "封存快照.json", "摘要与根.txt", "清单.txt"])
    assert _member(zf, "个人学分统计表.pdf").startswith(b"%PDF") and _member(zf, "送审报表.pdf").startswith(b"%PDF")
    snaps = {s.teacher_id: s for s in SealedSnapshot.objects.filter(seal=sealed, school=world.school)}
    assert world.teacher.pk in snaps and world.city_teacher.pk not in snaps

    data = json.loads(_member(zf, "封存快照.json"))
    assert data["seal"]["merkle_root"] == sealed.merkle_root and data["seal"]["teachers_here"] == len(snaps)
    assert [r["teacher_id"] for r in data["snapshots"]] == sorted(snaps)
    for r in data["snapshots"]:
        s = snaps[r["teacher_id"]]
        assert r["payload"] == s.payload() and r["digest"] == s.digest == merkle.leaf_hash(r["payload"])
        assert merkle.verify(merkle.leaf_hash(r["payload"]), r["proof"], sealed.merkle_root)
        assert not merkle.verify(merkle.leaf_hash(dict(r["payload"], total="999.0")), r["proof"], sealed.merkle_root)

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(_member(zf, "封存快照.xlsx")), read_only=True)["封存快照"]
    head, *rows = list(ws.iter_rows(values_only=True))
    total, digest = head.index("合计"), head.index("摘要（SHA-256）")
    assert {r[0]: (Decimal(str(r[total])), r[digest]) for r in rows} == {t: (s.total, s.digest) for t, s in snaps.items()}
    assert {r[0]: r[total] for r in rows}[world.teacher.pk] == 50

    text = _member(zf, "摘要与根.txt").decode()
    assert f"Merkle 根 {sealed.merkle_root}" in text and all(f"{t}\t{s.digest}" in text for t, s in snaps.items())


def test_a_district_downloads_its_archive_from_the_page(client, world, sealed, django_capture_on_commit_callbacks):
    client.force_login(world.district_admin)
    page = client.get(reverse("reports:archive")).content.decode()
    assert f"{world.school.district.name}（全区）" in page and world.school.name in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:archive"), {"year": "2017", "scope": f"d{world.school.district.pk}"})
    job = Job.objects.get(kind="sealing_archive")
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}")
    assert "archive-download" in client.get(response["Location"]).content.decode()
    download = client.get(reverse("reports:archive_download", args=[job.pk]))
    zf = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = zf.namelist()
    prefix = f"{world.school.district.name}-2017-2018学年档案/"
    assert f"{prefix}{world.school.name}/个人学分统计表.pdf" in names
    assert {f"{prefix}{world.school.district.name}送审报表.xlsx", f"{prefix}{world.school.district.name}达标情况.xlsx"} <= set(names)
    data = json.loads(zf.read(f"{prefix}封存快照.json"))
    district_snaps = SealedSnapshot.objects.filter(seal=sealed, district=world.school.district)
    assert sorted(r["teacher_id"] for r in data["snapshots"]) == sorted(district_snaps.values_list("teacher_id", flat=True))
    # Another user never gets the file.
    client.force_login(world.city_admin)
    assert client.get(reverse("reports:archive_download", args=[job.pk])).status_code == 404


def test_no_archive_before_the_seal_nor_outside_ones_scope(client, world, year_data, django_capture_on_commit_callbacks):  # noqa: F811
    with pytest.raises(SealError, match="尚未封存"):
        archive_start(actor=world.school_admin, academic_year=world.year, school=world.school)
    assert not Job.objects.exists() and not SealRecord.objects.exists()
    _seal(world, django_capture_on_commit_callbacks, force=True, reason="逾期")
    with pytest.raises(SealError, match="只能下载本校"):
        archive_start(actor=world.city_admin, academic_year=world.year, school=world.school)
    with pytest.raises(SealError, match="只能下载本区"):
        archive_start(actor=world.school_admin, academic_year=world.year, district=world.school.district)
    client.force_login(world.city_admin)
    assert client.post(reverse("reports:archive"), {"year": "2017", "scope": f"s{world.school.pk}"}).status_code == 404
    client.force_login(world.teacher.user)
    assert client.get(reverse("reports:archive")).status_code == 403
    assert not Job.objects.filter(kind="sealing_archive").exists()
