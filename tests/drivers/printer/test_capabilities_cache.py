"""python-escpos's parsed printer database is kept in one private folder, not
a fresh /tmp folder per process (drivers/printer/capabilities_cache.py)."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.procs

IMPORT = "import drivers.printer.encode, escpos.capabilities as c, os; print(os.path.dirname(c.pickle_path))"


def start(cache: Path) -> subprocess.CompletedProcess:
    """A process importing the printer driver, with its own cache home and its own temp folder."""
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    (cache / "tmp").mkdir(exist_ok=True)
    env.update(XDG_CACHE_HOME=str(cache), TMPDIR=str(cache / "tmp"))
    return subprocess.run([sys.executable, "-c", IMPORT], env=env, capture_output=True, text=True, timeout=60)


def test_two_starts_share_one_private_pickle_and_leave_nothing_in_tmp(tmp_path):
    first, second = start(tmp_path), start(tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    folder = tmp_path / "kiosk" / "escpos"
    assert first.stdout.strip() == second.stdout.strip() == str(folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    [kept] = folder.iterdir()
    assert kept.name.endswith(".capabilities.pickle")
    profiles = pickle.loads(kept.read_bytes())["profiles"]
    assert "default" in profiles and len(profiles) > 10   # the whole database, not a stand-in
    assert list((tmp_path / "tmp").iterdir()) == []   # no folder left in the temp folder


def test_a_folder_others_may_write_is_not_used(tmp_path):
    folder = tmp_path / "kiosk" / "escpos"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    run = start(tmp_path)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()).parent != folder   # the library's own default instead
    assert list(folder.iterdir()) == []               # and nothing written where others could swap it
    assert list((tmp_path / "tmp").iterdir()) == []   # nor left in the temp folder
