"""Benchmark of the certificate renderer: ``manage.py certificates_bench [--count 1000] [--sign]``.

Renders N 继教证书 from the shipped template (each with its own teacher, serial, code and QR
code, so nothing is reused that a real batch could not reuse) three ways, and prints for each the
documents per second (by the wall clock, and by this process's CPU time, which a busy machine does not
inflate) and the process's memory:

- **renderer**: the long-lived ``render.Renderer`` the batch uses (one font configuration, the
  compiled template and parsed CSS, the seal image fetched once, static files from disk);
- **bare WeasyPrint** on the same HTML: ``HTML(string=…).write_pdf(stylesheets=[CSS(string=…)])``
  per document, as a first implementation would (a new font configuration, the CSS parsed and
  the seal decoded every time; the seal is inlined as a ``data:`` URI, the same image);
- with ``--sign``: the renderer plus the PAdES signature (pyHanko) with a development key
  generated into a temporary folder, which is what ``certificate_issue`` does per certificate.

Memory: the resident set (RSS) at the start of each phase, its peak during the phase (Linux's
VmHWM, reset before the phase through /proc/self/clear_refs), and how much it grew between the
first tenth of the phase and its end (flat memory means ≈ 0). No database is touched. The command
measures; it never fails: an error is printed as a figure.
"""

from __future__ import annotations

import base64
import datetime
import sys
import tempfile
import time
from pathlib import Path

from core.memory import phase_peak_kb, reset_peak, status_kb


def _mb(kb: int | None) -> float:
    return (kb or 0) / 1024


def _contexts(count: int, issuer):
    """One context per document, as certificate_issue builds it."""
    from django.utils import timezone

    from . import documents

    years = [{"label": f"{y}-{y + 1}", "regulated": "53.6", "flexible": "26.8", "total": "80.4"}
             for y in range(2013, 2018)]
    totals = {"years": years, "regulated": "268", "flexible": "134", "total": "402"}
    issued_at = timezone.make_aware(datetime.datetime(2018, 11, 20, 10, 0))
    for i in range(count):
        yield documents.certificate_context(
            serial=f"JJDBENCH-2018-{i + 1:05d}", code=documents.new_code(), issuer=issuer,
            teacher_name=f"教师{i:05d}", school_name="棠湖中学", masked_id=f"5101**********{i % 10000:04d}",
            kind_label="高级教师", totals=totals, eligible=True, issued_at=issued_at)


