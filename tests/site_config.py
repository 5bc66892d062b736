"""The one minimal site configuration the tests write: a valid ``kiosk.toml``
(terminal, platform, paths) with whatever a test adds, and its 0600 secrets
file beside it.  Tests that are about the config's own checks (tests/kiosk/test_config.py)
write their broken files by hand on purpose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.secrets_file import write_secrets_file


def write_site(folder: Path, extra: str = "", *, terminal_id: str = "T-TEST", platform_url: str = "http://127.0.0.1:9",
               platform_extra: str = "", **secrets: Any) -> Path:
    """Write ``folder/kiosk.toml`` and ``folder/secrets.toml``; return the config's path.

    ``extra`` is TOML appended after the required tables (devices, [screen], ...);
    ``platform_extra`` goes inside ``[platform]``; ``secrets`` go to the secrets
    writer (for example ``terminal_key=b"k" * 32`` for an enrolled terminal)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_secrets_file(folder / "secrets.toml", **secrets)
    path = folder / "kiosk.toml"
    path.write_text(f"""[terminal]
id = "{terminal_id}"
[platform]
url = "{platform_url}"
{platform_extra}
[paths]
state_dir = "state"
secrets_file = "secrets.toml"
{extra}
""", encoding="utf-8")
    return path
