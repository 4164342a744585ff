"""PDF rendering with WeasyPrint: one long-lived renderer per process.

What is reused from one document to the next:

- the ``FontConfiguration`` (fontconfig's font set is read once; CJK fonts are looked up once);
- each template version's compiled Django template and WeasyPrint ``CSS`` (parsed once);
- the seal images: an issuer's seal (drawn SVG or uploaded picture) is fetched and decoded once
  and kept in WeasyPrint's image cache, which holds nothing else, so it does not grow with the
  number of documents (the QR code is inline SVG, never cached);
- static files are read from disk (``file:`` under the static folders) and never over HTTP: the
  URL fetcher refuses every other scheme, so a template cannot make the server fetch a URL.

WeasyPrint embeds a subset of each font per document (only the glyphs used: a few tens of KB
instead of the 20 MB collection); the subset cannot be shared between documents, which is why
bench.py compares against bare WeasyPrint on the same HTML.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .seal import seal_svg

# WeasyPrint logs every rendering step at INFO: a batch of 200 would print 1,400 lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE_DIR = Path(__file__).resolve().parent / "pdf_templates"
SEAL_SCHEME = "jixiao-seal:"

# Where the seal sits on the page (A4 portrait, mm from the bottom-left corner). The renderer adds
# this box to every template's CSS so that the signature's visible appearance (signing.py), which
# is placed by coordinates, covers the same spot whatever city staff change in the template.
PAGE_MM = (210.0, 297.0)
SEAL_BOX_MM = (138.0, 66.0, 40.0)  # left, bottom, diameter


def seal_box_points() -> tuple[float, float, float, float]:
    """The seal's box in PDF points (x1, y1, x2, y2), origin bottom-left."""
    left, bottom, size = SEAL_BOX_MM
    k = 72 / 25.4
    return (left * k, bottom * k, (left + size) * k, (bottom + size) * k)


def default_source(kind: str) -> tuple[str, str]:
    """The shipped default template of a document kind (HTML, CSS): the page, frame and table
    styles every document shares (document.css), then the kind's own additions, if any."""
    css = (TEMPLATE_DIR / "document.css").read_text("utf-8")
    own = TEMPLATE_DIR / f"{kind}.css"
    if own.exists():
        css += own.read_text("utf-8")
    return (TEMPLATE_DIR / f"{kind}.html").read_text("utf-8"), css


def _static_roots() -> list[Path]:
    roots = [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [r.resolve() for r in roots]


class LocalFetcher(URLFetcher):
    """Seals from memory, static files from disk, data: URIs; nothing else (no HTTP, no
    arbitrary file)."""

    def __init__(self, renderer: Renderer):
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
        self.renderer = renderer

    def fetch(self, url, headers=None):
        if url.startswith(SEAL_SCHEME):
            body, mime = self.renderer.seal_bytes(url[len(SEAL_SCHEME):])
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        if url.startswith("file:"):
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:").removeprefix("//"))).resolve()
            if not any(path.is_relative_to(root) for root in _static_roots()):
                raise ValueError("只允许读取静态文件目录中的文件。")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"不允许的地址：{url[:40]}")


