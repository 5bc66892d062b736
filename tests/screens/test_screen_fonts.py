"""The CJK font is found robustly (no Kivy needed for the search)."""

import shutil
import subprocess

import pytest

from kiosk.errors import KioskError
from screens import fonts


@pytest.mark.procs
def test_found_font_covers_simplified_chinese():
    path = fonts.find_cjk_font()
    assert path.is_file()
    if shutil.which("fc-query"):
        langs = subprocess.run(["fc-query", "-f", "%{lang}\n", str(path)], capture_output=True, text=True).stdout
        assert "zh-cn" in langs.split("\n")[0], f"{path} has no Simplified Chinese"


def test_site_override_is_used(monkeypatch):
    found = fonts.find_cjk_font()
    monkeypatch.setenv(fonts.ENV_VAR, str(found))
    assert fonts.find_cjk_font() == found


def test_bad_override_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "missing.ttc"))
    with pytest.raises(KioskError, match=fonts.ENV_VAR):
        fonts.find_cjk_font()


def test_no_font_at_all_says_what_to_install(monkeypatch):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.setattr(fonts, "_GLOBS", ())
    monkeypatch.setattr(fonts.shutil, "which", lambda _name: None)
    with pytest.raises(KioskError, match="fonts-wqy-microhei"):
        fonts.find_cjk_font()
