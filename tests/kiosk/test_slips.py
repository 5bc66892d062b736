"""The hut's slips: filled from data, Chinese first then English, the ID
masked wherever printed, and fitting both paper widths."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest

from drivers.printer.encode import encode
from drivers.printer.paper import slips_from_bytes
from drivers.printer.profiles import BUILTIN, resolve
from drivers.printer.slip import QR, layout, plain_text, text_width
from kiosk import slips

ID = "230108195001011234"
WHEN = dt.datetime(2026, 11, 26, 17, 30)
APPLICATION = {"number": "A20261126-0001", "matter": "老年人优待证办理", "matter_en": "Senior citizen card",
               "id_number": ID, "name": "张建国", "time": WHEN, "hut": "天河小屋",
               "tracking_url": "https://hut.example.cn/t/A20261126-0001",
               "notes": ["联系电话 13812345678 已登记"]}
REQUEST = {"number": "SQ20261207000123", "type": "求助", "type_en": "Help", "topic": "道路照明",
           "topic_en": "Roads and lighting", "limit_days": 10, "confirmed": True, "phone": "13812345678",
           "name": "张建国", "time": WHEN, "hut": "天河小屋", "tracking_url": "HUTAPP:SQ20261207000123:0123456789abcdef"}
DATA = {
    "application_receipt": APPLICATION,
    "request_receipt": REQUEST,
    "service_guide": {"matter": "居住证明开具", "matter_en": "Certificate of residence",
                      "materials": ["身份证原件 ID card", "户口簿 Household register"],
                      "steps": ["在小屋提交申请", "3个工作日内短信通知"], "where": "街道便民服务中心",
                      "hours": "周一至周五 9:00-17:00", "phone": "0411-12345678",
                      "url": "https://hut.example.cn/guide/12"},
    "health_report": {"id_number": ID, "name": "张建国", "time": WHEN, "hut": "天河小屋", "queued": True,
                      "qr": "HK1|2026-11-26T17:30+08:00|BP=128/82;P=72;GLU=7.9F", "results": [
        {"item": "血压", "item_en": "Blood pressure", "value": "128/82", "unit": "mmHg", "flag": "normal"},
        {"item": "血糖", "item_en": "Blood glucose", "value": "7.9", "unit": "mmol/L", "flag": "high"}]},
    "provisioning_report": {"terminal_id": "DL-TH-0007", "terminal_name": "天河小屋", "platform_url":
                            "https://platform.example.cn", "software": "0.1.0", "technician": "T-042",
                            "time": WHEN, "devices": {"printer": {"status": "online", "summary": "OK"},
                                                      "idcard": {"status": "offline", "summary": "no answer"}}},
    "counter_note": {"matter": "最低生活保障申请", "matter_en": "Minimum living allowance", "name": "李建国",
                     "id_number": ID, "reason": "not_same_person", "time": WHEN, "hut": "天河小屋"},
}


def lines_of(receipt, columns):
    return [ln for ln in plain_text(layout(receipt, columns), columns)]


@pytest.mark.parametrize("kind", list(slips.SLIPS))
@pytest.mark.parametrize("profile", sorted(BUILTIN))
def test_every_slip_fits_the_paper_and_prints(kind, profile):
    prof = resolve({"profile": profile})
    receipt = slips.build(kind, DATA[kind])
    lines = lines_of(receipt, prof.columns)
    assert all(text_width(ln) <= prof.columns for ln in lines)
    (slip,) = slips_from_bytes(encode(receipt, prof).data, prof.encoding, not prof.image_fallback, prof.dots)
    assert slip.printed_anything


@pytest.mark.parametrize("kind", ["application_receipt", "health_report"])
def test_id_number_is_masked_first_6_last_4_and_never_printed_whole(kind):
    receipt = slips.build(kind, DATA[kind])
    text = "\n".join(lines_of(receipt, 48))
    assert "230108********1234" in text
    assert ID not in text
    for profile in BUILTIN.values():
        data = encode(receipt, profile).data
        assert ID.encode() not in data and b"19500101" not in data


# Where an ID number could reach each slip besides its ID field: a typed
# remark, a matter name from the platform, a device summary, a check result.
STRAY_ID = {
    "application_receipt": {**APPLICATION, "matter": f"代办 {ID}", "notes": [f"证件 {ID}"], "hut": ID},
    "service_guide": {**DATA["service_guide"], "steps": [f"持证 {ID} 办理"], "where": ID},
    "request_receipt": {**REQUEST, "topic": f"代办 {ID}", "hut": ID},
    "health_report": {**DATA["health_report"], "results": [{"item": ID, "value": ID, "unit": "", "flag": None}]},
    "provisioning_report": {**DATA["provisioning_report"], "technician": ID, "checks": [f"卡 {ID} 读取 OK"],
                            "devices": {"idcard": {"status": "online", "summary": f"last card {ID}"}}},
    "counter_note": {**DATA["counter_note"], "matter": f"代办 {ID}", "hut": ID},
}


@pytest.mark.parametrize("kind", list(slips.SLIPS))
@pytest.mark.parametrize("language", slips.LANGUAGES)
def test_an_id_number_is_masked_wherever_it_is_printed_on_every_slip(kind, language):
    receipt = slips.build(kind, STRAY_ID[kind], language)
    text = "\n".join(lines_of(receipt, 80))  # wide enough that no number is wrapped apart
    assert "230108********1234" in text
    assert ID not in text and "19500101" not in text
    for profile in BUILTIN.values():
        assert b"19500101" not in encode(receipt, profile).data


def test_a_request_receipt_has_number_type_topic_limit_qr_and_the_phone_masked():
    text = "\n".join(lines_of(slips.request_receipt(REQUEST), 48))
    for words in ("诉求编号", "SQ20261207000123", "求助", "道路照明", "10个工作日", "138****5678", "张**"):
        assert words in text
    assert "13812345678" not in text
    anonymous = "\n".join(lines_of(slips.request_receipt({**REQUEST, "anonymous": True, "confirmed": False}), 48))
    assert "匿名" in anonymous and "张" not in anonymous and "网络恢复后将自动发送" in anonymous


def test_the_guide_enquiry_number_is_printed_whole():
    text = "\n".join(lines_of(slips.service_guide({"matter": "x", "phone": "13812345678"}), 48))
    assert "13812345678" in text  # a public enquiry line, not a resident's number


@pytest.mark.parametrize("kind,data,names", [
    ("application_receipt", [("number", "A1")], "object"),
    ("application_receipt", {**APPLICATION, "notes": "one note"}, '"notes"'),
    ("service_guide", {"matter": "x", "materials": 3}, '"materials"'),
    ("health_report", {"results": ["128/82"]}, '"results" item 1'),
    ("provisioning_report", {"terminal_id": "T", "devices": ["printer"]}, '"devices"'),
])
def test_data_of_the_wrong_shape_is_a_clear_error_naming_the_field(kind, data, names):
    with pytest.raises(ValueError) as bad:
        slips.build(kind, data)
    assert names in str(bad.value)


def test_application_receipt_has_number_matter_time_and_tracking_qr():
    receipt = slips.application_receipt(APPLICATION)
    text = "\n".join(lines_of(receipt, 48))
    assert "受理回执" in text and "Application receipt" in text
    assert text.index("受理回执") < text.index("Application receipt")  # Chinese first
    assert "A20261126-0001" in text and "老年人优待证办理 Senior citizen card" in text
    assert "2026-11-26 17:30" in text and "张**" in text and "张建国" not in text
    assert "138****5678" in text and "13812345678" not in text  # free text is redacted too
    assert [b.data for b in receipt.blocks if isinstance(b, QR)] == [APPLICATION["tracking_url"]]


def test_application_receipt_qr_scans_on_the_rendered_slip():
    prof = resolve()
    (slip,) = slips_from_bytes(encode(slips.application_receipt(APPLICATION), prof).data, prof.encoding, True,
                               prof.dots)
    data, _, _ = cv2.QRCodeDetector().detectAndDecode(np.array(slip.render().convert("RGB")))
    assert data == APPLICATION["tracking_url"]


def test_single_language_slips():
    zh = "\n".join(lines_of(slips.application_receipt(APPLICATION, "zh"), 48))
    en = "\n".join(lines_of(slips.application_receipt(APPLICATION, "en"), 48))
    assert "受理编号" in zh and "No." not in zh and "Senior citizen card" not in zh
    assert "No." in en and "受理编号" not in en and "Senior citizen card" in en


def test_health_report_flags_values_and_says_not_a_diagnosis():
    text = "\n".join(lines_of(slips.health_report(DATA["health_report"]), 48))
    assert "7.9 mmol/L (偏高 high)" in text and "128/82 mmHg (正常 normal)" in text
    assert "不作诊断依据" in text


def test_provisioning_report_lists_devices_with_their_trouble():
    text = "\n".join(lines_of(slips.provisioning_report(DATA["provisioning_report"]), 48))
    assert "DL-TH-0007" in text and "offline (no answer)" in text


def test_missing_data_and_bad_language_are_clear_errors():
    with pytest.raises(ValueError, match="tracking_url"):
        slips.application_receipt({"number": "A1", "matter": "x"})
    with pytest.raises(ValueError, match="language"):
        slips.service_guide({"matter": "x"}, language="fr")
    with pytest.raises(ValueError, match="application_receipt"):
        slips.build("menu", {})


def _health_visit_slip(name=None, id_number=None, queued=False):
    from drivers.health.records import Kind, measurement
    from kiosk.checkup import classify
    from kiosk.checkup.visit import Visit

    at = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    visit = Visit("ab" * 32 if id_number else None, classify.GlucoseContext.AFTER_MEAL, "female")
    visit.give_consent(at)
    visit.keep_records("blood_pressure", [measurement(Kind.SYSTOLIC, 184, b"", time=at),
                                          measurement(Kind.DIASTOLIC, 96, b"", time=at),
                                          measurement(Kind.PULSE, 88, b"", time=at)])
    visit.keep_records("height_weight", [measurement(Kind.WEIGHT, 63.5, b"", time=at),
                                         measurement(Kind.HEIGHT, 165.0, b"", time=at)])
    visit.keep_records("waist", [measurement(Kind.WAIST, 82.0, b"", time=at)])
    visit.keep_records("temperature", [measurement(Kind.TEMPERATURE, 36.6, b"", time=at)])
    visit.keep_records("spo2", [measurement(Kind.SPO2, 97, b"", time=at)])
    visit.keep_records("glucose", [measurement(Kind.GLUCOSE, 9.2, b"", time=at)])
    return visit.slip_data(classify.load_table(), name, id_number, hut="天河小屋", queued=queued)


def test_health_slip_masks_identity_and_says_what_each_value_means():
    data = _health_visit_slip("张建国", ID, queued=True)
    text = "\n".join(lines_of(slips.health_report(data), 48))
    assert "张**" in text and "230108********1234" in text and "张建国" not in text and ID not in text
    assert "天河小屋" in text and "仅供参考，不作诊断依据" in text
    assert "184 mmHg" in text and "3级高血压（重度）" in text and "糖耐量异常" in text and "82.0 cm" in text
    assert "中心型肥胖前期" in text and "23.3 kg/m²" in text    # a woman's 82 cm
    assert text.count("请今天就医 See a doctor today") == 1       # the blood pressure, nothing else
    assert text.index("3级高血压") < text.index("请今天就医") < text.index("身高")   # right under its item
    assert "网络恢复后记录将自动发送" in text


def test_health_slip_qr_holds_the_values_and_nothing_of_the_resident():
    data = _health_visit_slip("张建国", ID)
    assert data["qr"].split("|")[2] == "BP=184/96;P=88;WT=63.5;HT=165.0;BMI=23.3;WC=82.0;T=36.6;SPO2=97;GLU=9.2A"
    receipt = slips.health_report(data)
    assert [b.data for b in receipt.blocks if isinstance(b, QR)] == [data["qr"]]
    prof = resolve({"profile": "generic58-cn"})   # the narrow paper
    (slip,) = slips_from_bytes(encode(receipt, prof).data, prof.encoding, True, prof.dots)
    scanned, _, _ = cv2.QRCodeDetector().detectAndDecode(np.array(slip.render().convert("RGB")))
    assert scanned == data["qr"]
    assert not any(x in scanned for x in ("张", "1234", "ab" * 32))
    assert "网络恢复后" not in "\n".join(lines_of(receipt, 48))     # not queued: no "will be sent" line


def test_an_anonymous_health_slip_carries_no_name_and_no_id():
    text = "\n".join(lines_of(slips.health_report(_health_visit_slip()), 48))
    assert "姓名" not in text and "证件号码" not in text and "Name" not in text
    assert "184 mmHg" in text and "仅供参考" in text
