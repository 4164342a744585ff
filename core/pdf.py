"""One PDF setup for every printed form (reports' statements and 附件1–3, certificates).

HTML → PDF with WeasyPrint; fonts are embedded (subset) by WeasyPrint itself. The font chain
covers CJK Unified Ideographs, Extension A and the Extension B characters of names such as
𠮷 / 𡈼 (Noto Serif CJK SC), then Noto Sans CJK and WenQuanYi Zen Hei. A character no font of the
chain holds is not silently drawn as an empty box: ``pdf_text`` marks it visibly as
「□U+XXXXX」 so a reader sees that the printed name is incomplete and which code point is missing.

Templates use the ``pdf_text`` filter (``{% load pdf %}``) for every value that comes from a
user (names, titles): it escapes markup first, then marks the uncovered characters.
"""

from __future__ import annotations

import functools
import subprocess

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei")
FONT_STACK = ", ".join(f'"{f}"' for f in FONT_FAMILIES) + ", serif"

# The page and table styles every printed form shares (A4; landscape forms add their own @page).
BASE_CSS = f"""
@page {{ size: A4; margin: 14mm 12mm 14mm 12mm;
  @bottom-center {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; color: #555; }} }}
@page landscape {{ size: A4 landscape; margin: 12mm 10mm; }}
html {{ font-family: {FONT_STACK}; font-size: 10pt; color: #000; }}
h1 {{ font-size: 15pt; text-align: center; margin: 0 0 4mm; font-weight: bold; }}
h2 {{ font-size: 12pt; margin: 3mm 0 2mm; }}
table {{ border-collapse: collapse; width: 100%; }}
table.fixed {{ table-layout: fixed; }}
table.fixed td {{ overflow-wrap: anywhere; }}  /* widths from the first row: no content measuring (much faster) */
table.fixed th, table.fixed td {{ box-sizing: border-box; }}  /* a width includes the padding: the widths add up to the page */
th, td {{ border: 0.6pt solid #000; padding: 1.2mm 1.4mm; vertical-align: middle; }}
th {{ font-weight: bold; text-align: center; }}
td.num, th.num {{ text-align: right; white-space: nowrap; }}
td.c {{ text-align: center; }}
.meta {{ margin: 0 0 2mm; }}
.meta span {{ margin-right: 8mm; }}
.sign td {{ height: 18mm; vertical-align: top; border: 0.6pt solid #000; }}
.note {{ font-size: 8.5pt; margin-top: 2mm; }}
.small {{ font-size: 8pt; }}
.missing-glyph {{ color: #b00; border: 0.5pt dashed #b00; font-family: monospace; font-size: 7pt; }}
.pagebreak {{ break-before: page; }}
tr {{ break-inside: avoid; }}
"""


@functools.lru_cache(maxsize=1)
def _font_files() -> tuple[tuple[str, int], ...]:
    """(file, face index) of each family of the chain, as fontconfig resolves them."""
    found = []
    for family in FONT_FAMILIES:
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{family}|%{file}|%{index}", family],
                capture_output=True, text=True, timeout=10, check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        parts = out.split("|")
        if len(parts) == 3 and family in parts[0].split(","):
            found.append((parts[1], int(parts[2] or 0)))
    return tuple(found)


@functools.lru_cache(maxsize=1)
def covered_code_points() -> frozenset[int]:
    """Every code point some font of the chain can draw."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path, index in _font_files():
        try:
            font = TTFont(path, fontNumber=index, lazy=True)
            points.update(font.getBestCmap() or {})
            font.close()
        except Exception:
            continue
    return frozenset(points)


def uncovered_characters(text: str) -> list[str]:
    """Characters of `text` no font of the chain holds (whitespace and controls aside)."""
    covered = covered_code_points()
    return [ch for ch in dict.fromkeys(text or "") if ord(ch) > 0x20 and ord(ch) not in covered]


def pdf_text(value) -> SafeString:
    """Escaped text for a PDF template; characters outside the font chain shown as 「□U+XXXX」."""
    text = "" if value is None else str(value)
    missing = set(uncovered_characters(text)) if any(ord(c) > 0x2E7F for c in text) else set()
    if not missing:
        return conditional_escape(text)
    parts = []
    for ch in text:
        if ch in missing:
            parts.append(f'<span class="missing-glyph" title="字库缺字">□U+{ord(ch):04X}</span>')
        else:
            parts.append(conditional_escape(ch))
    return mark_safe("".join(parts))


@functools.lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.lru_cache(maxsize=16)
def _stylesheet(css: str):
    """Parsed once per process (a bundle renders many documents with the same styles)."""
    from weasyprint import CSS

    return CSS(string=BASE_CSS + css, font_config=_font_config())


def render_pdf(html: str, *, css: str = "", target=None):
    """The PDF of `html` (bytes), or written to `target` (a path or a binary file)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf(target=target, stylesheets=[_stylesheet(css)],
                                                      font_config=_font_config())
