"""The virtual hut's smart card readers: two vpcd slots in a real pcscd.

Slot 0 (``Virtual PCD 00 00``) is the social security card reader, slot 1
(``Virtual PCD 00 01``) the staff card reader.  The hut's control API puts
cards in and takes them out.  pcscd is the hut's own (its own socket and
vpcd ports, see ``pcscd.py``), started and stopped with the hut; where that
cannot run, the machine's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from simulators.smartcard.cards import PRESETS, make_card
from simulators.smartcard.pcscd import Pcscd, wait_card
from simulators.smartcard.vpcd import VpcdSlot

READERS = {"social_security": 0, "staff": 1}


class SmartcardSimulator:
    name = "smartcard"
    description = "社保卡/工作卡读卡器 (PC/SC via pcscd + vpcd) / smart card readers simulator"

    def __init__(self, workdir: Path, ready_timeout: float = 10.0):
        self.workdir = Path(workdir)
        self.pcscd = Pcscd(self.workdir / "pcscd.log", ready_timeout=ready_timeout)
        self.slots = {role: VpcdSlot(slot) for role, slot in READERS.items()}
        self.reader_names: list[str] = []

    # -- hut contract --------------------------------------------------------------
    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._start_pcscd()

    def stop(self) -> None:
        for slot in self.slots.values():
            slot.remove()
        self.pcscd.stop()
        self.pcscd.release()

    def where(self) -> str:
        return f"{', '.join(self.reader_names)} ({self.pcscd.where()})"

    def config_patch(self) -> dict[str, Any]:
        # A kiosk started by hand against this hut finds its pcscd here.
        socket = {"pcsc_socket": str(self.pcscd.socket)} if self.pcscd.private else {}
        return {"devices": {
            "smartcard": {"driver": "smartcard.pcsc", "port": self.reader_name("social_security"),
                          "options": {"reads": "social_security", **socket}},
            "staffcard": {"driver": "smartcard.pcsc", "port": self.reader_name("staff"),
                          "options": {"reads": "staff_uid", **socket}},
        }}

    def reader_name(self, role: str) -> str:
        return f"Virtual PCD 00 {READERS[role]:02d}"

    # -- control API ------------------------------------------------------------------
    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions: dict[str, Callable[..., dict[str, Any]]] = {
            "insert": self._insert, "remove": self._remove, "status": self._status,
            "list_cards": self._list_cards, "restart_pcscd": self._restart_pcscd,
            "stop_pcscd": self._stop_pcscd, "start_pcscd": self._start_pcscd}
        if action not in actions:
            raise ValueError(f"unknown smartcard action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    def _slot(self, reader: str) -> VpcdSlot:
        try:
            return self.slots[reader]
        except KeyError:
            raise ValueError(f"unknown reader {reader!r}; readers: {', '.join(self.slots)}") from None

    def _insert(self, card: str = "social_security", reader: str | None = None, delay: float = 0.0,
                remove_after: int | None = None, **fields: Any) -> dict[str, Any]:
        """``reader`` defaults to the staff reader for a staff card, else the
        social security reader; ``remove_after`` pulls the card out after
        that many APDUs; other parameters are card fields (``name``,
        ``id_number``, ``expiry_date``, ``uid``, ``seed``...)."""
        made = make_card(card, **fields)
        slot = self._slot(reader or ("staff" if card == "staff" else "social_security"))
        if delay < 0 or (remove_after is not None and remove_after < 0):
            raise ValueError("delay and remove_after must not be negative")
        slot.insert(made, delay=delay, remove_after=remove_after)
        return {"inserted": card, "reader": self.reader_name(self._role(slot))}

    def _role(self, slot: VpcdSlot) -> str:
        return next(role for role, s in self.slots.items() if s is slot)

    def _remove(self, reader: str = "social_security") -> dict[str, Any]:
        """Returns once pcscd has seen the card go (or after 3 s), so the next
        step of a script does not find the old card still "there"."""
        removed = self._slot(reader).remove()
        seen = wait_card(self.reader_name(reader), present=False)
        return {"removed": removed, "seen_by_pcscd": seen}

    def _status(self) -> dict[str, Any]:
        return {"pcscd_owned": self.pcscd.owned,
                "readers": {role: {"name": self.reader_name(role),
                                   "card": slot.card.kind if slot.card is not None else None,
                                   "connected": slot.connected, "apdus": slot.apdus,
                                   "connections": slot.connections}
                            for role, slot in self.slots.items()}}

    def _list_cards(self) -> dict[str, Any]:
        return {"cards": list(PRESETS)}

    def _restart_pcscd(self) -> dict[str, Any]:
        self.reader_names = self.pcscd.restart()
        return {"readers": self.reader_names}

    def _stop_pcscd(self) -> dict[str, Any]:
        if not self.pcscd.owned:
            raise ValueError("pcscd was running before the hut started; the hut does not stop it")
        self.pcscd.stop()
        return {"stopped": True}

    def _start_pcscd(self) -> dict[str, Any]:
        self.reader_names = self.pcscd.start()
        for slot in self.slots.values():   # the cards connect to this pcscd's vpcd ports
            slot.port = self.pcscd.vpcd_port + slot.slot
        return {"readers": self.reader_names}