def _mime(path: Path) -> str:
    return {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
            ".css": "text/css"}.get(path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class SealSource:
    """What an issuer's seal is drawn from: its name, or an uploaded picture."""

    key: str  # changes when the seal changes (issuer id + upload name + text)
    text: str
    image_path: str = ""


class Renderer:
    """Renders documents from template versions. Thread-safe for reads; one per process."""

    MAX_CACHE = 512  # image cache entries; only seals live there

    def __init__(self):
        self.font_config = FontConfiguration()
        self.fetcher = LocalFetcher(self)
        self.engine = Engine(libraries={}, builtins=["django.template.defaulttags", "django.template.defaultfilters"],
                             autoescape=True)
        self._templates: dict[tuple, tuple] = {}
        self._seals: dict[str, tuple[bytes, str]] = {}
        self._image_cache: dict = {}
        self._lock = threading.Lock()
        self.rendered = 0

    # -- seals ---------------------------------------------------------------------------------

    def register_seal(self, seal: SealSource) -> str:
        """The URL the template uses for this seal; the image bytes are produced once."""
        if seal.key not in self._seals:
            if seal.image_path:
                path = Path(seal.image_path)
                self._seals[seal.key] = (path.read_bytes(), _mime(path))
            else:
                self._seals[seal.key] = (seal_svg(seal.text).encode("utf-8"), "image/svg+xml")
        return SEAL_SCHEME + seal.key

    def seal_pdf(self, seal: SealSource) -> Path:
        """The seal alone as a one-page PDF the size of the seal box: the signature's appearance.
        Made once per seal and kept on disk (in the temporary folder)."""
        import hashlib
        import tempfile

        folder = Path(tempfile.gettempdir()) / "jixiao-seals"
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(repr((seal, SEAL_BOX_MM)).encode()).hexdigest()[:24]
        path = folder / f"{digest}.pdf"
        if not path.is_file():
            url = self.register_seal(seal)
            size = SEAL_BOX_MM[2]
            page = (f'<html><body style="margin:0"><img src="{url}" style="display:block;width:{size}mm;'
                    f'height:{size}mm"></body></html>')
            css = CSS(string=f"@page {{ size: {size}mm {size}mm; margin: 0; }}", font_config=self.font_config)
            pdf = HTML(string=page, url_fetcher=self.fetcher).write_pdf(stylesheets=[css], font_config=self.font_config)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pdf)
            tmp.replace(path)
        return path

    def seal_bytes(self, key: str) -> tuple[bytes, str]:
        try:
            return self._seals[key]
        except KeyError:
            raise ValueError("未知的印章。") from None

    # -- templates -----------------------------------------------------------------------------

    def _compiled(self, key, html: str, css: str):
        found = self._templates.get(key)
        if found is None:
            with self._lock:
                found = self._templates.get(key)
                if found is None:
                    left, bottom, size = SEAL_BOX_MM
                    fixed = (f"@page {{ size: {PAGE_MM[0]}mm {PAGE_MM[1]}mm; margin: 0; }}"
                             f".seal-box {{ position: fixed; left: {left}mm; bottom: {bottom}mm; "
                             f"width: {size}mm; height: {size}mm; }}"
                             ".seal-box img { width: 100%; height: 100%; }")
                    found = (
                        self.engine.from_string(html),
                        [CSS(string=css, font_config=self.font_config, url_fetcher=self.fetcher),
                         CSS(string=fixed, font_config=self.font_config)],
                    )
                    self._templates[key] = found
        return found

    def html(self, *, template_key, html: str, css: str, context: dict) -> str:
        template, _ = self._compiled(template_key, html, css)
        return template.render(Context(context))

    def render(self, *, template_key, html: str, css: str, context: dict) -> bytes:
        """One PDF. `template_key` identifies the template version (its compiled form is reused)."""
        template, stylesheets = self._compiled(template_key, html, css)
        source = template.render(Context(context))
        if len(self._image_cache) > self.MAX_CACHE:
            self._image_cache.clear()
        document = HTML(string=source, base_url=str(TEMPLATE_DIR) + "/", url_fetcher=self.fetcher)
        pdf = document.write_pdf(stylesheets=stylesheets, font_config=self.font_config, cache=self._image_cache,
                                 pdf_identifier=context.get("pdf_identifier"),
                                 custom_metadata=False)
        self.rendered += 1
        return pdf


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> Renderer:
    """The process's renderer (created on first use)."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = Renderer()
    return _renderer


# -- helpers for the templates' context ----------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (drawn per document, never cached)."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff")
    return mark_safe(svg)


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough to recognise, not enough to read a stranger's name."""
    name = name or ""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""
