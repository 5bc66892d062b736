"""Who may open the staff screen on the kiosk: the staff card, or the maintenance PIN.

:class:`StaffGate` is what the staff session (kiosk/terminal/staff.py) asks:

* ``card(uid)``: is this UID one of the hut's staff cards (the keyed-hash
  allow-list of kiosk/ops/staff.py) and not revoked by the platform;
* ``pin(pin)``: the maintenance PIN under the lockout that exists
  (kiosk/ops/maintenance.py: five wrong, five minutes);
* ``audit(...)``: one line in the maintenance audit log in root's admin
  folder (kiosk/ops/maintenance_tasks.py), with the staff card's keyed hash
  (shortened), never its UID.

:class:`LocalGate` does it in this process; it needs to read the
maintenance file and write root's admin folder, as ``kiosk maintenance``
does.  The staff card revocations come from the platform
(``GET /v1/staff-cards``: a version and the revoked cards' fingerprints,
SHA-256 of the UID under a fixed label, so the district names a card without
the terminal's key); :class:`RevocationCache` keeps the last list in the
state folder with its version and when it was fetched.  A list older than
``max_age`` cannot vouch for a card any more: staff cards are refused (the
PIN still works) until the platform answers again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from drivers.storage import atomic_write
from kiosk.errors import KioskError
from kiosk.ops.maintenance import LoginResult, MaintenanceLogin, Outcome
from kiosk.ops.staff import staff_card_hash, staff_card_matches

log = logging.getLogger(__name__)

LIST_NAME = "staff-cards.json"
LIST_MAX_AGE_SECONDS = 24 * 3600.0   # offline longer than this: staff cards are refused, the PIN still works
LIST_REFRESH_SECONDS = 15 * 60.0     # a card presented with an older list asks the platform first
FINGERPRINT_LABEL = b"kiosk-staff-card\x00"


def card_fingerprint(uid: bytes) -> str:
    """The platform's name for a staff card (its revocation list): SHA-256 of
    the UID under a fixed label.  Not the allow-list's keyed hash, which only
    the terminal can make."""
    return hashlib.sha256(FINGERPRINT_LABEL + uid).hexdigest()


class CardVerdict:
    STAFF = "staff"
    NOT_STAFF = "not_staff"         # a card that is not one of this hut's staff cards
    REVOKED = "revoked"             # on the platform's revocation list
    LIST_STALE = "list_stale"       # the list is too old to vouch for any card (offline too long)
    UNAVAILABLE = "unavailable"     # the allow-list cannot be read by this process


@dataclass(frozen=True)
class CardCheck:
    verdict: str
    operator: str = ""              # "card 1a2b3c4d5e6f": the keyed hash, shortened (the audit log's id)
    list_version: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == CardVerdict.STAFF


class StaffGate(Protocol):
    def card(self, uid: bytes) -> CardCheck: ...
    def pin(self, pin: str) -> LoginResult: ...
    def audit(self, operator: str, action: str, target: str, result: str) -> None: ...


# -- the platform's revocation list ----------------------------------------------------------
@dataclass(frozen=True)
class RevocationList:
    version: int
    revoked: frozenset[str]
    fetched_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "revoked": sorted(self.revoked), "fetched_at": self.fetched_at}


def parse_list(body: Any, fetched_at: float) -> RevocationList:
    """The platform's answer (``{"version": 3, "revoked": ["<64 hex>", ...]}``), checked."""
    if not isinstance(body, dict):
        raise KioskError("staff card list: not a JSON object")
    version, revoked = body.get("version"), body.get("revoked")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise KioskError("staff card list: version is not a whole number")
    if not isinstance(revoked, list) or len(revoked) > 10000 or not all(
            isinstance(r, str) and len(r) == 64 and all(c in "0123456789abcdef" for c in r) for r in revoked):
        raise KioskError("staff card list: revoked is not a list of 64-hex-digit fingerprints")
    return RevocationList(version, frozenset(revoked), fetched_at)


