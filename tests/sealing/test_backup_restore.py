"""Backup → restore (core/backup.py, `manage.py backup` / `restore`, bin/backup / bin/restore): a
database with entries, audit rows, proof files and a sealed 学年 is dumped, restored into a fresh
database of its own and an empty media folder, and everything is found again — every table's row
count, every proof file byte for byte, the seal's Merkle root recomputed from the restored
snapshots. PostgreSQL only (pg_dump); the restored database is named for this run and dropped."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from core import backup as B
from reviews.models import EntryTransition, Evidence
from sealing import merkle
from sealing.models import SealRecord

from .test_seal import _seal, year_data  # noqa: F401 (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def restored_db():
    """A database name of this test's own (never `test`, never CI's `test_test`), dropped after."""
    params = {**B._default_params(), "dbname": f"jx_restorecheck_{os.getpid()}"}
    yield params
    admin = {**params, "dbname": "postgres"}
    with B._connect(admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{params["dbname"]}" WITH (FORCE)')


def test_a_backup_restores_into_a_fresh_database_with_everything_found(
        world, year_data, restored_db, tmp_path, settings, django_capture_on_commit_callbacks):  # noqa: F811
    seal = _seal(world, django_capture_on_commit_callbacks, force=True, reason="区县逾期未审")
    seal.refresh_from_db()
    assert seal.merkle_root and Evidence.objects.count() >= 2

    call_command("backup", output=str(tmp_path / "backups"))
    (source,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in source.iterdir()} == {B.DUMP, B.MEDIA, B.MANIFEST}

    url = "postgres://{user}@{host}:{port}/{dbname}".format(**{k: v or "" for k, v in restored_db.items()})
    if restored_db.get("password"):
        url = url.replace("@", f":{restored_db['password']}@", 1)
    media = tmp_path / "restored-media"
    call_command("restore", str(source), database_url=url, media_root=str(media), create=True)

    # Independently of the command's own check: the same rows, the same files, the same root.
    mine = B.census(B._default_params())
    theirs = B.census(restored_db)
    assert theirs["tables"] == mine["tables"] and theirs["tables"]["credits_creditentry"] > 0
    audit = EntryTransition._meta.db_table  # the audit trail of every review step
    assert theirs["tables"][audit] == mine["tables"][audit] > 0
    assert theirs["seals"] == [{"start_year": 2017, "merkle_root": seal.merkle_root, "teachers": seal.teacher_count,
                                "snapshots": seal.teacher_count}]
    for ev in Evidence.objects.all():
        assert (media / ev.file.name).read_bytes() == Path(settings.MEDIA_ROOT, ev.file.name).read_bytes()
    with B._connect(restored_db) as conn:
        digests = [r[0] for r in conn.execute(
            "SELECT digest FROM sealing_sealedsnapshot WHERE seal_id = %s ORDER BY teacher_id", [seal.pk])]
    assert merkle.merkle_root(digests) == SealRecord.objects.get(pk=seal.pk).merkle_root


def test_restore_refuses_a_media_folder_that_is_not_empty(world, restored_db, tmp_path):
    source = B.backup(output=tmp_path / "b")
    media = tmp_path / "busy"
    media.mkdir()
    (media / "someone-elses.pdf").write_bytes(b"x")
    with pytest.raises(B.BackupError, match="不是空的"):
        B.restore(source=source, params=restored_db, media_root=media, create=True)
    assert [p.name for p in media.iterdir()] == ["someone-elses.pdf"]


def test_the_backup_tools_exist_for_operators(settings):
    root = Path(settings.BASE_DIR)
    for tool in ("bin/backup", "bin/restore"):
        assert os.access(root / tool, os.X_OK)
