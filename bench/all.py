"""Every benchmark of issue 15 (Build 2) in one run, against the configured database at one size:

- (a) ``seal``: the seal of one 学年 against the bare ``GROUP BY`` (``bench.seal``);
- (b) ``pages``: server time p50/p95 and SQL queries of every page (``bench.pages``);
- (c) ``reports``: the largest district's 送审报表 and its largest school's statements bundle,
  seconds and peak memory (``reports.bench.run_city``);
- (d) ``certificates``: certificate rendering rate and memory against bare WeasyPrint
  (``certificates.bench``);
- (e) ``http``: gunicorn on this database and locust headless on loopback, bounded in time:
  requests/s, p50/p95, errors (``bench/locustfile.py``).

The city is generated first when the database has no teachers (``bench.city.generate``). A part
that cannot run is recorded in the JSON with its error and the others still run. Figures are
printed beside the targets and never judged: ``run`` reports which parts could not run at all.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("seal", "pages", "reports", "certificates", "http")
# Issue 15's targets (2-core machine, the full city), printed beside the figures.
SEAL_TARGET = "≤ 120 s, ≤ 3×"
HTTP_TARGET = "≥ 200 req/s, p95 ≤ 200 ms, 0 errors"
REPORT_TARGET = "10,000 teachers ≤ 10 s, ≤ 300 MB"
CERT_TARGET = "≥ 5/s a core, ≤ 1.3×, flat"


def certificates_for(size: int) -> int:
    """Certificates rendered per phase: 20 at the quick size, 1,000 from 15,000 teachers on."""
    return max(20, min(1000, size // 15))


def run(*, size: int, seed: int = 1, requests: int = 5, only=None, json_path=None, http_seconds: int = 20,
        http_users: int = 8, port: int | None = None, certificates: int | None = None, out=sys.stdout) -> dict:
    """Run the parts in order; returns {"size", "city", "machine", "parts": {name: figures}} where a
    part that could not run has {"error": …}. Writes `json_path` after every part."""
    from django.db import connection

    from accounts.models import TeacherProfile

    from . import pages

    data: dict = {"size": size, "seed": seed, "database": connection.vendor, "machine": _machine(), "parts": {}}
    if not TeacherProfile.objects.exists():
        from .city import generate

        _say(out, f"== 生成城市：{size} 名教师（种子 {seed}）")
        data["generated"] = generate(teachers=size, seed=seed, out=out).as_dict()
    data["city"] = pages.city_size()
    chosen = [p for p in PARTS if not only or p in only]
    steps = {
        "seal": lambda: _seal(out),
        "pages": lambda: _pages(requests, out),
        "reports": lambda: _reports(out),
        "certificates": lambda: _certificates(certificates or certificates_for(size), out),
        "http": lambda: _http(seconds=http_seconds, users=http_users, port=port, out=out),
    }
    for name in chosen:
        _say(out, f"== {name}")
        t0 = time.perf_counter()
        try:
            figures = steps[name]()
        except Exception as exc:  # recorded, and the other parts still run
            figures = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            _say(out, f"  无法运行：{figures['error']}")
        figures["wall_seconds"] = round(time.perf_counter() - t0, 1)
        data["parts"][name] = figures
        if json_path:
            Path(json_path).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    _say(out, "")
    _say(out, summary(data))
    return data


def failed(data: dict) -> list[str]:
    """The parts that could not run at all (not: figures beside a missed target)."""
    return [name for name, f in data["parts"].items() if f.get("error")]


# --- the parts -------------------------------------------------------------------------------


def _seal(out) -> dict:
    from .seal import run as seal_run

    figures = seal_run(out=out)
    if "seal_seconds" not in figures:
        raise RuntimeError("封存基准无法测量（见上方输出）")
    return {k: v for k, v in figures.items() if k != "root"}


def _pages(requests: int, out) -> dict:
    from . import pages

    _say(out, pages.HEADER)
    results = pages.run(requests=max(1, requests), out=out)
    rows = [r.as_dict() for r in results]
    broken = [r["key"] for r in rows if r["error"]]
    if broken and len(broken) == len(rows):
        raise RuntimeError(f"没有一个页面能打开：{rows[0]['error']}")
    return {"requests": requests, "pages": rows, "query_target": pages.QUERY_TARGET, "errors": broken}


def _reports(out) -> dict:
    from reports.bench import run_city

    rows = run_city(out=out)
    errors = [r["error"] for r in rows if r["error"]]
    if errors and len(errors) == len(rows):
        raise RuntimeError(errors[0])
    return {"documents": rows}


def _certificates(count: int, out) -> dict:
    from certificates.bench import run as cert_run

    rows = cert_run(count=count, out=out)
    errors = [r["error"] for r in rows if r.get("error")]
    if errors and len(errors) == len([r for r in rows if "error" in r]):
        raise RuntimeError(errors[0])
    return {"count": count, "phases": rows}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(*, seconds: int, users: int, port: int | None, out) -> dict:
    """gunicorn (2 workers) on this database, then locust headless for `seconds`; gunicorn is
    stopped afterwards whatever happened."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("HTTP 负载测试需要 PostgreSQL（DATABASE_URL）")
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": "off", "ALLOWED_HOSTS": "127.0.0.1", "SECRET_KEY": secrets.token_urlsafe(40),
           "SECURE_SSL_REDIRECT": "off", "SECURE_HSTS_SECONDS": "0",
           "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
           "DJANGO_SETTINGS_MODULE": "jixiao.settings"}
    bindir = Path(sys.executable).parent
    server = subprocess.Popen([str(bindir / "gunicorn"), "jixiao.wsgi:application", "-b", f"127.0.0.1:{port}",
                               "-w", "2", "--log-level", "warning"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(base + "/accounts/login/", server, timeout=60)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = f"{tmp}/locust"
            cmd = [str(bindir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-H", base,
                   "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s", "--csv", prefix,
                   "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
            t0 = time.perf_counter()
            # Locust exits 1 when a request failed: that is a figure (errors), not a failure to run.
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
            elapsed = time.perf_counter() - t0
            stats = Path(prefix + "_stats.csv")
            if not stats.exists():
                raise RuntimeError(f"locust 未写出结果（退出码 {done.returncode}）：{done.stderr[-400:]}")
            rows = list(csv.DictReader(io.StringIO(stats.read_text(encoding="utf-8"))))
    finally:
        _stop(server)
    by_name = {}
    total = None
    for row in rows:
        entry = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                 "p50_ms": _num(row["50%"]), "p95_ms": _num(row["95%"]), "rps": round(float(row["Requests/s"]), 1)}
        if row["Name"] == "Aggregated":
            total = entry
        else:
            by_name[row["Name"]] = entry
    if total is None or not total["requests"]:
        raise RuntimeError(f"locust 没有完成任何请求：{done.stderr[-400:]}")
    figures = {"seconds": seconds, "users": users, "workers": 2, "elapsed_seconds": round(elapsed, 1),
               "requests_per_second": total["rps"], "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"],
               "requests": total["requests"], "errors": total["failures"], "by_request": by_name}
    _say(out, f"  {total['requests']} 个请求，{total['rps']} 次/秒，p50 {total['p50_ms']} ms，p95 {total['p95_ms']} ms，"
              f"错误 {total['failures']}（gunicorn 2 个 worker，{users} 个用户，{seconds} s，含登录）")
    for name, e in by_name.items():
        _say(out, f"    {name:<34} {e['requests']:6d} 次  p50 {e['p50_ms']} ms  p95 {e['p95_ms']} ms  错误 {e['failures']}")
    return figures


def _num(value: str):
    try:
        return float(value)
    except ValueError:
        return None


def _wait_for(url: str, server: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode("utf-8", "replace")[-400:] if server.stderr else ""
            raise RuntimeError(f"gunicorn 已退出（{server.returncode}）：{err}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn {timeout:.0f} s 内没有应答 {url}")


def _stop(server: subprocess.Popen) -> None:
    """The server and its workers (its own process group, started above)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the table -------------------------------------------------------------------------------


def summary(data: dict) -> str:
    """A short table: each part's figures beside issue 15's targets."""
    city = data.get("city", {})
    lines = [f"基准汇总：{city.get('teachers')} 名教师，{city.get('schools')} 所学校，约 {city.get('entries')} 条登记"
             f"（{data['database']}，{data['machine']['cpus']} 核）",
             f"{'part':<14} {'figure':<62} target", "-" * 92]
    parts = data["parts"]

    def row(part, figure, target=""):
        lines.append(f"{part:<14} {figure:<62} {target}")

    for name in PARTS:
        f = parts.get(name)
        if f is None:
            continue
        if f.get("error"):
            row(name, f"无法运行：{f['error'][:56]}")
            continue
        if name == "seal":
            row("(a) seal", f"{f['year']}: seal {f['seal_seconds']:.1f} s, GROUP BY {f['group_by_seconds']:.3f} s, "
                            f"ratio {f['ratio']:.0f}×" if f.get("ratio") else "—", SEAL_TARGET)
        elif name == "pages":
            for p in f["pages"]:
                if p["error"] and p["p95_ms"] is None:
                    row("(b) pages", f"{p['label']}: {p['error'][:40]}", f"≤ {p['target_p95_ms']} ms")
                    continue
                row("(b) pages", f"{p['label']}: p50 {p['p50_ms']} / p95 {p['p95_ms']} ms, {p['queries']} q",
                    f"≤ {p['target_p95_ms']} ms, ≤ {f['query_target']} q")
        elif name == "reports":
            for d in f["documents"]:
                peak = f", Python peak {d['peak_mb']:.0f} MB" if d.get("peak_mb") is not None else ""
                row("(c) reports", f"{d['label']}: {d['seconds']:.1f} s{peak}, RSS {d['rss_mb']:.0f} MB"
                    + (" 出错" if d["error"] else ""), REPORT_TARGET if d.get("key") == "district_report" else "")
        elif name == "certificates":
            for ph in f["phases"]:
                if "per_second" in ph:
                    row("(d) certs", f"{ph['label']} ×{ph['count']}: {ph['per_second']:.1f}/s "
                                     f"({ph['per_cpu_second']:.1f}/CPU s), growth {ph['growth_mb']:+.0f} MB", CERT_TARGET)
                elif "ratio" in ph:
                    row("(d) certs", f"renderer / bare WeasyPrint {ph['ratio']:.2f}× (CPU {ph['cpu_ratio']:.2f}×)")
        elif name == "http":
            row("(e) http", f"{f['requests_per_second']} req/s, p50 {f['p50_ms']} / p95 {f['p95_ms']} ms, "
                            f"{f['errors']} errors / {f['requests']}",
                HTTP_TARGET)
    lines.append("(figures only: a benchmark never fails on them)")
    return "\n".join(lines)


def _say(out, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(v, 1) for v in load] if load else None}
