"""The log never holds a full ID number or phone number: not in messages,
not in arguments, not in exception texts, whichever handler writes it."""

from __future__ import annotations

import io
import logging

import pytest

from kiosk import logsetup
from kiosk.privacy import id_lookup_hash, mask_id, mask_name, redact

ID = "230108195001011234"
ID_X = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logsetup.configure("DEBUG", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_masks():
    assert mask_id(ID) == "230108********1234"
    assert mask_id(ID_X) == "110105********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_redact_free_text_keeps_other_numbers():
    text = f"resident {ID} phone {PHONE}, order 20261126000123 amount 12.50"
    out = redact(text)
    assert ID not in out and PHONE not in out
    assert "230108********1234" in out and "138****5678" in out
    assert "20261126000123" in out  # a 14-digit serial is not an ID number
    assert redact("call +86 138-1234-5678") == "call +86 138****5678"


def test_filter_masks_message_and_arguments(captured):
    log = logging.getLogger("kiosk.test")
    log.info("read card of %s, phone %s", ID, PHONE)
    log.warning(f"inline {ID_X} and +8613812345678")
    out = captured.getvalue()
    for secret in (ID, ID_X, PHONE, "8613812345678"):
        assert secret not in out
    assert "230108********1234" in out and "110105********002X" in out and "138****5678" in out


def test_filter_masks_exception_texts(captured):
    log = logging.getLogger("kiosk.test")
    try:
        raise ValueError(f"bad record for {ID} / {PHONE}")
    except ValueError:
        log.exception("submission failed")
    out = captured.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert ID not in out and PHONE not in out and "230108********1234" in out


def test_third_party_handlers_see_masked_records_too(captured, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("urllib3.somewhere").info("GET /status?id=%s", ID)
    assert ID not in caplog.text and "230108********1234" in caplog.text


def test_keyed_lookup_hash_is_stable_and_keyed():
    a = id_lookup_hash(ID, b"k1")
    assert a == id_lookup_hash(ID.lower(), b"k1") and len(a) == 64
    assert a != id_lookup_hash(ID, b"k2")
    assert ID not in a
    with pytest.raises(ValueError):
        id_lookup_hash(ID, b"")


def test_the_proof_of_a_look_up_is_not_in_the_log(captured):
    """urllib3 logs each request line at DEBUG: a slip's code or an id_hash must not stay in it."""
    logging.getLogger("urllib3.connectionpool").debug(
        '%s "GET /v1/applications/by-serial/HUT-1-261130-00001A3?proof=7c01afec3844c09b HTTP/1.1" 200 429',
        "http://127.0.0.1:8765")
    logging.getLogger("urllib3.connectionpool").debug(
        '"GET /v1/applications?id_hash=%s&id_hash=%s HTTP/1.1" 200 12', "84c00197ac734e2f" * 4, "0a" * 32)
    text = captured.getvalue()
    assert "7c01afec3844c09b" not in text and "84c00197ac734e2f" not in text and "0a0a0a0a" not in text
    assert "by-serial/HUT-1-261130-00001A3?proof=***" in text and "id_hash=***&id_hash=***" in text
