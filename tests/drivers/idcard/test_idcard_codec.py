"""GA 467 framing: the byte examples from public implementations, stream
reassembly, and typed errors that say what an SW3 code means."""

from __future__ import annotations

import pytest

from drivers.base import DeviceFailure
from drivers.idcard import codec
from drivers.idcard.codec import FrameDecoder, ProtocolError, encode_command, encode_reply

FIND = bytes.fromhex("AA AA AA 96 69 00 03 20 01 22")
FOUND = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
NO_CARD = bytes.fromhex("AA AA AA 96 69 00 04 00 00 80 84")


def drain(dec: FrameDecoder) -> tuple[list, list[ProtocolError]]:
    frames, errors = [], []
    while True:
        try:
            frames.extend(dec.events())
            return frames, errors
        except ProtocolError as exc:
            errors.append(exc)


def test_find_card_command_matches_the_published_bytes():
    assert encode_command(0x20, 0x01) == FIND
    assert encode_reply(0x9F, b"\0" * 4) == FOUND
    assert encode_reply(0x80) == NO_CARD


def test_len_counts_everything_after_it_and_whole_frame_is_len_plus_7():
    frame = encode_reply(0x90, bytes(range(200)))
    length = int.from_bytes(frame[5:7], "big")
    assert len(frame) == length + 7
    assert length == 3 + 200 + 1


