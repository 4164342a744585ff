import ast
from pathlib import Path

import credits.rules


def test_the_rule_engine_imports_nothing_from_django():
    """DESIGN.md: the rule engine is pure Python over Decimal, no ORM inside."""
    tree = ast.parse(Path(credits.rules.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in modules if m.startswith(("django", "credits.models", "accounts"))]


def test_the_rule_engine_uses_no_floats():
    tree = ast.parse(Path(credits.rules.__file__).read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "float"]
