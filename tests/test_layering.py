"""DESIGN.md's one-way dependencies, checked on the source: drivers/ imports
neither kiosk/ nor screens/; kiosk/ imports neither Kivy, screens/ nor
simulators/; screens/ does not import simulators/.  (The layers above plug
their CLI commands in through an entry point instead.)  And no two modules
import each other, however indirectly: every import counts, at the top,
inside a function, or only for the type checker."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "drivers": {"kiosk", "screens", "simulators", "kivy"},
    "kiosk": {"screens", "simulators", "kivy"},
    # The kiosk's screens run on terminals; the virtual hut reaches the demo through `kiosk demo`.
    "screens": {"simulators"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                roots.add(arg.value.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer):
    offenders = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[layer]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_check_sees_a_lazy_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from screens.app import main\n    import importlib\n"
                      "    importlib.import_module('simulators.hut')\n")
    assert {"screens", "simulators"} <= imported_roots(sample)


def test_upper_layers_register_their_commands():
    from kiosk.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert {"run", "sim", "demo", "platform", "doctor", "version"} <= commands


PACKAGES = ("kiosk", "drivers", "screens", "simulators")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages by dotted name (a package by its own name)."""
    out = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (lazy and
    TYPE_CHECKING imports included: a cycle through them is still a knot a
    reader has to untie), relative imports resolved; ``from a import b``
    counts ``a.b`` when that is a module, else ``a``."""

    def nearest(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        found |= {m for t in targets if (m := nearest(t))}
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return groups


def test_no_import_cycles():
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert sum(len(deps) for deps in graph.values()) > 500  # the graph is really there
    assert cycles(graph) == []


def test_the_cycle_check_counts_lazy_and_type_checking_imports(tmp_path):
    (tmp_path / "kiosk" / "sub").mkdir(parents=True)
    (tmp_path / "kiosk" / "__init__.py").write_text("")
    (tmp_path / "kiosk" / "sub" / "__init__.py").write_text("")
    (tmp_path / "kiosk" / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                             "    from kiosk.b import B\n")
    (tmp_path / "kiosk" / "b.py").write_text("def f():\n    from kiosk.sub import c\n")
    (tmp_path / "kiosk" / "sub" / "c.py").write_text("from ..a import A\n")
    (tmp_path / "kiosk" / "d.py").write_text("import kiosk.b\n")
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    known = modules(tmp_path)
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert graph["kiosk.sub.c"] == {"kiosk.a"} and graph["kiosk.b"] == {"kiosk.sub.c"}
    assert cycles(graph) == [["kiosk.a", "kiosk.b", "kiosk.sub.c"]]
