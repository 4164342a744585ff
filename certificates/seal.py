"""The issuing body's red round seal, drawn from its name as SVG.

The name runs along the upper arc, one glyph at a time: each glyph is set upright at the top of
the circle and turned into place with ``rotate(angle cx cy)``. WeasyPrint ignores ``<textPath>``,
so text on a path is not an option. A five-pointed star sits in the middle and the seal's purpose
(e.g. 继续教育证书专用章) runs straight underneath, as on a Chinese official seal.
"""

from __future__ import annotations

import functools
import math
from xml.sax.saxutils import escape

RED = "#d4161c"
FONT = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif"


def _star(cx: float, cy: float, r: float) -> str:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = math.radians(-90 + i * 36)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return f'<polygon points="{" ".join(points)}" fill="{RED}"/>'


@functools.lru_cache(maxsize=256)
def seal_svg(name: str, purpose: str = "继续教育证书专用章", size: int = 200) -> str:
    """The seal as an SVG document (a string), `size` user units square."""
    name = (name or "").strip() or "发证机关"
    c = size / 2
    ring = size * 0.47
    glyph = size * (0.15 if len(name) <= 10 else 0.13 if len(name) <= 14 else 0.11)
    text_r = ring - size * 0.045 - glyph * 0.5  # the glyphs' centres run on this circle
    # The name spans up to 240° of the upper arc, centred on the top; more glyphs sit closer.
    span = min(240.0, max(120.0, len(name) * 22.0))
    step = span / max(1, len(name) - 1) if len(name) > 1 else 0
    start = -span / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">',
        f'<circle cx="{c}" cy="{c}" r="{ring:.2f}" fill="none" stroke="{RED}" stroke-width="{size * 0.03:.2f}"/>',
    ]
    baseline = c - text_r + glyph * 0.36  # a CJK glyph's visual centre sits ~0.36 em above its baseline
    for i, ch in enumerate(name):
        angle = start + i * step
        parts.append(
            f'<text x="{c:.2f}" y="{baseline:.2f}" transform="rotate({angle:.2f} {c:.2f} {c:.2f})" '
            f'text-anchor="middle" font-family="{FONT}" font-size="{glyph:.2f}" font-weight="bold" '
            f'fill="{RED}">{escape(ch)}</text>'
        )
    parts.append(_star(c, c, size * 0.15))
    if purpose:
        small = size * 0.075
        parts.append(
            f'<text x="{c:.2f}" y="{c + size * 0.3:.2f}" text-anchor="middle" font-family="{FONT}" '
            f'font-size="{small:.2f}" fill="{RED}">{escape(purpose)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
