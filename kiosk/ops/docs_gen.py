"""The operator documents' tables, made from the tables the code uses.

docs/TECHNICIAN.md and docs/MAINTENANCE.md are written by hand except
between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``,
which this module fills from the device kinds' manifests (drivers/<class>/
manifest.py, through kiosk.devices.kinds) and the generic tables of
kiosk.devices.advice and kiosk.devices.health_log; a test fails when a doc is
not current, so what a worker reads cannot drift from what the terminal says.

    python -m kiosk.ops.docs_gen          # rewrite the generated blocks
    python -m kiosk.ops.docs_gen --check  # exit 1 when a doc is not current
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable

from drivers.manifest import BASE_PROBLEMS, Advice
from kiosk.devices import advice, kinds
from kiosk.devices.health_log import OWN_COUNTERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
WHO = {"none": "—", "staff": "小屋工作人员 hut staff", "engineer": "工程师 engineer", "wait": "等待 wait"}


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def kinds_table() -> str:
    rows = [[k.kind, "; ".join([f"{k.zh} / {k.en}"] + [f'{o} = "{v}": {zh} / {en}' for (o, v), (zh, en) in k.named.items()]),
             ", ".join(f"`{d}`" for d in k.drivers),
             ", ".join(p.name for p in k.peripherals), ", ".join(o.what for o in k.offers) or "—"]
            for k in kinds.all_kinds()]
    return _table(["kind", "device 设备", "driver = (kiosk.toml)", "peripherals", "offers"], rows)


def peripherals_table() -> str:
    rows = [[f"`/dev/kiosk/{p.name}`", f"{p.zh} / {p.en}", p.kind,
             ", ".join(f"{u.vendor}:{u.product} ({u.what})" for u in p.usb), p.probe] for p in kinds.peripherals()]
    return _table(["stable name", "device 设备", "kind", "USB IDs", "how provision recognises it"], rows)


def _advice_rows(table: dict[str, Advice]) -> list[list[str]]:
    return [[f"`{key}`", a.zh, a.en, WHO[a.who]] for key, a in table.items()]


def status_table() -> str:
    return _table(["status", "中文", "English", "who acts 处理人"], _advice_rows(advice.STATUS))


def problem_table() -> str:
    """One row per code and advice, with the kinds that give it those words
    (several kinds share "device not found"; the front camera has its own)."""
    rows: dict[tuple[str, Advice], list[str]] = {}
    for k in kinds.all_kinds():
        for code, tip in k.problems.items():
            rows.setdefault((f"`{code}`", tip), []).append(k.zh)
        for status, tip in k.statuses.items():
            if k.problems.get(status) != tip:
                rows.setdefault((f"`{status}` (status)", tip), []).append(k.zh)
    for code, tip in BASE_PROBLEMS.items():
        rows.setdefault((f"`{code}`", tip), []).append("所有设备 any device")
    body = [[label, "、".join(who_has), tip.zh, tip.en, WHO[tip.who]] for (label, tip), who_has in rows.items()]
    return _table(["problem", "device 设备", "怎么办", "what to do", "who acts 处理人"], body)


def action_table() -> str:
    return _table(["action", "中文", "English", "who acts 处理人"], _advice_rows(advice.ACTION))


def terminal_table() -> str:
    return _table(["finding", "怎么办", "what to do", "who acts 处理人"], _advice_rows(advice.TERMINAL))


def counters_table() -> str:
    rows: dict[tuple[str, tuple[str, str]], list[str]] = {}
    for k in kinds.all_kinds():
        for name, words in k.counters.items():
            rows.setdefault((name, words), []).append(k.zh)
    for name, words in OWN_COUNTERS.items():
        rows.setdefault((name, words), []).append("所有设备 any device")
    return _table(["counter", "中文", "English", "device 设备"],
                  [[f"`{name}`", zh, en, "、".join(who_has)] for (name, (zh, en)), who_has in rows.items()])


BLOCKS: dict[str, Callable[[], str]] = {
    "kinds": kinds_table, "peripherals": peripherals_table, "statuses": status_table, "problems": problem_table,
    "actions": action_table, "terminal": terminal_table, "counters": counters_table,
}
_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n).*?(<!-- END GENERATED: \2 -->)", re.S)


def render(text: str) -> str:
    """``text`` with every generated block filled in afresh."""
    def fill(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in BLOCKS:
            raise KeyError(f"unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
        return f"{m.group(1)}{BLOCKS[name]()}\n{m.group(3)}"
    return _BLOCK.sub(fill, text)


def documents() -> list[Path]:
    return [DOCS / "TECHNICIAN.md", DOCS / "MAINTENANCE.md"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when a document is not current")
    args = parser.parse_args(argv)
    stale = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("not current (run python -m kiosk.ops.docs_gen): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
