"""The renderer benchmark at a tiny size: it prints the figures of each phase and the ratio, and
writes nothing to the database."""

import io
import re

import pytest
from django.core.management import call_command

from certificates.models import Certificate, CertificateTemplate, Issuer


@pytest.mark.slow
def test_the_benchmark_prints_rates_memory_and_the_ratio(db):
    out = io.StringIO()
    call_command("certificates_bench", "--count", "3", "--sign", stdout=out)
    text = out.getvalue()
    assert "出错" not in text
    phases = {}
    for label in ("长驻渲染器", "裸 WeasyPrint", "渲染器 + 签名"):
        line = next(line for line in text.splitlines() if line.strip().startswith(label))
        m = re.search(r"(\d+) 份\s+([\d.]+) s\s+([\d.]+) 份/秒\s+CPU\s+([\d.]+) s\s+([\d.]+) 份/CPU秒\s+"
                      r"RSS 起始\s+([\d.]+) MB\s+峰值\s+([\d.]+) MB", line)
        assert m, line
        count, seconds, rate, cpu, cpu_rate, start, peak = int(m[1]), *map(float, m.groups()[1:])
        assert count == 3 and seconds > 0 and abs(rate - count / seconds) < 0.05 * rate
        assert cpu > 0 and abs(cpu_rate - count / cpu) < 0.05 * cpu_rate
        assert peak >= start > 0
        phases[label] = rate
    ratio = float(re.search(r"长驻渲染器 / 裸 WeasyPrint = ([\d.]+)×（按 CPU 时间 [\d.]+×", text)[1])
    assert abs(ratio - phases["长驻渲染器"] / phases["裸 WeasyPrint"]) <= 0.03 * ratio + 0.01  # printed rounded
    assert not Certificate.objects.exists() and not Issuer.objects.exists()
    assert not CertificateTemplate.objects.exists()
