"""manage.py bench_all: every benchmark at one size in one run, a JSON with each part's figures
and a short table; a part that cannot run is recorded and the others still run."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import TeacherProfile
from bench import all as bench_all

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: datetime.date(2026, 12, 1))


def test_an_empty_database_gets_its_city_and_every_part_its_figures(today, tmp_path):
    out = io.StringIO()
    path = tmp_path / "bench.json"
    call_command("bench_all", "--size", "150", "--seed", "3", "--requests", "1", "--certificates", "2",
                 "--only", "seal", "pages", "reports", "certificates", "--json", str(path), stdout=out)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert TeacherProfile.objects.count() == data["generated"]["teachers"] == data["city"]["teachers"] >= 100
    parts = data["parts"]
    assert list(parts) == ["seal", "pages", "reports", "certificates"]
    assert not any(p.get("error") for p in parts.values()), parts
    assert parts["seal"]["seal_seconds"] > 0 and parts["seal"]["group_by_seconds"] > 0 and parts["seal"]["ratio"] > 0
    from bench.pages import PAGES

    assert [p["key"] for p in parts["pages"]["pages"]] == [p[0] for p in PAGES]
    assert all(p["status"] == 200 and p["queries"] <= 15 for p in parts["pages"]["pages"]), [(p["key"], p["error"]) for p in parts["pages"]["pages"]]
    assert [d["key"] for d in parts["reports"]["documents"]] == ["district_report", "school_bundle"]
    assert all(d["seconds"] > 0 and not d["error"] for d in parts["reports"]["documents"])
    phases = parts["certificates"]["phases"]
    assert [p["count"] for p in phases if "count" in p] == [2, 2] and phases[-1]["ratio"] > 0
    text = out.getvalue()
    assert "基准汇总" in text and "(a) seal" in text and "(d) certs" in text and "≤ 120 s, ≤ 3×" in text


def test_a_part_that_cannot_run_is_recorded_and_the_rest_still_run(today, tmp_path, monkeypatch):
    def broken(out):
        raise RuntimeError("证书渲染器坏了")

    monkeypatch.setattr(bench_all, "_certificates", lambda count, out: broken(out))
    path = tmp_path / "bench.json"
    out = io.StringIO()
    with pytest.raises(CommandError, match="certificates"):
        call_command("bench_all", "--size", "100", "--seed", "3", "--requests", "1",
                     "--only", "certificates", "pages", "--json", str(path), stdout=out)
    parts = json.loads(path.read_text(encoding="utf-8"))["parts"]
    assert parts["certificates"]["error"] == "RuntimeError: 证书渲染器坏了"
    assert parts["pages"]["pages"] and not parts["pages"].get("error")
    assert "无法运行：RuntimeError: 证书渲染器坏了" in out.getvalue()


def test_the_http_load_run_needs_postgresql_and_says_so(today, tmp_path, monkeypatch):
    real = bench_all._http

    def on_another_database(**kwargs):  # on either database of the suite: the load run sees SQLite
        with monkeypatch.context() as m:
            m.setattr(connection, "vendor", "sqlite")
            return real(**kwargs)

    monkeypatch.setattr(bench_all, "_http", on_another_database)
    with pytest.raises(CommandError, match="http"):
        call_command("bench_all", "--size", "100", "--only", "http", "--json", str(tmp_path / "b.json"),
                     stdout=io.StringIO())
    parts = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["parts"]
    assert "PostgreSQL" in parts["http"]["error"]
