"""Card contents: all four layouts, GB 11643 check digits, dates, padding."""

from __future__ import annotations

import datetime as dt
import struct

import pytest

from drivers.idcard import cardtext, gb11643
from drivers.idcard.cardtext import parse_base_info, parse_text
from drivers.idcard.codec import ProtocolError
from drivers.idcard.records import NATIONS, CardType
from simulators.idcard import cards


def info(card: dict, fp: bool = False) -> bytes:
    return cards.base_info(card, fp)


def test_gb11643_reference_number():
    # the worked example of GB 11643-1999
    assert gb11643.check_character("11010519491231002") == "X"
    assert gb11643.is_valid("11010519491231002X")
    assert gb11643.is_valid("11010519491231002x")
    assert not gb11643.is_valid("110105194912310021")
    assert not gb11643.is_valid("11010519491231002")
    assert not gb11643.is_valid("１１０１０５１９４９１２３１００２X")  # full-width digits
    assert gb11643.with_check_character("11010519491231002") == "11010519491231002X"
    with pytest.raises(ValueError):
        gb11643.check_character("1101051949123100")


def test_resident_card():
    r = parse_base_info(info(cards.make_card("resident")))
    assert r.card_type is CardType.RESIDENT
    assert (r.name, r.gender, r.gender_code) == ("李秀英", "女", "2")
    assert (r.nation, r.nation_code) == ("汉", "01")
    assert r.birth_date == dt.date(1950, 1, 1)
    assert r.address == "天津市和平区南京路一二三号幸福里5号楼2门301"
    assert r.id_number == "120101195001011281" and r.id_number_valid
    assert r.authority == "天津市公安局和平分局"
    assert r.valid_from == dt.date(2015, 1, 1) and r.valid_to == "长期" and r.long_term
    assert (r.pass_number, r.issue_count, r.nationality, r.name_en) == (None, None, None, None)
    assert len(r.photo) == 1024 and r.fingerprint == b""


def test_resident_with_fixed_validity_and_minority_nation():
    r = parse_base_info(info(cards.make_card("resident_hui")))
    assert r.nation == "回" and r.valid_to == dt.date(2032, 3, 5)


def test_hk_mo_tw_residence_permit():
    r = parse_base_info(info(cards.make_card("hk_mo_tw")))
    assert r.card_type is CardType.HK_MO_TW
    assert r.name == "陈家明" and r.nation is None and r.nation_code is None
    assert r.id_number.startswith("810000") and r.id_number_valid
    assert (r.pass_number, r.issue_count) == ("H60123456", "01")


def test_foreign_2017_card():
    r = parse_base_info(info(cards.make_card("foreign_2017")))
    assert r.card_type is CardType.FOREIGN_2017
    assert r.name_en == "SMITH, JOHN WILLIAM" and r.name == "史密斯"
    assert r.id_number == "USA120061031015" and r.id_number_valid
    assert r.nationality == "USA" and r.birth_date == dt.date(1961, 3, 10)
    assert (r.card_version, r.authority_code) == ("20", "1500")
    assert r.address is None


def test_foreign_2017_without_chinese_name_uses_english_name():
    r = parse_base_info(info(cards.make_card("foreign_2017", name="")))
    assert r.name == "SMITH, JOHN WILLIAM"


def test_foreign_2023_card_joins_the_english_name_across_fields():
    r = parse_base_info(info(cards.make_card("foreign_2023")))
    assert r.card_type is CardType.FOREIGN_2023
    assert r.name == "马丽娅"
    assert r.name_en == "GONZALEZ MARTINEZ, MARIA DEL CARMEN ALEJANDRA"
    assert r.id_number == "912724198503150222" and r.id_number_valid
    assert r.nationality == "ESP" and r.issue_count == "00"


@pytest.mark.parametrize("name_en", [
    "A" * 34 + " BCDEFGHIJK",          # the space is the last character of part 1
    "A" * 35 + " BCDEFGHIJ",           # the space is the first character of part 2
    "ALEXANDRA MARIA DE LA CRUZ",      # short: part 2 empty, inner spaces kept
    "A" * 46,                          # fills both parts
])
def test_foreign_2023_name_seams(name_en):
    r = parse_base_info(info(cards.make_card("foreign_2023", name_en=name_en)))
    assert r.name_en == name_en


