"""The virtual cards: what each card answers to each APDU.

Plain objects with ``atr`` and ``respond(apdu) -> reply``; the vpcd link
(``vpcd.py``) carries them to pcscd, and the codec tests call them directly.
The social security card keeps the two files the kiosk may read (EF05, EF06)
as records addressed by tag, like the real card's file system.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from drivers.idcard.gb11643 import with_check_character

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
# Contact CPU card ATR (T=0), made up for the simulator; and the PC/SC part 3
# ATR a contactless reader builds for a MIFARE Classic 1K.
ATR_SOCIAL_SECURITY = bytes.fromhex("3B6C00000A0B0C0D0E0F56534343")
ATR_STAFF = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
ATR_BLANK = bytes.fromhex("3B0200")

SW_OK = b"\x90\x00"


def _sw(code: int) -> bytes:
    return code.to_bytes(2, "big")


def _bcd(digits: str, length: int) -> bytes:
    return bytes.fromhex(digits.ljust(length * 2, "F"))


def sample_id_number(first17: str = "11010519491231002") -> str:
    return with_check_character(first17)


DEFAULT_PERSON: dict[str, Any] = {
    "name": "王秀英",
    "id_number": sample_id_number(),
    "gender": "2",
    "nation": "01",
    "birthplace": "110105",
    "birth_date": "19491231",
    "card_id": "110100D156000005" + "00A1B2C3D4E5F601",
    "card_kind": "1",
    "init_org": "110100000000000000000000",
    "issue_date": "20200115",
    "expiry_date": "20300115",
    "card_number": "A12345678",
}


class VirtualCard:
    """A card that answers everything with ``6D00`` (instruction not supported)."""

    kind = "blank"
    atr = ATR_BLANK

    def reset(self) -> None:
        """Power-on or reset: the card forgets its selection."""

    def respond(self, command: bytes) -> bytes:
        return _sw(0x6D00)


class BlankCard(VirtualCard):
    """A CPU card with nothing on it (or a card of some other scheme):
    every SELECT is 6A82, anything else 6D00."""

    kind = "blank"

    def respond(self, command: bytes) -> bytes:
        if len(command) >= 4 and command[1] == 0xA4:
            return _sw(0x6A82)
        return _sw(0x6D00)


class SocialSecurityCard(VirtualCard):
    """社会保障卡.  ``version`` "2.00" or "3.00"; ``in_mf`` puts EF05/EF06 in
    the MF without an SSSE application (SELECT by AID is 6A82);
    ``p1_02`` wants P1=02 to select an EF (6A86 with P1=00); ``chained``
    answers every READ RECORD first with 6Cxx (resend with Le) and then
    with 61xx (GET RESPONSE), as some COS do over T=0."""

    kind = "social_security"
    atr = ATR_SOCIAL_SECURITY

    def __init__(self, version: str = "3.00", in_mf: bool = False, p1_02: bool = False,
                 chained: bool = False, **person: Any):
        unknown = set(person) - set(DEFAULT_PERSON)
        if unknown:
            raise ValueError(f"unknown card field(s) {', '.join(sorted(unknown))}; "
                             f"fields: {', '.join(DEFAULT_PERSON)}")
        self.version = version
        self.in_mf = in_mf
        self.p1_02 = p1_02
        self.chained = chained
        p = {**DEFAULT_PERSON, **person}
        name = p["name"].encode("gbk")[:30]
        ef05 = {
            0x01: bytes.fromhex(p["card_id"]),
            0x02: p["card_kind"].encode("ascii"),
            0x03: version.encode("ascii"),
            0x04: _bcd(p["init_org"], 12),
            0x05: _bcd(p["issue_date"], 4),
            0x06: _bcd(p["expiry_date"], 4),
            0x07: p["card_number"].encode("ascii"),
        }
        ef06 = {
            0x08: p["id_number"].encode("ascii"),
            0x09: name.ljust(30, b"\x00"),
            0x0A: p["gender"].encode("ascii"),
            0x0B: _bcd(p["nation"], 1),
            0x0C: _bcd(p["birthplace"], 3),
            0x0D: _bcd(p["birth_date"], 4),
        }
        if version == "2.00":  # the 2nd-generation layout has no birth date record
            del ef06[0x0D]
        self.files = {0xEF05: ef05, 0xEF06: ef06}
        self.reset()

    def reset(self) -> None:
        self.app_selected = False
        self.current: int | None = None
        self.pending = b""        # for GET RESPONSE
        self.wrong_le_sent: set[int] = set()

    def respond(self, command: bytes) -> bytes:
        if len(command) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = command[:4]
        body = command[4:]
        if cla != 0x00:
            return _sw(0x6E00)
        if ins == 0xA4:
            return self._select(p1, body)
        if ins == 0xB2:
            return self._read_record(p1, p2, body)
        if ins == 0xC0:
            out, self.pending = self.pending, b""
            return out + SW_OK if out else _sw(0x6985)
        if ins == 0x20:
            return _sw(0x63C2)  # a simulator keeps no count, but it says what a real card says
        return _sw(0x6D00)

    def _select(self, p1: int, body: bytes) -> bytes:
        if not body or len(body) < 1 + body[0]:
            return _sw(0x6700)
        data = body[1:1 + body[0]]
        if p1 == 0x04:
            if data == SSSE_AID and not self.in_mf:
                self.app_selected, self.current = True, None
                return SW_OK
            return _sw(0x6A82)
        if p1 not in (0x00, 0x02) or len(data) != 2:
            return _sw(0x6A86)
        if self.p1_02 and p1 != 0x02:
            return _sw(0x6A86)
        fid = int.from_bytes(data, "big")
        if fid not in self.files or not (self.app_selected or self.in_mf):
            return _sw(0x6A82)
        self.current = fid
        return SW_OK

    def _read_record(self, p1: int, p2: int, body: bytes) -> bytes:
        if self.current is None:
            return _sw(0x6986)
        if p2 != 0x00:
            return _sw(0x6A86)
        value = self.files[self.current].get(p1)
        if value is None:
            return _sw(0x6A83)
        record = bytes((p1, len(value))) + value
        if not self.chained:
            return record + SW_OK
        le = body[-1] if body else 0
        if le != len(record) and p1 not in self.wrong_le_sent:
            self.wrong_le_sent.add(p1)
            return _sw(0x6C00 | len(record))
        self.pending = record[2:]
        return record[:2] + _sw(0x6100 | len(self.pending))


class StaffCard(VirtualCard):
    """A contactless staff card behind a PC/SC part 3 reader: only GET DATA
    (FF CA) means anything; ``uid`` is hex (4, 7 or 10 bytes)."""

    kind = "staff"
    atr = ATR_STAFF

    def __init__(self, uid: str = "04A1B2C3D4E580"):
        self.uid = bytes.fromhex(uid)
        if len(self.uid) not in (4, 7, 10):
            raise ValueError("a card UID has 4, 7 or 10 bytes")

    def respond(self, command: bytes) -> bytes:
        if command[:2] == b"\xff\xca":
            if len(command) < 4 or command[2] != 0x00:
                return _sw(0x6A81)
            return self.uid + SW_OK
        return _sw(0x6E00)


class FuzzCard(VirtualCard):
    """Answers every APDU with random bytes: sometimes nothing, sometimes a
    lone status byte, sometimes plausible TLV with a random SW.  ``seed``
    makes a run repeatable."""

    kind = "fuzz"
    atr = ATR_SOCIAL_SECURITY

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)

    def respond(self, command: bytes) -> bytes:
        rng = self.rng
        shape = rng.randrange(6)
        if shape == 0:
            return rng.randbytes(rng.randrange(3))
        if shape == 1:
            return rng.choice([b"\x61", b"\x6C"]) + bytes((rng.randrange(256),))
        if shape == 2:
            return rng.choice([SW_OK, _sw(0x6A82), _sw(0x6A83), _sw(0x6982), _sw(0x6A86), _sw(0x6700)])
        if shape == 3 and len(command) > 2:
            tag = command[2]
            length = rng.randrange(40)
            return bytes((tag, length)) + rng.randbytes(rng.randrange(length + 3)) + SW_OK
        return rng.randbytes(rng.randrange(300))


def _expired(**person: Any) -> SocialSecurityCard:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    return SocialSecurityCard(version="3.00", issue_date="20100101", expiry_date=yesterday.strftime("%Y%m%d"),
                              **person)


# The cards a test or the demo inserts by name.
PRESETS: dict[str, Any] = {
    "social_security": lambda **kw: SocialSecurityCard(version="3.00", **kw),
    "social_security_v2": lambda **kw: SocialSecurityCard(version="2.00", **kw),
    "social_security_mf": lambda **kw: SocialSecurityCard(version="2.00", in_mf=True, p1_02=True, **kw),
    "social_security_chained": lambda **kw: SocialSecurityCard(version="3.00", chained=True, **kw),
    "social_security_expired": _expired,
    "staff": lambda **kw: StaffCard(**kw),
    "blank": lambda **kw: BlankCard(**kw),
    "fuzz": lambda **kw: FuzzCard(**kw),
}


def make_card(name: str, **fields: Any) -> VirtualCard:
    try:
        factory = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown card {name!r}; cards: {', '.join(PRESETS)}") from None
    try:
        return factory(**fields)
    except TypeError as exc:
        raise ValueError(f"card {name!r}: {exc}") from None
