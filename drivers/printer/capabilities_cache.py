"""Where python-escpos keeps its parsed printer database: one private folder.

At import, ``escpos.capabilities`` parses its printer database
(``capabilities.json``, read with PyYAML's pure-Python loader: 0.19 s of CPU),
then pickles the result to skip that next time -- into a folder from
``mkdtemp()`` unless ``ESCPOS_CAPABILITIES_PICKLE_DIR`` names one.  A fresh
folder per process is never reused, so every process that imported the
printer driver parsed the database again and left a folder in /tmp (2,781 of
them after a day of this project's test runs; a technician's every ``kiosk``
command left one on a terminal).

It makes that folder even when told where to keep the pickle (the default
argument of ``environ.get`` is evaluated anyway), so ``use_private_cache()``
also imports ``escpos.capabilities`` itself with Python's temp folder pointed
at a scratch folder it then removes.

``use_private_cache()`` (run when this module is imported, which
``encode.py`` does before it imports python-escpos; reading the kind's
manifest imports neither) points it at
``$XDG_CACHE_HOME/kiosk/escpos`` (``~/.cache/...``), a folder of this user's
that nobody else may write (a pickle is code: a shared folder would let
another user run theirs in the kiosk), and writes the pickle there itself,
atomically, when it is missing or older than the database: python-escpos
writes it in place, so a second process starting meanwhile would read half a
file.  When no such folder can be had, nothing is changed (the library's own
behaviour, a folder in /tmp).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def _private_folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "kiosk" / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = folder.stat()
    except (OSError, RuntimeError):   # RuntimeError: no home to expand
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o022 or not os.access(folder, os.W_OK | os.X_OK):
        return None
    return folder


def _database() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    return found if found.is_file() else None


@contextlib.contextmanager
def _scratch_temp() -> Iterator[None]:
    """Python's temp folder is a fresh one, removed afterwards."""
    scratch = tempfile.mkdtemp(prefix="kiosk-escpos-")
    saved = tempfile.tempdir
    tempfile.tempdir = scratch
    try:
        yield
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(scratch, ignore_errors=True)


def use_private_cache() -> Path | None:
    """Set ``ESCPOS_CAPABILITIES_PICKLE_DIR`` (unless already set), make sure
    the pickle there is whole and current, and import python-escpos's
    database leaving no folder behind.  Returns the folder, or None when
    python-escpos is left to its own default (a pickle in the scratch folder)."""
    folder = _point_at_private_folder()
    with _scratch_temp():
        import escpos.capabilities  # noqa: F401 - its import is what reads (or pickles) the database
    return folder


def _point_at_private_folder() -> Path | None:
    if os.environ.get(ENV):
        return None
    folder, database = _private_folder(), _database()
    if folder is None or database is None:
        return None
    target = folder / f"{platform.python_version()}.capabilities.pickle"
    try:
        fresh = target.stat().st_mtime >= database.stat().st_mtime
    except OSError:
        fresh = False
    if not fresh:
        import yaml  # python-escpos's own reading of its database, so the pickle holds what it would

        with database.open(encoding="utf-8") as source:
            parsed = yaml.safe_load(source)
        if not parsed:
            return None   # a broken database: python-escpos says so itself
        part = folder / f".{target.name}.{os.getpid()}"
        try:
            with part.open("wb") as out:
                pickle.dump(parsed, out, protocol=2)
            os.replace(part, target)
        except OSError:
            part.unlink(missing_ok=True)
            return None
    os.environ[ENV] = str(folder)
    return folder


PRIVATE_FOLDER = use_private_cache()
