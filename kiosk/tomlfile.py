"""Reading the terminal's TOML files (kiosk.toml, secrets.toml, maintenance.toml).

Every way a file can be wrong becomes one ``ConfigError`` line that names the
file and what is expected, never a traceback; a file is read only up to a
bound (a 512 MiB "config" is refused before it is in memory).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from drivers.options import OptionError, shorten
from kiosk.errors import KioskError

MAX_TOML_BYTES = 64 * 1024 * 1024  # far beyond any real file; a 20 MB value still gets its one-line error
NESTING_LIMIT = 100


class ConfigError(KioskError):
    """The configuration cannot be used; the message names file and key."""


def fail(path: Path, error: OptionError, *, quote: bool = True) -> ConfigError:
    where = f"{path}: {error.key}: " if error.key else f"{path}: "
    tail = f" (found {error.found})" if quote and error.found is not None else ""
    return ConfigError(f"{where}expected {error.expected}{tail}")


def read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; more is refused (OSError
    EFBIG), as is a FIFO or device node (it could block or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not (st.st_mode & 0o170000 == 0o100000):
            raise OSError(0, "not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(27, f"larger than {limit} bytes")  # EFBIG
    return data


def read_toml(path: Path, what: str, hint: str = "") -> dict[str, Any]:
    """The file's table; ``hint`` follows the "not readable" line (who should own it)."""
    text = b""
    try:
        text = read_bounded(path, MAX_TOML_BYTES)
        return tomllib.loads(text.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found (set --config or KIOSK_CONFIG, "
                          f"or install one from provisioning/)") from None
    except PermissionError:
        raise ConfigError(f"{path}: {what} is not readable by this user{hint}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: expected a {what}, found a folder") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    except OSError as exc:  # a device node, a broken disk, a huge file: still one line
        raise ConfigError(f"{path}: {what} cannot be read ({exc.strerror or exc})") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{path}: {deepest_key(text.decode('utf-8'))}: expected arrays and inline tables "
                          f"nested at most {NESTING_LIMIT} deep") from None


_HEADER = re.compile(r"\s*\[\[?\s*([^\]\s][^\]]*?)\s*\]\]?\s*(#.*)?")
_ASSIGNMENT = re.compile(r"\s*([^=\[{]+?)\s*=")


def deepest_key(text: str) -> str:
    """Where a value nests too deep, for the error line: the dotted key of
    the first assignment whose brackets open beyond the limit (or the line
    number).  A rough scan (strings are not parsed), good enough to point
    a technician at the line tomllib could not follow."""
    table, key, depth = "", "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if depth == 0:
            header = _HEADER.fullmatch(line)
            if header:
                table = header.group(1)
                continue
            assignment = _ASSIGNMENT.match(line)
            if assignment:
                key = assignment.group(1).strip()
        for char in line:
            depth += 1 if char in "[{" else -1 if char in "]}" else 0
            if depth > NESTING_LIMIT:
                dotted = ".".join(part for part in (table, key) if part)
                return shorten(dotted, 64).strip("'") if dotted else f"line {number}"
        depth = max(depth, 0)
    return "(somewhere)"
