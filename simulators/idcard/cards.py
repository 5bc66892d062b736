"""Fictional cards of all four types, laid out byte for byte as a SAM returns
them.

The layouts are written out here independently of the driver's parser (as
column widths in characters, from the GA 467 and 2017/2023 foreigner card
notices), so a wrong offset in either side shows up as a failing test instead
of two identical mistakes agreeing with each other.  Every person here is
invented; ID numbers carry a correct GB 11643 check digit (computed by the
driver's own function, which the GB 11643 worked example pins down).
"""

from __future__ import annotations

import hashlib
import random
import struct
from typing import Any

from drivers.idcard.gb11643 import with_check_character

# Column widths (characters of UCS-2) for each card type; 128 characters = 256 bytes.
LAYOUTS: dict[str, list[tuple[str, int]]] = {
    "resident": [("name", 15), ("gender", 1), ("nation", 2), ("birth", 8), ("address", 35),
                 ("id_number", 18), ("authority", 15), ("valid_from", 8), ("valid_to", 8), ("reserved", 18)],
    "hk_mo_tw": [("name", 15), ("gender", 1), ("nation", 2), ("birth", 8), ("address", 35),
                 ("id_number", 18), ("authority", 15), ("valid_from", 8), ("valid_to", 8),
                 ("pass_number", 9), ("issue_count", 2), ("reserved", 3), ("flag", 1), ("reserved2", 3)],
    "foreign_2017": [("name_en", 60), ("gender", 1), ("id_number", 15), ("nationality", 3), ("name", 15),
                     ("valid_from", 8), ("valid_to", 8), ("birth", 8), ("card_version", 2),
                     ("authority_code", 4), ("flag", 1), ("reserved", 3)],
    "foreign_2023": [("name", 15), ("gender", 1), ("issue_count", 2), ("birth", 8), ("name_en_1", 35),
                     ("id_number", 18), ("reserved", 15), ("valid_from", 8), ("valid_to", 8),
                     ("name_en_2", 11), ("nationality", 3), ("flag", 1), ("previous_card", 3)],
}
FLAGS = {"hk_mo_tw": "J", "foreign_2017": "I", "foreign_2023": "Y"}

CARDS: dict[str, dict[str, Any]] = {
    "resident": {
        "type": "resident", "name": "李秀英", "gender": "2", "nation": "01", "birth": "19500101",
        "address": "天津市和平区南京路一二三号幸福里5号楼2门301",
        "id_number": with_check_character("12010119500101128"), "authority": "天津市公安局和平分局",
        "valid_from": "20150101", "valid_to": "长期"},
    "resident_hui": {
        "type": "resident", "name": "马建国", "gender": "1", "nation": "03", "birth": "19621108",
        "address": "天津市河西区友谊路88号", "id_number": with_check_character("12010319621108301"),
        "authority": "天津市公安局河西分局", "valid_from": "20120305", "valid_to": "20320305"},
    "hk_mo_tw": {
        "type": "hk_mo_tw", "name": "陈家明", "gender": "1", "nation": "", "birth": "19880512",
        "address": "天津市南开区鞍山西道200号", "id_number": with_check_character("81000019880512003"),
        "authority": "天津市公安局南开分局", "valid_from": "20230701", "valid_to": "20280701",
        "pass_number": "H60123456", "issue_count": "01"},
    "foreign_2017": {
        "type": "foreign_2017", "name_en": "SMITH, JOHN WILLIAM", "name": "史密斯", "gender": "1",
        "id_number": "USA120061031015", "nationality": "USA", "valid_from": "20170815",
        "valid_to": "20270815", "birth": "19610310", "card_version": "20", "authority_code": "1500"},
    "foreign_2023": {
        "type": "foreign_2023", "name": "马丽娅", "gender": "2", "issue_count": "00", "birth": "19850315",
        "name_en": "GONZALEZ MARTINEZ, MARIA DEL CARMEN ALEJANDRA",
        "id_number": with_check_character("91272419850315022"), "valid_from": "20231201",
        "valid_to": "20331201", "nationality": "ESP", "previous_card": ""},
}


def _pad(value: str, width: int) -> str:
    if len(value) > width:
        raise ValueError(f"{value!r} is longer than its {width}-character field")
    return value + " " * (width - len(value))


def text_block(card: dict[str, Any]) -> bytes:
    """The 256-byte UCS-2 LE text the SAM returns for ``card``."""
    kind = card["type"]
    values = dict(card)
    values["flag"] = FLAGS.get(kind, " ")
    if kind == "foreign_2023":
        name_en = card.get("name_en", "")
        values["name_en_1"], values["name_en_2"] = name_en[:35], name_en[35:]
    text = "".join(_pad(str(values.get(key, "")), width) for key, width in LAYOUTS[kind])
    raw = text.encode("utf-16-le")
    assert len(raw) == 256, (kind, len(raw))
    return raw


def photo(card: dict[str, Any]) -> bytes:
    """The card's 1024 photo bytes: a picture the hut's stand-in decoder reads
    when the card was given one (``photo_image``: a picture file with a face);
    with ``photo_bytes`` opaque photo bytes (deterministic per card) that only
    a vendor's decoder might read, so the hut's stand-in fails on them; else no
    photo data (zeros), as a reader module that does not hand the photo over."""
    if card.get("photo_image"):
        from simulators.idcard.photo import encode  # PIL and dlib only for cards with a picture

        return encode(card["photo_image"])
    if card.get("photo_bytes"):
        seed = int.from_bytes(hashlib.sha256(card["id_number"].encode()).digest()[:8], "big")
        return b"WLT\x00" + random.Random(seed).randbytes(1020)
    return bytes(1024)


def fingerprint(card: dict[str, Any]) -> bytes:
    size = int(card.get("fingerprint_bytes", 0))
    seed = int.from_bytes(hashlib.sha256(b"fp" + card["id_number"].encode()).digest()[:8], "big")
    return random.Random(seed).randbytes(size)


def uid(card: dict[str, Any]) -> bytes:
    """The 8-byte card serial a select-card reply carries."""
    return hashlib.sha256(b"uid" + card["id_number"].encode()).digest()[:8]


def base_info(card: dict[str, Any], with_fingerprint: bool = False) -> bytes:
    """Data of the 30 01 / 30 10 success reply."""
    text, pic = text_block(card), photo(card)
    if not with_fingerprint:
        return struct.pack(">HH", len(text), len(pic)) + text + pic
    fp = fingerprint(card)
    return struct.pack(">HHH", len(text), len(pic), len(fp)) + text + pic + fp


def make_card(name_or_card: str | dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A preset by name, or a full card dict, with fields overridden."""
    if isinstance(name_or_card, str):
        try:
            card = dict(CARDS[name_or_card])
        except KeyError:
            raise ValueError(f"unknown card {name_or_card!r}; presets: {', '.join(CARDS)}") from None
    else:
        card = dict(name_or_card)
    card.update(overrides)
    if card.get("type") not in LAYOUTS:
        raise ValueError(f"card type must be one of {', '.join(LAYOUTS)}")
    text_block(card)  # fail now, in control(), if a field does not fit
    return card
