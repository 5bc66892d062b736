"""Helpers for tests and benches that need a platform and an enrolled terminal."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from kiosk.central.client import CentralClient
from kiosk.privacy import IdHashKeys
from simulators.platform.server import PlatformServer


@dataclass
class Terminal:
    """An enrolled terminal's identity and keys (what a secrets file holds)."""

    id: str = "HUT-TEST-01"
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    outbox_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    id_hash_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def id_hash_keys(self) -> IdHashKeys:
        """The district's key set as the platform of ``start_platform`` holds it (version 1)."""
        return IdHashKeys(1, self.id_hash_key)


def start_platform(folder: Path, terminal: Terminal, port: int = 0, db: str | None = None) -> PlatformServer:
    """The platform on a SQLite file in ``folder``, or on the PostgreSQL
    database ``db`` (a URL; its attachments in ``folder``)."""
    if db:
        server = PlatformServer(db, port=port, attachments=Path(folder) / "attachments")
    else:
        server = PlatformServer(Path(folder) / "platform.sqlite3", port=port)
    server.start()
    assert server.store is not None
    server.store.add_terminal(terminal.id, terminal.key.hex(), "test")
    if server.store.id_hash_keys()[0]["key"] != terminal.id_hash_key.hex():
        server.store.rotate_id_hash_key(terminal.id_hash_key)  # the district's key is the one the terminal holds
    return server


def client_for(url: str, terminal: Terminal, state_dir: Path | None = None, **kw: float) -> CentralClient:
    kw.setdefault("connect_timeout", 1.0)
    kw.setdefault("read_timeout", 2.0)
    return CentralClient(url, terminal.id, terminal.key, state_dir=state_dir, **kw)  # type: ignore[arg-type]


def admin(server: PlatformServer, method: str, path: str, **kw: Any) -> requests.Response:
    """An admin call with the platform's token (what the back office sends)."""
    kw.setdefault("timeout", 5)
    headers = {"Authorization": f"Bearer {server.admin_token}", **kw.pop("headers", {})}
    return requests.request(method, server.url + path, headers=headers, **kw)


def mint_identity_code(server: PlatformServer, card: str = "resident", kind: str = "e_id",
                       issued_at: float | None = None, **resident: Any) -> str:
    """An e-ID code (``kind`` e_id or social_security) for a simulated card's
    holder (simulators/idcard/cards.py), or for ``resident`` fields, as the
    issuing service would show it on the resident's phone; ``issued_at``
    (epoch seconds) moves its clock (a code issued 61 s ago has expired)."""
    from simulators.idcard.cards import CARDS
    from simulators.platform.identity_codes import IdentityCodeIssuer, resident_of_card

    assert server.store is not None, "start the platform first"
    holder = dict(resident) if resident else resident_of_card(CARDS[card])
    return IdentityCodeIssuer(server.store).mint(holder, kind, issued_at)[0]
