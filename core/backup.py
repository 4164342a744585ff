"""Backup and restore of a PostgreSQL site: the database (pg_dump custom format), the media
folder (proof files, imports, certificates) and a manifest of what was in them, so that a restore
can prove it found everything (every table's row count, every committed seal's Merkle root).

    python manage.py backup  --output /backups            # or bin/backup
    python manage.py restore /backups/jixiao-… --database-url postgres://…/jixiao_new --media-root /data/media_new

Keys are not in a backup: SECRET_KEY (which also opens the initial passwords waiting in the
vault) and CERT_SIGNING_DIR are kept apart, in the deployment's secrets.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.apps import apps
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar.gz"


class BackupError(Exception):
    pass


def _pg_env_args(params: dict) -> tuple[dict, list[str]]:
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    args = []
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params.get(key):
            args += [flag, str(params[key])]
    return env, args


def _default_params() -> dict:
    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("备份与恢复只支持 PostgreSQL（DATABASE_URL=postgres://…）。")
    return {"host": s.get("HOST"), "port": s.get("PORT"), "user": s.get("USER"), "password": s.get("PASSWORD"),
            "dbname": s["NAME"]}


def params_from_url(url: str) -> dict:
    u = urlparse(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise BackupError("目标数据库须为 postgres://… 地址。")
    return {"host": u.hostname, "port": u.port, "user": unquote(u.username or ""), "password": unquote(u.password or ""),
            "dbname": u.path.lstrip("/")}


def _connect(params: dict):
    import psycopg

    return psycopg.connect(**{("dbname" if k == "dbname" else k): v for k, v in params.items() if v},
                           autocommit=True)


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy})


def census(params: dict) -> dict:
    """What a database holds: rows per table, committed seals with their roots."""
    out: dict = {"tables": {}, "seals": []}
    with _connect(params) as conn:
        existing = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        for table in _tables():
            if table in existing:
                out["tables"][table] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if "sealing_sealrecord" in existing:
            rows = conn.execute(
                "SELECT y.start_year, s.merkle_root, s.teacher_count, "
                "(SELECT count(*) FROM sealing_sealedsnapshot n WHERE n.seal_id = s.id) "
                "FROM sealing_sealrecord s JOIN credits_academicyear y ON y.id = s.academic_year_id "
                "WHERE s.state = 'committed' ORDER BY y.start_year").fetchall()
            out["seals"] = [{"start_year": r[0], "merkle_root": r[1], "teachers": r[2], "snapshots": r[3]} for r in rows]
    return out


def _media_files(root: Path) -> dict[str, str]:
    files = {}
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def backup(*, output: Path, media_root: Path | None = None, params: dict | None = None) -> Path:
    params = params or _default_params()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(output) / f"jixiao-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    os.chmod(target, 0o700)  # 身份证号 and everything else: for the operator only
    env, args = _pg_env_args(params)
    result = subprocess.run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(target / DUMP),
                             params["dbname"]], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    with tarfile.open(target / MEDIA, "w:gz") as tar:
        if media_root.exists():
            tar.add(media_root, arcname="media")
    manifest = {"created_at": stamp, "database": params["dbname"], **census(params),
                "media": _media_files(media_root)}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def restore(*, source: Path, params: dict, media_root: Path, create: bool = False) -> dict:
    """Restores a backup into an empty database (created when `create`) and a media folder, then
    compares what it finds with the manifest. Returns the comparison; raises on any difference."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    env, args = _pg_env_args(params)
    if create:
        result = subprocess.run(["createdb", *args, params["dbname"]], env=env, capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f"创建数据库失败：{result.stderr.strip()}")
    result = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args,
                             "-d", params["dbname"], str(source / DUMP)], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    if any(media_root.iterdir()):
        raise BackupError(f"媒体目录 {media_root} 不是空的：请恢复到一个空目录。")
    with tarfile.open(source / MEDIA, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name == "media" or m.name.startswith("media/")]
        for m in members:
            m.name = m.name[len("media/"):] if m.name.startswith("media/") else "."
        tar.extractall(media_root, members=members, filter="data")
    found = {**census(params), "media": _media_files(media_root)}
    differences = {key: {"backup": manifest[key], "restored": found[key]}
                   for key in ("tables", "seals", "media") if manifest[key] != found[key]}
    if differences:
        raise BackupError(f"恢复后的内容与备份清单不符：{json.dumps(differences, ensure_ascii=False)[:2000]}")
    return {"tables": len(found["tables"]), "rows": sum(found["tables"].values()), "seals": found["seals"],
            "media_files": len(found["media"])}
