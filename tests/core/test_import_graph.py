"""Dependencies run one way (README, Layout): the import graph of the apps, read with `ast` from
the code (lazy imports inside functions included; migrations and tests left out)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "credits", "reviews", "audits", "sealing", "certificates", "reports", "core", "bench", "jixiao")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported module, line, at module level) for every import in the file, relative ones resolved."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
                # `from . import x`: x may be a module of the package.
                for alias in node.names:
                    yield f"{base}.{alias.name}", node.lineno, id(node) in top
            yield base, node.lineno, id(node) in top


def _code():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield app, path


def _app_edges(*, at_import_time: bool = False):
    """{(app, app it imports): [where]}; `at_import_time`: module-level imports only."""
    edges: dict[tuple[str, str], list[str]] = {}
    for app, path in _code():
        for name, line, at_top in _imports(path):
            target = name.split(".")[0]
            if target in APPS and target != app and (at_top or not at_import_time):
                edges.setdefault((app, target), []).append(f"{path.relative_to(ROOT)}:{line} {name}")
    return edges


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the directed graph, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_apps_import_graph_has_no_cycle_at_import_time():
    graph: dict[str, set[str]] = {}
    for a, b in _app_edges(at_import_time=True):
        graph.setdefault(a, set()).add(b)
    assert _cycle(graph) == []
    assert ("reviews", "accounts") in _app_edges()  # the graph is read: the workflow depends on accounts


def test_the_apps_import_graph_has_no_cycle_with_the_deferred_imports_too():
    """Imports inside functions included: no cycle between the apps is left broken on the task
    side; code that needed one lives in the app above (the compliance page, the dashboards and
    the 学年档案 in reports, the seal benchmark in bench)."""
    full: dict[str, set[str]] = {}
    for a, b in _app_edges():
        full.setdefault(a, set()).add(b)
    assert _cycle(full) == []
    assert ("reports", "sealing") in _app_edges()  # the graph is read: reports reads the sealed snapshots


def test_accounts_imports_nothing_from_reviews_and_core_nothing_from_the_apps():
    edges = _app_edges()
    assert edges.get(("accounts", "reviews"), []) == []
    assert [where for (a, _), where in edges.items() if a == "core"] == []


def test_no_app_imports_the_project_package():
    """jixiao/ holds settings, urls, the Celery app and the site's own pages; the apps read the
    settings through django.conf and never import it."""
    edges = _app_edges()
    assert [where for (a, b), where in edges.items() if b == "jixiao"] == []


def test_no_cycle_between_modules_at_import_time():
    """Module-level imports only (an import inside a function runs later and is how a cycle is
    broken on the task side)."""
    modules = {_module_name(path) for _, path in _code()}
    graph: dict[str, set[str]] = {}
    for _, path in _code():
        me = _module_name(path)
        for name, _, at_top in _imports(path):
            if at_top and name in modules and name != me and not me.startswith(name + "."):
                graph.setdefault(me, set()).add(name)
    assert len(graph) > 50
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) == []
