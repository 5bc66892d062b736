"""DESIGN.md's one-way dependencies, checked on the source: drivers/ imports
neither kiosk/ nor screens/; kiosk/ imports neither Kivy, screens/ nor
simulators/; screens/ does not import simulators/.  (The layers above plug their CLI commands in through an entry
point instead.)"""

from __future__ import annotations

import ast
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
