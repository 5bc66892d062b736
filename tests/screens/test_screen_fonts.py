"""The CJK font is found robustly (no Kivy needed for the search)."""

import json
import shutil
import subprocess
import sys

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


@pytest.mark.procs
def test_remembered_text_sizes_are_sdl_ttf_sizes_per_font_and_stay_bounded(monkeypatch):
    """A label lays out with the widths SDL_ttf measures, in each size of the
    font, after the sizes are remembered; a full memory starts afresh."""
    code = """
import json
from screens import fonts
fonts.register_default_font()
fonts.remember_text_extents()
fonts.remember_text_extents()   # twice: wrapped once
from kivy.core.text import Label
fonts.EXTENTS_KEPT = 3
out = []
for size in (20, 40):
    label = Label(font_size=size)
    for text in ("最低生活保障申请", "Minimum living allowance", "最低", "最低生活保障申请"):
        out.append([list(label.get_extents(text)), list(Label._extents_measured(label, text))])
print(json.dumps(out))
"""
    monkeypatch.setenv("KIVY_NO_ARGS", "1")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr[-2000:]
    pairs = json.loads(found.stdout.strip().splitlines()[-1])
    assert all(remembered == measured for remembered, measured in pairs)
    assert pairs[0][0] != pairs[4][0]                        # the same words are wider in the larger size
    assert pairs[0][0][0] > pairs[2][0][0] > 0               # and a longer text is wider
