"""The smart card codec without pcscd: APDUs, status words, TLV, BCD, GBK,
and whole reads against the simulator's cards called in-process."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.idcard.records import CardType, IdCardRecord
from drivers.smartcard import apdu, codec
from drivers.smartcard.apdu import CardProtocolError, Reply
from drivers.smartcard.records import SocialSecurityRecord
from simulators.smartcard.cards import DEFAULT_PERSON, SocialSecurityCard, make_card
from tests.smartcard_fixtures import TODAY, run


# -- APDU building -----------------------------------------------------------------
def test_select_ssse_is_the_published_apdu():
    assert codec.SSSE_AID == "sx1.sh.社会保障".encode("gbk")
    assert apdu.select_by_name(codec.SSSE_AID).hex().upper() == "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"


def test_select_ef_and_read_record_by_tag():
    assert apdu.select_file(0xEF05).hex().upper() == "00A4000002EF05"
    assert apdu.select_file(0xEF05, p1=0x02).hex().upper() == "00A4020002EF05"
    assert apdu.read_record_by_id(0x08).hex().upper() == "00B2080000"
    assert apdu.get_response(0x12).hex().upper() == "00C0000012"
    assert apdu.GET_UID.hex().upper() == "FFCA000000"


@pytest.mark.parametrize("command,le,expected", [
    ("00B2080000", 0x14, "00B2080014"),         # case 2: Le replaced
    ("00A4000002EF05", 0x10, "00A4000002EF0510"),  # case 3 -> case 4
    ("00A4000002EF0500", 0x10, "00A4000002EF0510"),  # case 4: Le replaced
    ("00840000", 0x08, "0084000008"),            # case 1 -> case 2
])
def test_with_le(command, le, expected):
    assert apdu.with_le(bytes.fromhex(command), le).hex().upper() == expected


def test_verify_is_never_built():
    with pytest.raises(ValueError, match="PIN tries"):
        apdu.command(0x00, 0x20, 0x00, 0x00, b"123456")


def test_bad_apdu_parts_are_refused():
    with pytest.raises(ValueError):
        apdu.command(0x100, 0xB2, 0, 0)
    with pytest.raises(ValueError):
        apdu.command(0, 0xB2, 0, 0, bytes(256))


# -- status words ------------------------------------------------------------------
@pytest.mark.parametrize("sw,words", [
    (0x9000, "success"), (0x6A82, "not found"), (0x6A83, "record not found"), (0x6982, "security status"),
    (0x6A86, "P1/P2"), (0x6700, "wrong length"), (0x6110, "16 more bytes"), (0x6C12, "Le=12"),
    (0x63C2, "2 tries left"), (0x1234, "unknown status"),
])
def test_status_words_carry_their_meaning(sw, words):
    text = apdu.sw_text(sw)
    assert text.startswith(f"{sw:04X} (") and words in text


def test_reply_without_status_word_is_an_error():
    with pytest.raises(CardProtocolError) as err:
        Reply.parse(b"\x90")
    assert err.value.code == "short_reply"
    assert Reply.parse(b"\x01\x02\x90\x00") == Reply(b"\x01\x02", 0x9000)


def test_get_response_collects_the_data():
    reply, sent = run(codec.transceive(apdu.read_record_by_id(7)),
                      [b"\x61\x05", b"\x07\x03ABC\x90\x00"])
    assert sent[1].hex().upper() == "00C0000005"
    assert reply == Reply(b"\x07\x03ABC", 0x9000)


def test_wrong_le_is_resent_with_the_right_one():
    reply, sent = run(codec.transceive(apdu.read_record_by_id(7)), [b"\x6C\x0B", b"\x07\x09A12345678\x90\x00"])
    assert sent[1].hex().upper() == "00B207000B"
    assert reply.ok and reply.data[2:] == b"A12345678"


def test_endless_chaining_stops():
    with pytest.raises(CardProtocolError) as err:
        run(codec.transceive(apdu.read_record_by_id(7)), [b"\x61\x01"] * 100)
    assert err.value.code == "chained_too_long"


# -- field decoding ----------------------------------------------------------------
def test_tlv():
    assert codec.parse_tlv(0x07, b"\x07\x03ABCjunk") == b"ABC"
    for bad in (b"\x07", b"\x08\x01A", b"\x07\x05AB"):
        with pytest.raises(CardProtocolError):
            codec.parse_tlv(0x07, bad)


def test_bcd_and_dates():
    assert codec.bcd_digits(bytes.fromhex("110105")) == "110105"
    assert codec.bcd_digits(bytes.fromhex("1101FF")) == "1101"   # cn: right-padded with F
    assert codec.bcd_date(bytes.fromhex("20300115")) == dt.date(2030, 1, 15)
    assert codec.bcd_date(bytes.fromhex("FFFFFFFF")) is None
    for bad in ("2030011A", "203001FF", "20301345"):
        with pytest.raises(ValueError):
            codec.bcd_date(bytes.fromhex(bad))


def test_gbk_name_padded_with_zeros():
    assert codec.gbk_text("欧阳娜娜".encode("gbk").ljust(30, b"\x00")) == "欧阳娜娜"
    with pytest.raises(CardProtocolError) as err:
        codec.decode_field(0x09, b"\x81\x00" + bytes(28))   # half a GBK character
    assert err.value.code == "bad_record"


# -- whole reads ------------------------------------------------------------------
@pytest.mark.parametrize("card", ["social_security", "social_security_v2", "social_security_mf",
                                  "social_security_chained"])
def test_every_social_security_variant_reads_the_same_person(card):
    record, sent = run(codec.read_social_security(TODAY), make_card(card))
    assert isinstance(record, SocialSecurityRecord) and isinstance(record, IdCardRecord)
    assert record.card_type is CardType.SOCIAL_SECURITY
    assert (record.name, record.id_number, record.gender, record.nation) == \
        ("王秀英", DEFAULT_PERSON["id_number"], "女", "汉")
    assert record.birth_date == dt.date(1949, 12, 31)      # v2 has no 0D: taken from the number
    assert (record.card_number, record.region_code) == ("A12345678", "110100")
    assert (record.issue_date, record.expiry_date) == (dt.date(2020, 1, 15), dt.date(2030, 1, 15))
    assert record.id_number_valid
    assert all(c[1] != 0x20 for c in sent), "VERIFY must never be sent"
    if card == "social_security_mf":
        assert sent[1].hex().upper() == "00A4000002EF05" and sent[2].hex().upper() == "00A4020002EF05"


def test_version_is_reported():
    assert run(codec.read_social_security(TODAY), make_card("social_security_v2"))[0].card_version == "2.00"
    assert run(codec.read_social_security(TODAY), make_card("social_security"))[0].card_version == "3.00"


def test_expired_card_is_a_clear_error():
    card = SocialSecurityCard(expiry_date="20260531")
    with pytest.raises(CardProtocolError) as err:
        run(codec.read_social_security(TODAY), card)
    assert err.value.code == "expired" and "2026-05-31" in str(err.value)
    # valid on its last day
    assert run(codec.read_social_security(dt.date(2026, 5, 31)), card)[0].expiry_date == dt.date(2026, 5, 31)


def test_card_without_expiry_is_long_term():
    record, _ = run(codec.read_social_security(TODAY), SocialSecurityCard(expiry_date=""))
    assert record.long_term and record.as_json()["expiry_date"] == "长期"


@pytest.mark.parametrize("card", ["blank", "staff"])
def test_other_cards_are_not_social_security_cards(card):
    with pytest.raises(CardProtocolError) as err:
        run(codec.read_social_security(TODAY), make_card(card))
    assert err.value.code == "not_social_security"
    assert "不是社会保障卡" in str(err.value) and "not a social security card" in str(err.value)


def test_missing_required_record_and_psam_protected_record():
    card = SocialSecurityCard()
    del card.files[0xEF06][0x08]
    with pytest.raises(CardProtocolError, match="6A83"):
        run(codec.read_social_security(TODAY), card)
    card = SocialSecurityCard()
    original = card.respond
    card.respond = lambda c: b"\x69\x82" if c[1] == 0xB2 and c[2] == 0x09 else original(c)
    with pytest.raises(CardProtocolError) as err:
        run(codec.read_social_security(TODAY), card)
    assert err.value.code == "sw_6982" and "authentication" in str(err.value)


def test_optional_record_missing_is_none():
    card = SocialSecurityCard()
    del card.files[0xEF06][0x0B]
    record, _ = run(codec.read_social_security(TODAY), card)
    assert record.nation_code is None and record.name == "王秀英"


def test_staff_uid():
    uid, sent = run(codec.read_uid(), make_card("staff", uid="0A0B0C0D"))
    assert uid == bytes.fromhex("0A0B0C0D") and sent == [apdu.GET_UID]
    with pytest.raises(CardProtocolError):
        run(codec.read_uid(), make_card("blank"))
    with pytest.raises(CardProtocolError) as err:
        run(codec.read_uid(), [b"\x01\x02\x03\x90\x00"])
    assert err.value.code == "bad_uid"


def test_random_replies_only_ever_raise_the_driver_error():
    """5,000 fuzzing cards: a read ends with a record or CardProtocolError,
    never another exception (which would kill the reader's thread)."""
    outcomes = {"record": 0, "error": 0}
    for seed in range(5000):
        try:
            run(codec.read_social_security(TODAY), make_card("fuzz", seed=seed))
            outcomes["record"] += 1
        except CardProtocolError:
            outcomes["error"] += 1
    assert outcomes["error"] > 4000


def test_damaged_replies_of_a_real_card_only_ever_raise_the_driver_error():
    """A good card whose replies get a byte flipped, cut short or stretched
    now and then: reaches every field decoder, not just the first SELECT."""
    import random

    class Damaged:
        def __init__(self, card: SocialSecurityCard, rng: random.Random):
            self.card, self.rng = card, rng

        def respond(self, command: bytes) -> bytes:
            rng = self.rng
            reply = bytearray(self.card.respond(command))
            roll = rng.random()
            if roll < 0.05 and reply:
                reply[rng.randrange(len(reply))] = rng.randrange(256)
            elif roll < 0.08:
                del reply[rng.randrange(len(reply) + 1):]
            elif roll < 0.10:
                reply[rng.randrange(len(reply) + 1):0] = rng.randbytes(rng.randrange(1, 5))
            return bytes(reply)

    records = errors = 0
    for seed in range(3000):
        rng = random.Random(seed)
        card = SocialSecurityCard(version=rng.choice(["2.00", "3.00"]), chained=rng.random() < 0.3)
        try:
            run(codec.read_social_security(TODAY), Damaged(card, rng))
            records += 1
        except CardProtocolError:
            errors += 1
    assert records > 100 and errors > 100
