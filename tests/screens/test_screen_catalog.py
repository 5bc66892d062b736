"""Every text a resident can see has its Chinese translation, and catalogs compile.

No Kivy here: the kv files and screen modules are read as text.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.services import registered
from screens import i18n

SCREENS = Path(i18n.__file__).resolve().parent
PO = SCREENS / "locale" / "zh_CN" / "LC_MESSAGES" / "kiosk.po"


KIOSK = SCREENS.parent / "kiosk"
# Module-level tables of msgids in screens/ (state -> words).
_TABLE = re.compile(r"(INSTRUCTIONS|WORDS|HEADLINES)$")


def _literal_calls(tree: ast.AST, names: set[str]) -> set[str]:
    """First arguments of ``tr("...")`` / ``N_("...")`` calls that are string literals."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


def _shown_literals(expression: str) -> set[str]:
    """The strings a kv ``msgid:`` expression can evaluate to: its string
    constants, except those only compared against (``root.state == "done"``) or
    used as a table's keys (``{"printing": "Printing…"}``)."""
    tree = ast.parse(expression.strip(), mode="eval")
    compared = {id(n) for node in ast.walk(tree) if isinstance(node, ast.Compare)
                for n in ast.walk(node) if isinstance(n, ast.Constant)}
    compared |= {id(k) for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys}  # {state: msgid}
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.strip() and id(n) not in compared}


def used_msgids() -> set[str]:
    """Every msgid a resident can see or hear: kv ``msgid:`` and ``tr("...")``,
    ``tr``/``N_`` calls and the words tables of screens/, and the msgids the
    kiosk layer marks with ``N_`` (services, spoken instructions)."""
    ids: set[str] = {s.title for s in registered()}
    for kv in SCREENS.rglob("*.kv"):
        for line in kv.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            for key in ("msgid:", "title:", "unit:"):  # a ScreenFrame's title, a date picker's unit
                if stripped.startswith(key):
                    ids.update(_shown_literals(stripped[len(key):]))
            ids.update(re.findall(r'tr\("((?:[^"\\]|\\.)+)"', stripped))
    for py in SCREENS.rglob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        ids.update(_literal_calls(tree, {"tr", "N_"}))
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                    and any(isinstance(t, ast.Name) and _TABLE.search(t.id) for t in node.targets)):
                ids.update(v.value for v in node.value.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value)
    for py in KIOSK.rglob("*.py"):
        ids.update(_literal_calls(ast.parse(py.read_text(encoding="utf-8")), {"N_"}))
    return ids


def catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def test_every_visible_text_has_a_chinese_translation():
    translated = {m.id: m.string for m in catalog() if m.id}
    used = used_msgids()
    assert len(used) >= 20, f"the msgid scan found too little: {sorted(used)}"
    missing = sorted(i for i in used if not translated.get(i))
    assert missing == [], f"no Chinese for: {missing}"
    unused = sorted(set(translated) - used)
    assert unused == [], f"catalog entries no screen uses: {unused}"


def test_translations_are_chinese_and_tiles_match_the_brief():
    for message in catalog():
        if message.id:
            assert re.search(r"[\u4e00-\u9fff]", message.string), f"{message.id!r} -> {message.string!r}"
    assert i18n.tr("Self-service", "zh_CN") == "自助办事"
    assert [i18n.tr(s.title, "zh_CN") for s in registered()] == ["自助办事", "健康自测", "办事指南", "诉求反映", "进度查询",
                                                                      "证明打印"]
    assert i18n.tr("Self-service", "en") == "Self-service"
    with pytest.raises(ValueError, match="unknown language"):
        i18n.tr("Continue", "fr")


@pytest.fixture
def locale_copy(tmp_path):
    target = tmp_path / "locale"
    shutil.copytree(SCREENS / "locale", target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_compile_writes_mo_only_when_missing_or_stale(locale_copy):
    po = locale_copy / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
    mo = po.with_suffix(".mo")
    assert i18n.compile_catalogs(locale_copy) == [mo]
    with mo.open("rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Back to home") == "返回首页"
    assert i18n.compile_catalogs(locale_copy) == [], "an up-to-date catalog was recompiled"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "返回首页"', 'msgstr "回到首页"'), encoding="utf-8")
    later = time.time() + 5
    os.utime(po, (later, later))
    assert i18n.needs_compile(po)
    assert i18n.compile_catalogs(locale_copy) == [mo]
    with mo.open("rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Back to home") == "回到首页"


def test_read_only_install_translates_from_memory(locale_copy, monkeypatch):
    def read_only(*_args, **_kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(i18n, "compile_catalogs", read_only)
    monkeypatch.setattr(i18n, "_cache", {})
    assert i18n.translations("zh_CN", locale_copy).gettext("Continue") == "继续"
    assert not (locale_copy / "zh_CN" / "LC_MESSAGES" / "kiosk.mo").exists()


def test_broken_catalog_is_reported_not_compiled(locale_copy):
    po = locale_copy / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "Bad %s"\nmsgstr "坏"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="Bad"):
        i18n.compile_catalogs(locale_copy)


@pytest.mark.procs
def test_module_entry_point_compiles(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(SCREENS.parent))
    proc = subprocess.run([sys.executable, "-m", "screens.i18n"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "compiled" in proc.stdout or "up to date" in proc.stdout
    assert PO.with_suffix(".mo").exists()
