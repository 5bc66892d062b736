"""The reference platform's staff card revocation list (the district's back office).

A staff card is named by its fingerprint (SHA-256 of the UID under a fixed
label: kiosk.ops.staff_gate.card_fingerprint), the same on every terminal; a
terminal's own allow-list keeps keyed hashes only the terminal can make.  The
district revokes a lost card here; terminals fetch the list, signed like every
terminal call, and cache it with its version:

    GET  /v1/staff-cards                         {"version": 3, "revoked": ["<64 hex>", ...]}
    POST /v1/admin/staff-cards/revoke   (admin)  {"fingerprint": "<64 hex>"} or {"uid": "<hex>"}
    POST /v1/admin/staff-cards/restore  (admin)  the same: the card is allowed again

Every change raises the version.  Kept in the platform's database (table
``staff_cards_revoked``, the version a counter), so every worker answers the
same list; a list from before (``<db>.staff-cards.json``) is taken over once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kiosk.central import signing
from kiosk.ops.staff_gate import card_fingerprint
from simulators.platform.bodies import error_response, parse_object
from simulators.platform.gate import Refusal

FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")
UID_RE = re.compile(r"^(?:[0-9A-Fa-f]{2}){4,10}$")


VERSION = "staff_card_list_version"


class StaffCardList:
    """The list and its version, in the platform's database (``store``)."""

    def __init__(self, store: Any, legacy_file: Path | None = None):
        self.store = store
        if legacy_file is not None and legacy_file.exists() and store.counter(VERSION) == 0:
            data = json.loads(legacy_file.read_text(encoding="utf-8"))
            with store.db.transaction() as tx:
                for fingerprint in map(str, data["revoked"]):
                    tx.execute("INSERT INTO staff_cards_revoked VALUES (?, ?) ON CONFLICT DO NOTHING",
                               (fingerprint, _now()))
                store.bump(VERSION, int(data["version"]))
            legacy_file.rename(legacy_file.with_name(legacy_file.name + ".imported"))

    def document(self) -> dict[str, Any]:
        with self.store.db.transaction() as tx:  # the version and the list as of one moment
            version = self.store.counter(VERSION)
            revoked = [r[0] for r in tx.execute("SELECT fingerprint FROM staff_cards_revoked ORDER BY fingerprint")]
        return {"version": version, "revoked": revoked}

    def change(self, fingerprint: str, revoked: bool) -> int:
        """The version after the change (the same when nothing changed)."""
        with self.store.db.transaction() as tx:
            if revoked:
                changed = tx.execute("INSERT INTO staff_cards_revoked VALUES (?, ?) ON CONFLICT DO NOTHING",
                                     (fingerprint, _now())).rowcount
            else:
                changed = tx.execute("DELETE FROM staff_cards_revoked WHERE fingerprint=?", (fingerprint,)).rowcount
            if changed:
                self.store.bump(VERSION)
            return self.store.counter(VERSION)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _fingerprint_of(body: dict[str, Any]) -> str | None:
    """The card the body names: exactly one of ``fingerprint`` and ``uid``,
    well formed, and nothing else (a body naming a card twice, or naming one
    beside a malformed field, names none)."""
    if len(body) != 1:
        return None
    fingerprint, uid = body.get("fingerprint"), body.get("uid")
    if isinstance(fingerprint, str) and FINGERPRINT_RE.fullmatch(fingerprint):
        return fingerprint
    if isinstance(uid, str) and UID_RE.fullmatch(uid):
        return card_fingerprint(bytes.fromhex(uid))
    return None


def add_staff_card_routes(app: FastAPI, store: Any) -> StaffCardList:
    """The routes on the platform's app (``store``: its PlatformStore)."""
    cards = StaffCardList(store, store.side_file(".staff-cards.json"))
    app.state.staff_cards = cards

    @app.get("/v1/staff-cards")
    async def staff_cards(request: Request) -> JSONResponse:
        if not request.scope.get("kiosk.terminal"):   # the gate verified the terminal's signature
            raise Refusal(401, signing.SIGNATURE_MISSING, "request is not signed")
        return JSONResponse(cards.document())

    async def change(request: Request, revoked: bool) -> JSONResponse:
        body = parse_object(await request.body())
        fingerprint = _fingerprint_of(body)
        if fingerprint is None:
            return error_response(422, "VALIDATION", "one of fingerprint (64 lower-case hex digits) or uid (the "
                                                     "card UID in hex, 4 to 10 bytes), and nothing else")
        version = await run_in_threadpool(cards.change, fingerprint, revoked)
        return JSONResponse({"fingerprint": fingerprint, "revoked": revoked, "version": version})

    @app.post("/v1/admin/staff-cards/revoke")
    async def revoke(request: Request) -> JSONResponse:
        return await change(request, True)

    @app.post("/v1/admin/staff-cards/restore")
    async def restore(request: Request) -> JSONResponse:
        return await change(request, False)

    return cards