def test_long_english_name_with_inner_spaces_in_2017_card():
    name = "VAN DER BERG, PIETER   JOHANNES"  # double spaces are the card's, not padding
    r = parse_base_info(info(cards.make_card("foreign_2017", name_en=name)))
    assert r.name_en == name


def test_bad_check_digit_is_reported_not_hidden():
    number = "120101195001011282"
    r = parse_base_info(info(cards.make_card("resident", id_number=number)))
    assert r.id_number == number and not r.id_number_valid


def test_invalid_date_is_a_format_error_without_personal_data():
    with pytest.raises(ProtocolError) as e:
        parse_base_info(info(cards.make_card("resident", birth="19501341")))
    assert e.value.kind == "format" and "19501341" not in str(e.value)


def test_fingerprint_variant():
    card = cards.make_card("resident", fingerprint_bytes=1024)
    r = parse_base_info(info(card, fp=True))
    assert len(r.fingerprint) == 1024 and r.name == "李秀英"


def test_length_fields_must_add_up():
    data = info(cards.make_card("resident"))
    with pytest.raises(ProtocolError, match="length"):
        parse_base_info(data[:-1])
    with pytest.raises(ProtocolError):
        parse_base_info(struct.pack(">HH", 100, 1024) + data[4:104] + data[260:])


def test_nation_table():
    assert len(NATIONS) == 58
    assert NATIONS["01"] == "汉" and NATIONS["56"] == "基诺" and NATIONS["29"] == "柯尔克孜"
    assert NATIONS["97"] == "其他" and NATIONS["98"] == "外国血统中国籍人士"


def test_json_shape_is_exactly_the_documented_keys():
    r = parse_base_info(info(cards.make_card("hk_mo_tw")))
    assert list(r.as_json()) == [
        "card_type", "name", "name_en", "gender", "gender_code", "nation", "nation_code", "birth_date",
        "address", "id_number", "authority", "valid_from", "valid_to", "pass_number", "issue_count",
        "nationality", "photo_bytes", "fingerprint_bytes", "id_number_valid"]
    assert r.as_json()["birth_date"] == "1988-05-12"


def test_record_repr_masks_personal_data():
    r = parse_base_info(info(cards.make_card("resident")))
    text = repr(r) + str(r) + f"{r}"
    assert "李秀英" not in text and "120101195001011281" not in text
    assert "120101********1281" in text


def test_text_shorter_than_256_bytes_is_rejected():
    with pytest.raises(ProtocolError):
        parse_text(b" \0" * 100)


def test_address_reply():
    data = ("天津市红桥区新地址1号" + " " * 24).encode("utf-16-le")
    assert cardtext.parse_address(data) == "天津市红桥区新地址1号"


# -- the issue's byte-offset table, written out a second way ---------------------
# cards.py lays cards out by column widths; here every field goes at the byte
# offsets the GA 467 / permanent-residence-card notices give, so a shifted
# field in either the parser or the simulator's cards fails one of the two.
def _block(fields: dict[tuple[int, int], str], flag: str = " ") -> bytes:
    buf = bytearray(" ".encode("utf-16-le") * 128)
    for (start, end), value in fields.items():
        raw = value.encode("utf-16-le")
        assert len(raw) <= end - start, (start, end, value)
        buf[start:start + len(raw)] = raw
    buf[248:250] = flag.encode("utf-16-le")
    return bytes(buf)


RESIDENT_FIELDS = {(0, 30): "张 三丰", (30, 32): "1", (32, 36): "56", (36, 52): "19491231",
                   (52, 122): "北京市东城区某街1号", (122, 158): "11010519491231002X",
                   (158, 188): "北京市公安局东城分局", (188, 204): "20200101", (204, 220): "20400101"}