def test_read_base_info_reply_is_1295_bytes():
    data = (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + b" \0" * 128 + bytes(1024)
    assert len(encode_reply(0x90, data)) == 1295


def test_published_replies_decode_to_their_status():
    dec = FrameDecoder()
    dec.feed(FOUND + NO_CARD)
    found, none = list(dec.events())
    assert (found.sw3, found.data, found.ok) == (0x9F, b"\0\0\0\0", True)
    assert (none.sw3, none.ok) == (0x80, False)


def test_one_byte_at_a_time_with_garbage_before_the_preamble():
    stream = b"\x00\xaa\xaa\x13\x96" + FOUND + b"\xaa\xaa" + NO_CARD + b"\xaa\xaa\xaa\x96"
    dec = FrameDecoder()
    got = []
    for b in stream:
        dec.feed(bytes([b]))
        got.extend(dec.events())
    assert [r.sw3 for r in got] == [0x9F, 0x80]
    assert got[0].start == 5 and got[1].start == 5 + len(FOUND) + 2
    assert dec.buffered == 4  # a possible preamble start is kept for the next read


def test_extra_aa_before_preamble_is_tolerated():
    dec = FrameDecoder()
    dec.feed(b"\xaa\xaa\xaa\xaa\xaa" + NO_CARD)
    assert [r.sw3 for r in dec.events()] == [0x80]


def test_many_frames_in_one_read():
    dec = FrameDecoder()
    dec.feed((FOUND + NO_CARD) * 50)
    assert len(list(dec.events())) == 100


def test_command_direction_decodes_host_frames():
    dec = FrameDecoder("command")
    dec.feed(FIND + encode_command(0x12, 0xFF) + encode_command(0x61, 0xFF, b"\x50"))
    cmds = list(dec.events())
    assert [c.key for c in cmds] == [(0x20, 0x01), (0x12, 0xFF), (0x61, 0xFF)]
    assert cmds[2].data == b"\x50"


def test_bad_checksum_raises_typed_error_then_decoding_continues():
    bad = NO_CARD[:-1] + b"\x00"
    dec = FrameDecoder()
    dec.feed(bad + FOUND)
    with pytest.raises(ProtocolError) as info:
        list(dec.events())
    assert info.value.kind == "checksum"
    assert "校验" in str(info.value) and "checksum" in str(info.value)
    assert [r.sw3 for r in dec.events()] == [0x9F]


def test_frame_hidden_inside_a_bogus_length_is_found():
    # a truncated frame whose LEN swallows the next, real one
    dec = FrameDecoder()
    dec.feed(codec.PREAMBLE + b"\x00\x20\x00" + FOUND + bytes(40))
    frames, errors = drain(dec)
    assert [f.sw3 for f in frames] == [0x9F]
    assert errors and errors[0].kind == "checksum"


@pytest.mark.parametrize("length", [0, 1, 3, codec.MAX_LEN + 1, 0xFFFF])
def test_impossible_length_is_a_length_error(length):
    dec = FrameDecoder()
    dec.feed(codec.PREAMBLE + length.to_bytes(2, "big") + NO_CARD)
    frames, errors = drain(dec)
    assert errors[0].kind == "length"
    assert [f.sw3 for f in frames] == [0x80]


def test_protocol_error_is_a_device_failure_with_both_languages():
    assert issubclass(ProtocolError, DeviceFailure)
    for sw3, (zh, en) in codec.SW3_MEANINGS.items():
        exc = ProtocolError.from_sw3(sw3)
        assert f"{sw3:02X}" in str(exc) and zh in str(exc) and en in str(exc)
        assert exc.code == f"SW3={sw3:02X}"


def test_sw3_meanings_cover_the_standard_codes():
    expected = {0x90, 0x9F, 0x91, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x37, 0x3F, 0x40,
                0x41, 0x47, 0x60, 0x66, 0x80, 0x81}
    assert set(codec.SW3_MEANINGS) == expected
    assert "自检" in codec.sw3_meaning(0x60)[0]
    assert codec.sw3_meaning(0x55) == ("未定义的状态码", "undefined status code")


def test_raise_for_status_only_on_failure():
    dec = FrameDecoder()
    dec.feed(FOUND + encode_reply(0x41))
    found, failed = list(dec.events())
    assert found.raise_for_status() is found
    with pytest.raises(ProtocolError) as info:
        failed.raise_for_status()
    assert info.value.sw3 == 0x41 and info.value.kind == "status"
    assert "读证/卡操作失败" in str(info.value)


def test_decode_one_reply_rejects_anything_but_one_complete_frame():
    assert codec.decode_one_reply(FOUND).sw3 == 0x9F
    with pytest.raises(ProtocolError, match="preamble"):
        codec.decode_one_reply(b"hello")
    with pytest.raises(ProtocolError, match="LEN says 8 bytes follow it, the input has 5"):
        codec.decode_one_reply(FOUND[:-3])
    shorter_len = FOUND[:6] + bytes([FOUND[6] - 1]) + FOUND[7:]  # CHK would be looked for one byte early
    with pytest.raises(ProtocolError, match="LEN says 7 bytes follow it, the input has 8") as info:
        codec.decode_one_reply(shorter_len)
    assert info.value.kind == "length"
    with pytest.raises(ProtocolError, match="exactly one"):
        codec.decode_one_reply(FOUND + NO_CARD)
    with pytest.raises(ProtocolError, match="checksum"):
        codec.decode_one_reply(FOUND[:-1] + b"\x00")


def test_reset_forgets_partial_frames():
    dec = FrameDecoder()
    dec.feed(FOUND[:9])
    assert list(dec.events()) == []
    dec.reset()
    dec.feed(NO_CARD)
    assert [r.sw3 for r in dec.events()] == [0x80]


def test_sam_id_formatting():
    raw = (5).to_bytes(2, "little") + (1).to_bytes(2, "little") + (20101225).to_bytes(4, "little") \
        + (12345678).to_bytes(4, "little") + (987).to_bytes(4, "little")
    assert codec.format_sam_id(raw) == "05.01-20101225-0012345678-0000000987"
    with pytest.raises(ProtocolError):
        codec.format_sam_id(raw[:15])


def test_xor_checksum_matches_a_plain_loop():
    import random

    rng = random.Random(3)
    for n in list(range(0, 70)) + [1288, 2313]:
        data = rng.randbytes(n)
        expect = 0
        for b in data:
            expect ^= b
        assert codec.xor_checksum(data) == expect


def test_reply_repr_never_shows_data():
    reply = codec.Reply(0, 0, 0x90, "李秀英".encode("utf-16-le"))
    assert "李" not in repr(reply) and "6e67" not in repr(reply)


def test_a_reply_that_cannot_answer_the_command_is_recognised():
    assert codec.can_answer(codec.FIND_CARD, codec.Reply(0, 0, 0x9F, bytes(4)))
    assert codec.can_answer(codec.FIND_CARD, codec.Reply(0, 0, 0x80, b""))
    assert not codec.can_answer(codec.FIND_CARD, codec.Reply(0, 0, 0x90, bytes(8)))    # a select reply
    assert codec.can_answer(codec.SAM_STATUS, codec.Reply(0, 0, 0x60, b""))            # self-test failed
    assert not codec.can_answer(codec.SAM_STATUS, codec.Reply(0, 0, 0x80, b""))        # "no card"
    assert not codec.can_answer(codec.READ_SAM_ID, codec.Reply(0, 0, 0x9F, bytes(4)))
    assert codec.can_answer(codec.READ_BASE, codec.Reply(0, 0, 0x41, b""))
