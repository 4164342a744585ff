"""Every view that answers with a file is either recorded (`@records_download`) or named here as
holding no teacher's personal data, so a new export can't be added without its download record."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every app's pages and API (a new app's are covered without being listed).
MODULES = sorted(str(p.relative_to(ROOT)) for pattern in ("*/views.py", "*/api.py") for p in ROOT.glob(pattern)
                 if p.parts[-2] != ".venv")
FILE_MARKERS = ("Content-Disposition", "FileResponse(", "_download(", "_file_download(", "_xlsx(")
# Blank forms (templates), and one entry's proof file opened by its teacher or reviewer (not an
# export of many teachers; its access is the entry's).
NOT_PERSONAL = {
    "accounts/views.py:teacher_import_template", "reviews/views.py:roster_template", "reviews/api.py:template",
    "reviews/views.py:evidence_download", "reviews/api.py:download",
}


def _file_views():
    for module in MODULES:
        path = ROOT / module
        if not path.exists():
            continue
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            body = ast.get_source_segment(source, node) or ""
            if any(marker in body for marker in FILE_MARKERS):
                decorated = any("records_download" in ast.unparse(d) for d in node.decorator_list)
                yield f"{module}:{node.name}", decorated


def test_every_personal_file_view_records_its_downloads():
    views = dict(_file_views())
    assert "reports/views.py:statements" in views and "accounts/views.py:teacher_import_passwords" in views
    missing = sorted(name for name, decorated in views.items() if not decorated and name not in NOT_PERSONAL)
    assert missing == [], f"file views without @records_download: {missing}"