def _phase(label: str, count: int, render_one, out) -> dict:
    """Renders `count` documents with `render_one(i)`; seconds, per second and memory."""
    import gc

    gc.collect()
    start_kb = status_kb("VmRSS")
    resettable = reset_peak()
    tenth = max(1, count // 10)
    at_tenth_kb = None
    size = 0
    error = ""
    done = 0
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        for i in range(count):
            size += len(render_one(i))
            done += 1
            if done == tenth:
                at_tenth_kb = status_kb("VmRSS")
    except Exception as exc:  # a benchmark reports, it does not fail
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    end_kb = status_kb("VmRSS")
    peak_kb = phase_peak_kb(start_kb, end_kb) if resettable else None
    row = {
        "label": label, "count": done, "seconds": seconds, "per_second": done / seconds if seconds else 0.0,
        "cpu_seconds": cpu, "per_cpu_second": done / cpu if cpu else 0.0,
        "start_mb": _mb(start_kb), "peak_mb": _mb(peak_kb) if peak_kb else None, "end_mb": _mb(end_kb),
        "growth_mb": _mb(end_kb) - _mb(at_tenth_kb) if at_tenth_kb else 0.0,
        "avg_kb": size / done / 1024 if done else 0.0, "error": error,
    }
    peak = f"{row['peak_mb']:7.1f} MB" if row["peak_mb"] is not None else "   未测 "
    _say(out, f"  {label:<16} {done:5d} 份 {seconds:8.2f} s   {row['per_second']:7.2f} 份/秒   "
              f"CPU {cpu:8.2f} s   {row['per_cpu_second']:7.2f} 份/CPU秒   "
              f"RSS 起始 {row['start_mb']:6.1f} MB   峰值 {peak}   后 90% 增长 {row['growth_mb']:+6.1f} MB   "
              f"平均 {row['avg_kb']:5.0f} KB" + (f"   出错：{error}" if error else ""))
    return row


def _say(out, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def run(*, count: int = 1000, sign: bool = False, out=sys.stdout) -> list[dict]:
    from django.test import override_settings
    from weasyprint import CSS, HTML

    from . import documents, render, signing
    from .models import CertificateTemplate, DocumentKind, Issuer

    _say(out, f"证书渲染基准：{count} 份继教证书（默认模板{'，含电子签名' if sign else ''}），不写数据库")
    html_source, css = render.default_source(DocumentKind.CERTIFICATE)
    template = CertificateTemplate(kind=DocumentKind.CERTIFICATE, version=1, html=html_source, css=css)
    issuer = Issuer(code="dbench", name="成都市双流区教育局")
    seal = documents.seal_source(issuer)
    r = render.renderer()
    key = ("bench", template.version, "default")
    contexts = list(_contexts(count, issuer))
    seal_url = r.register_seal(seal)
    for c in contexts:
        c.update(seal_url=seal_url, signed=False, template_version=template.version)

    # The same HTML for bare WeasyPrint: the seal inlined (the fetcher's own scheme is the renderer's).
    seal_bytes, mime = r.seal_bytes(seal.key)
    inline = f"data:{mime};base64,{base64.b64encode(seal_bytes).decode('ascii')}"
    fixed = (f"@page {{ size: {render.PAGE_MM[0]}mm {render.PAGE_MM[1]}mm; margin: 0; }}"
             f".seal-box {{ position: fixed; left: {render.SEAL_BOX_MM[0]}mm; bottom: {render.SEAL_BOX_MM[1]}mm; "
             f"width: {render.SEAL_BOX_MM[2]}mm; height: {render.SEAL_BOX_MM[2]}mm; }} .seal-box img {{ width: 100%; }}")

    def with_renderer(i):
        return r.render(template_key=key, html=template.html, css=template.css, context=contexts[i])

    def bare(i):
        page = r.html(template_key=key, html=template.html, css=template.css, context=contexts[i]).replace(seal_url, inline)
        return HTML(string=page).write_pdf(stylesheets=[CSS(string=template.css), CSS(string=fixed)])

    results: list[dict] = []
    t0 = time.perf_counter()
    with_renderer(0)  # warm-up: fontconfig, the template, the seal; not counted
    _say(out, f"  {'预热（首份）':<16} {time.perf_counter() - t0:8.2f} s")
    results.append(_phase("长驻渲染器", count, with_renderer, out))
    results.append(_phase("裸 WeasyPrint", count, bare, out))
    if sign:
        with tempfile.TemporaryDirectory() as keys, override_settings(CERT_SIGNING_DIR=Path(keys),
                                                                      CERT_SIGNING_PASSWORD="bench"):
            signing.create_dev_keys(Path(keys), [(issuer.code, issuer.name)], password="bench")
            seal_pdf = r.seal_pdf(seal)
            box = render.seal_box_points()
            for c in contexts:
                c.update(seal_url="", signed=True)

            def signed(i):
                pdf = with_renderer(i)
                return signing.sign_pdf(pdf, issuer_code=issuer.code, issuer_name=issuer.name, seal_pdf=seal_pdf,
                                        box=box, reason=f"继教证书 {contexts[i]['serial']}")

            results.append(_phase("渲染器 + 签名", count, signed, out))
    fast, slow = results[0], results[1]
    if fast["per_second"] and slow["per_second"]:
        ratio = fast["per_second"] / slow["per_second"]
        cpu_ratio = fast["per_cpu_second"] / slow["per_cpu_second"] if slow["per_cpu_second"] else 0.0
        _say(out, f"  倍数：长驻渲染器 / 裸 WeasyPrint = {ratio:.2f}×（按 CPU 时间 {cpu_ratio:.2f}×；同一 HTML，同一进程）")
        results.append({"label": "ratio", "ratio": ratio, "cpu_ratio": cpu_ratio})
    return results