class RevocationCache:
    """The last list from the platform, in the state folder (``staff-cards.json``)."""

    def __init__(self, state_dir: Path, clock: Callable[[], float] = time.time,
                 max_age: float = LIST_MAX_AGE_SECONDS):
        self.path = Path(state_dir) / LIST_NAME
        self.clock, self.max_age = clock, max_age

    def load(self) -> RevocationList | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return parse_list(data, float(data["fetched_at"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, KioskError) as exc:
            log.warning("staff card list %s unreadable (%s): as if none", self.path, exc)
            return None

    def store(self, fresh: RevocationList) -> RevocationList:
        """Keep ``fresh`` unless the cache holds a newer version (an older list
        from a replayed or misrouted answer never undoes a revocation)."""
        held = self.load()
        if held is not None and held.version > fresh.version:
            log.warning("staff card list version %d from the platform is older than the cached %d: kept the cached",
                        fresh.version, held.version)
            fresh = RevocationList(held.version, held.revoked, fresh.fetched_at)
        try:
            atomic_write(self.path, json.dumps(fresh.as_dict()).encode())
        except OSError as exc:
            log.warning("staff card list not written (%s): %s", self.path, exc)
        return fresh

    def refresh(self, client: Any) -> RevocationList:
        """``GET /v1/staff-cards`` (signed, as every call of the client); raises KioskError when offline."""
        body = client.json_of(client.request("GET", "/v1/staff-cards"))
        return self.store(parse_list(body, self.clock()))

    def age(self) -> float | None:
        held = self.load()
        return None if held is None else max(0.0, self.clock() - held.fetched_at)

    def needs_refresh(self) -> bool:
        age = self.age()
        return age is None or age > LIST_REFRESH_SECONDS

    def verdict(self, uid: bytes) -> tuple[str, int | None]:
        held = self.load()
        if held is None or self.clock() - held.fetched_at > self.max_age:
            return CardVerdict.LIST_STALE, None if held is None else held.version
        if card_fingerprint(uid) in held.revoked:
            return CardVerdict.REVOKED, held.version
        return CardVerdict.STAFF, held.version


# -- in this process ----------------------------------------------------------------------------
class LocalGate:
    """The gate in this process: the maintenance file (the PIN hash, the card
    key and allow-list), root's lockout file and audit log, the revocation cache."""

    def __init__(self, settings: Any, clock: Callable[[], float] = time.time,
                 revocations: RevocationCache | None = None, check_revocations: bool = True):
        """``check_revocations`` False: the allow-list only (the root helper
        below, which cannot read the kiosk user's state folder: the app applies
        the platform's list itself, :class:`SocketGate`)."""
        self.settings, self.clock = settings, clock
        self.revocations = revocations or RevocationCache(settings.paths.state_dir, clock)
        self.check_revocations = check_revocations
        self._secrets: Any = None

    def secrets(self) -> Any:
        if self._secrets is None:
            self._secrets = self.settings.maintenance_secrets()
        return self._secrets

    def card(self, uid: bytes) -> CardCheck:
        try:
            keys = self.secrets()
            listed = bool(keys.staff_cards) and staff_card_matches(uid, keys.staff_cards, keys.staff_card_key)
        except (KioskError, OSError) as exc:
            log.warning("staff card not checked: %s", exc)
            return CardCheck(CardVerdict.UNAVAILABLE)
        if not listed:
            return CardCheck(CardVerdict.NOT_STAFF)
        operator = "card " + staff_card_hash(uid, keys.staff_card_key)[:12]
        if not self.check_revocations:
            return CardCheck(CardVerdict.STAFF, operator)
        verdict, version = self.revocations.verdict(uid)
        return CardCheck(verdict, operator, version)

    def pin(self, pin: str) -> LoginResult:
        """The PIN alone (the long press on the screen): the same lockout count as ``kiosk maintenance login``."""
        keys = self.secrets()
        login = MaintenanceLogin(keys.pin_hash, self.settings.admin_dir, clock=self.clock)
        return login.login(pin)

    def audit(self, operator: str, action: str, target: str, result: str) -> None:
        from kiosk.ops.maintenance_tasks import AuditLog

        AuditLog(self.settings.admin_dir).record(operator, action, target, result)


# -- the root helper and the app's side of it ---------------------------------------------------
GATE_SOCKET = Path("/run/kiosk-staff-gate.sock")
MAX_REQUEST = 4096
FIELD_MAX = 200


def gate_for(settings: Any) -> StaffGate:
    """The gate the app uses: in this process where it can read the
    maintenance file (the virtual hut, a developer's machine), else the root
    helper's socket (a provisioned terminal: the app runs as ``kiosk``)."""
    from kiosk.secrets_file import maintenance_path

    if os.access(maintenance_path(settings.paths.secrets_file), os.R_OK) or not GATE_SOCKET.exists():
        return LocalGate(settings)
    return SocketGate(GATE_SOCKET, RevocationCache(settings.paths.state_dir))


def answer(gate: LocalGate, raw: bytes) -> dict[str, Any]:
    """One request of the app (a JSON object on one line) -> the answer.
    ``{"op": "card", "uid": "<hex>"}``, ``{"op": "pin", "pin": "..."}``,
    ``{"op": "audit", "operator", "action", "target", "result"}``."""
    try:
        request = json.loads(raw.decode("utf-8"))
        op = request["op"]
        if op == "card":
            uid = bytes.fromhex(request["uid"])
            if not 4 <= len(uid) <= 10:
                raise ValueError("uid length")
            check = gate.card(uid)
            return {"verdict": check.verdict, "operator": check.operator}
        if op == "pin":
            pin = request["pin"]
            if not isinstance(pin, str) or len(pin) > 64:
                raise ValueError("pin")
            result = gate.pin(pin)
            return {"outcome": result.outcome.value, "tries_left": result.tries_left,
                    "locked_seconds": result.locked_seconds}
        if op == "audit":
            fields = [request[key] for key in ("operator", "action", "target", "result")]
            if not all(isinstance(f, str) and f.isprintable() for f in fields):
                raise ValueError("audit fields")
            gate.audit(*(f[:FIELD_MAX] for f in fields))
            return {"ok": True}
        raise ValueError("op")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return {"error": "bad request"}
    except (KioskError, OSError) as exc:
        log.warning("staff gate: %s", exc)
        return {"error": "the maintenance file or the admin folder cannot be used"}


def serve(gate: LocalGate, listener: socket.socket, stop: Callable[[], bool] = lambda: False) -> None:
    """Answer one request per connection until ``stop()``; a slow or
    oversized request is dropped (one client at a time: the PIN check's
    lockout file is locked anyway)."""
    listener.settimeout(1.0)
    while not stop():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(5.0)
            try:
                raw = _read_line(conn)
                reply = answer(gate, raw) if len(raw) <= MAX_REQUEST else {"error": "request too long"}
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError as exc:
                log.info("staff gate: a connection dropped (%s)", exc)


def _read_line(conn: socket.socket) -> bytes:
    """One JSON line from the other side: up to its newline, the connection's
    end, or a little over MAX_REQUEST bytes (then the caller refuses it)."""
    raw = b""
    while not raw.endswith(b"\n") and len(raw) <= MAX_REQUEST:
        chunk = conn.recv(MAX_REQUEST)
        if not chunk:
            break
        raw += chunk
    return raw


class SocketGate:
    """The app's side: asks the root helper over its Unix socket (root:kiosk
    0660); the platform's revocation list is the app's own cache (the root
    helper cannot read the kiosk user's state folder)."""

    def __init__(self, path: Path = GATE_SOCKET, revocations: RevocationCache | None = None, timeout: float = 15.0):
        self.path, self.revocations, self.timeout = Path(path), revocations, timeout

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(str(self.path))
                conn.sendall(json.dumps(request).encode() + b"\n")
                raw = _read_line(conn)
            reply = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise KioskError(f"the staff gate ({self.path}) did not answer: {exc}") from None
        if not isinstance(reply, dict) or "error" in reply:
            raise KioskError(f"the staff gate refused: {reply.get('error') if isinstance(reply, dict) else reply}")
        return reply

    def card(self, uid: bytes) -> CardCheck:
        try:
            reply = self._ask({"op": "card", "uid": uid.hex()})
        except KioskError as exc:
            log.warning("staff card not checked: %s", exc)
            return CardCheck(CardVerdict.UNAVAILABLE)
        verdict, operator = str(reply.get("verdict")), str(reply.get("operator", ""))
        if verdict != CardVerdict.STAFF or self.revocations is None:
            return CardCheck(verdict, operator)
        listed, version = self.revocations.verdict(uid)
        return CardCheck(listed, operator, version)

    def pin(self, pin: str) -> LoginResult:
        reply = self._ask({"op": "pin", "pin": pin})
        return LoginResult(Outcome(reply["outcome"]), int(reply.get("tries_left", 0)),
                           float(reply.get("locked_seconds", 0.0)))

    def audit(self, operator: str, action: str, target: str, result: str) -> None:
        self._ask({"op": "audit", "operator": operator, "action": action, "target": target, "result": result})