def test_resident_offsets_from_the_issue_table():
    r = parse_text(_block(RESIDENT_FIELDS))
    assert r.card_type is CardType.RESIDENT
    assert (r.name, r.gender, r.nation_code, r.nation) == ("张 三丰", "男", "56", "基诺")
    assert r.birth_date == dt.date(1949, 12, 31) and r.address == "北京市东城区某街1号"
    assert r.id_number == "11010519491231002X" and r.id_number_valid
    assert r.authority == "北京市公安局东城分局"
    assert (r.valid_from, r.valid_to) == (dt.date(2020, 1, 1), dt.date(2040, 1, 1))


def test_hk_mo_tw_offsets_from_the_issue_table():
    fields = {**RESIDENT_FIELDS, (32, 36): ""}
    fields[(220, 238)] = "H12345678"
    fields[(238, 242)] = "03"
    r = parse_text(_block(fields, "J"))
    assert r.card_type is CardType.HK_MO_TW
    assert (r.pass_number, r.issue_count, r.name) == ("H12345678", "03", "张 三丰")
    assert r.id_number == "11010519491231002X" and r.valid_to == dt.date(2040, 1, 1)


def test_foreign_2017_offsets_from_the_issue_table():
    r = parse_text(_block({(0, 120): "O'BRIEN  ANNE MARIE", (120, 122): "2", (122, 152): "IRL110075060112",
                           (152, 158): "IRL", (158, 188): "安妮", (188, 204): "20170601", (204, 220): "20270601",
                           (220, 236): "19750601", (236, 240): "20", (240, 248): "1100"}, "I"))
    assert r.card_type is CardType.FOREIGN_2017
    assert (r.name_en, r.name, r.gender) == ("O'BRIEN  ANNE MARIE", "安妮", "女")
    assert (r.id_number, r.nationality) == ("IRL110075060112", "IRL") and r.id_number_valid
    assert (r.valid_from, r.valid_to, r.birth_date) == (dt.date(2017, 6, 1), dt.date(2027, 6, 1),
                                                        dt.date(1975, 6, 1))
    assert (r.card_version, r.authority_code) == ("20", "1100")


def test_foreign_2023_offsets_from_the_issue_table():
    r = parse_text(_block({(0, 30): "安娜", (30, 32): "2", (32, 36): "01", (36, 52): "19900228",
                           (52, 122): "VAN DER BERG, ANNA MARIA CHRISTINA", (122, 158): "91152819900228006X",
                           (188, 204): "20240101", (204, 220): "长期", (220, 242): "",
                           (242, 248): "NLD", (250, 256): "NLD"}, "Y"))
    assert r.card_type is CardType.FOREIGN_2023
    assert (r.name, r.name_en, r.gender) == ("安娜", "VAN DER BERG, ANNA MARIA CHRISTINA", "女")
    assert (r.issue_count, r.birth_date) == ("01", dt.date(1990, 2, 28))
    assert r.id_number == "91152819900228006X" and r.id_number_valid
    assert (r.valid_from, r.valid_to) == (dt.date(2024, 1, 1), "长期")
    assert (r.nationality, r.previous_card) == ("NLD", "NLD")


@pytest.mark.parametrize("flag,kind", [("J", CardType.HK_MO_TW), ("I", CardType.FOREIGN_2017),
                                       ("Y", CardType.FOREIGN_2023), (" ", CardType.RESIDENT),
                                       ("j", CardType.RESIDENT), ("X", CardType.RESIDENT)])
def test_card_type_is_the_character_at_byte_248(flag, kind):
    assert cardtext.card_type_of(_block({}, flag)) is kind


def test_flag_one_character_off_is_not_a_card_type():
    for pos in (246, 250):
        block = bytearray(_block({}))
        block[pos:pos + 2] = "J".encode("utf-16-le")
        assert cardtext.card_type_of(bytes(block)) is CardType.RESIDENT


def test_nul_padding_is_stripped_like_spaces():
    block = bytearray(_block(RESIDENT_FIELDS))
    block[0:30] = "李四".encode("utf-16-le").ljust(30, b"\0")
    assert parse_text(bytes(block)).name == "李四"
