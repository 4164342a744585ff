"""The PDF setup: CJK fonts embedded, Extension B names drawn, missing glyphs marked, markup escaped."""

import subprocess

from core.pdf import pdf_text, render_pdf, uncovered_characters

from .conftest import RARE_NAME
from .conftest import pdf_text as extract


def test_the_font_chain_covers_extension_a_and_b_names():
    assert uncovered_characters(RARE_NAME + "张王李") == []


def test_a_character_no_font_holds_is_marked_visibly():
    # U+2A6A5 (Extension B) is in none of the installed CJK fonts.
    html = str(pdf_text("王𪚥"))
    assert "□U+2A6A5" in html and html.startswith("王")


def test_markup_in_a_name_is_escaped():
    assert str(pdf_text("<b>王</b>")) == "&lt;b&gt;王&lt;/b&gt;"


def test_the_pdf_embeds_its_fonts_and_keeps_the_rare_characters(tmp_path):
    data = render_pdf(f"<p>{pdf_text(RARE_NAME)} 个人学分统计表</p>")
    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in line for line in rows)  # every font embedded
    assert any("CJK" in line for line in rows)
    assert RARE_NAME in extract(data, tmp_path)


def test_a_management_command_prints_no_weasyprint_steps():
    """WeasyPrint logs "Step 2 - Fetching and parsing CSS" at INFO when it is imported; the
    settings keep its progress logger at WARNING, so manage.py commands stay quiet."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=root, capture_output=True, text=True,
                          timeout=120, check=True)
    assert "System check identified no issues" in done.stdout
    assert "Step " not in done.stdout + done.stderr
