"""The slips a hut prints, filled from data: application receipt, service
guide, health report, technician's provisioning report.  (The printer test
slip is the driver's, drivers/printer/testslip.py: the driver prints it too.)

Every label is Chinese first, English second (a resident reads the first
line; a visitor or an English-reading relative the second), or one language
when the terminal is told so.  ID numbers are masked here, once, with
``kiosk.privacy.mask_id`` (first 6, last 4), and every other text on the
slip goes through ``redact`` so an ID or mobile number that found its way
into a remark, a matter name or a device summary cannot reach paper.  Data
of the wrong shape is a ``ValueError`` naming the field, never a crash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable, Mapping

from drivers.printer.slip import QR, Cut, Feed, Rows, Separator, Slip, Text, Title
from kiosk.privacy import mask_id, mask_name, redact

LANGUAGES = ("both", "zh", "en")
RECEIPT_QR_MODULE = 8   # dots per QR module on the application receipt

LABELS: dict[str, tuple[str, str]] = {
    "application_title": ("受理回执", "Application receipt"),
    "guide_title": ("办事指南", "Service guide"),
    "health_title": ("健康自测报告", "Health check report"),
    "provisioning_title": ("终端安装报告", "Terminal provisioning report"),
    "counter_title": ("请到服务台核验身份", "Please see the counter to confirm your identity"),
    "face_check": ("人证核验", "Face check"),
    "number": ("受理编号", "No."),
    "matter": ("办理事项", "Matter"),
    "name": ("姓名", "Name"),
    "id": ("证件号码", "ID"),
    "time": ("时间", "Time"),
    "hut": ("服务小屋", "Hut"),
    "terminal": ("终端", "Terminal"),
    "technician": ("技术人员", "Technician"),
    "platform": ("平台地址", "Platform"),
    "software": ("软件版本", "Software"),
    "conditions": ("申请条件", "Who can apply"),
    "materials": ("所需材料", "Documents to bring"),
    "department": ("受理部门", "Department"),
    "promised": ("承诺时限", "Processing time"),
    "fee": ("收费标准", "Fee"),
    "steps": ("办理流程", "Steps"),
    "where": ("办理地点", "Where"),
    "hours": ("办理时间", "Opening hours"),
    "phone": ("咨询电话", "Enquiries"),
    "office": ("窗口", "Office"),
    "address": ("地址", "Address"),
    "counter_office": ("原件及补交材料请到", "Originals and papers brought later go to"),
    "devices": ("设备状态", "Devices"),
    "scan_track": ("扫码查询办理进度", "Scan to track your application"),
    "scan_guide": ("扫码查看完整指南", "Scan for the full guide"),
    "keep": ("请妥善保管本回执", "Please keep this receipt"),
    "health_note": ("本结果仅供参考，不作诊断依据", "For reference only, not a diagnosis"),
    "health_urgent": ("请今天就医", "See a doctor today"),
    "health_queued": ("网络恢复后记录将自动发送", "The record will be sent automatically"),
    "scan_health": ("家庭医生可扫码读取本次数值", "Your family doctor's app can scan these values"),
    "request_title": ("诉求受理回执", "Request receipt"),
    "request_number": ("诉求编号", "Request No."),
    "request_type": ("诉求类型", "Type"),
    "request_topic": ("诉求事项", "Topic"),
    "request_limit": ("答复时限", "Answer within"),
    "contact_phone": ("联系电话", "Contact phone"),
    "anonymous": ("匿名", "Anonymous"),
    "request_online": ("已送达平台，请等待部门答复", "Received by the platform; the department will answer"),
    "request_queued": ("网络恢复后将自动发送", "It will be sent automatically when the network is back"),
    "scan_request": ("扫码或到小屋查询答复", "Scan here or at a hut to read the answer"),
    "request_anonymous_note": ("匿名诉求只能凭本回执二维码查询", "An anonymous request is found only by this slip's QR "
                               "code"),
    "normal": ("正常", "normal"),
    "high": ("偏高", "high"),
    "low": ("偏低", "low"),
}


def label(key: str, language: str = "both") -> str:
    zh, en = LABELS[key]
    return {"zh": zh, "en": en}.get(language, f"{zh} {en}")


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return language


def _when(value: Any) -> str:
    if value is None:
        value = dt.datetime.now()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _require(data: Mapping[str, Any], *keys: str) -> None:
    if not isinstance(data, Mapping):
        raise ValueError("slip data must be an object (a JSON object / dict) with the slip's fields")
    missing = [k for k in keys if not data.get(k)]
    if missing:
        raise ValueError("slip data lacks " + ", ".join(missing))


def _list(data: Mapping[str, Any], key: str) -> list:
    """A list field; a string or a number here is a mistake in the data
    (printing it letter by letter, or failing later, would hide it)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f'"{key}" must be a list, not {type(value).__name__}')
    return list(value)


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f'"{key}" must be an object of name: value, not {type(value).__name__}')
    return value


def _masked(slip: Slip, keep: Iterable[str] = ()) -> Slip:
    """Every text on the slip with ID and mobile numbers masked, whatever
    field it came from (a matter name, a device summary, a remark): the ID
    fields are masked with ``mask_id`` already, this catches the rest.
    ``keep`` holds values printed as they are (a guide's enquiry number)."""
    keep = set(keep)

    def clean(text: str) -> str:
        return text if text in keep else redact(text)

    blocks = []
    for block in slip.blocks:
        if isinstance(block, Title):
            block = Title(clean(block.text), block.align)
        elif isinstance(block, Text):
            block = Text(clean(block.text), block.align, block.bold)
        elif isinstance(block, Rows):
            block = Rows((clean(k), clean(v)) for k, v in block.rows)
        blocks.append(block)
    return Slip(blocks)


def _bilingual(data: Mapping[str, Any], key: str, language: str) -> str:
    """``matter`` / ``matter_en`` style fields in the wanted language(s)."""
    zh, en = str(data.get(key, "") or ""), str(data.get(key + "_en", "") or "")
    if language == "zh" or not en:
        return zh or en
    if language == "en":
        return en
    return f"{zh} {en}" if zh else en


def _item_lines(data: Mapping[str, Any], key: str, language: str) -> list[str]:
    """A list field with its English twin (``conditions`` / ``conditions_en``,
    parallel): each item in the wanted language(s); an item without English is
    Chinese alone, whatever the language (never a half-translated line)."""
    zh_items, en_items = _list(data, key), _list(data, key + "_en")
    lines = []
    for i, zh in enumerate(zh_items, 1):
        en = str(en_items[i - 1]) if i - 1 < len(en_items) and en_items[i - 1] else ""
        if language == "en" and en:
            lines.append(f"{i}. {en}")
        elif language == "both" and en:
            lines += [f"{i}. {zh}", f"   {en}"]
        else:
            lines.append(f"{i}. {zh}")
    return lines


def office_rows(office: Mapping[str, Any], language: str) -> list[tuple[str, str]]:
    """An office (name, address, phone, hours, each with ``_en``) as slip rows."""
    if not office:
        return []
    rows = [(label(key, language), _bilingual(office, field, language))
            for key, field in (("office", "name"), ("address", "address")) if office.get(field)]
    if office.get("phone"):
        rows.append((label("phone", language), str(office["phone"])))
    if office.get("hours"):
        rows.append((label("hours", language), _bilingual(office, "hours", language)))
    return rows


def _title(key: str, language: str) -> list:
    if language == "both":
        zh, en = LABELS[key]
        return [Title(zh), Text(en, "center", bold=True)]
    return [Title(label(key, language))]


def _lines(items: Iterable[Any]) -> list[Text]:
    return [Text(str(item)) for item in items]


def application_receipt(data: Mapping[str, Any], language: str = "both") -> Slip:
    """data: number, matter (+ matter_en), id_number, time, tracking_url,
    optional name, hut, notes, office (name, address, phone, hours, each with
    ``_en``: where the originals and the papers brought later go)."""
    _require(data, "number", "matter", "tracking_url")
    lang = _check_language(language)
    rows = [(label("number", lang), str(data["number"])), (label("matter", lang), _bilingual(data, "matter", lang))]
    if data.get("name"):
        rows.append((label("name", lang), mask_name(str(data["name"]))))
    if data.get("id_number"):
        rows.append((label("id", lang), mask_id(str(data["id_number"]))))
    rows.append((label("time", lang), _when(data.get("time"))))
    if data.get("hut"):
        rows.append((label("hut", lang), str(data["hut"])))
    slip = Slip([*_title("application_title", lang), Separator(), Rows(rows), Separator()])
    slip.add(*_lines(_list(data, "notes")))
    office = _table(data, "office")
    if office:
        slip.add(Text(label("counter_office", lang) + ":", bold=True), Rows(office_rows(office, lang)), Separator())
    # Modules of 8 dots (1 mm): a queued slip's code (serial and slip code, 50 characters) reads as well,
    # under a camera and on an old phone, as the short numbers did at the printer's usual 6.
    slip.add(Text(label("scan_track", lang), "center"), QR(str(data["tracking_url"]), size=RECEIPT_QR_MODULE),
                Text(label("keep", lang), "center"), Feed(2), Cut())
    return _masked(slip, keep=[str(office["phone"])] if office.get("phone") else [])


def request_receipt(data: Mapping[str, Any], language: str = "both") -> Slip:
    """data: number, type (+ type_en), topic (+ topic_en), limit_days,
    tracking_url, optional confirmed, phone (masked here), name (masked),
    anonymous, time, hut.  No description and no photo: the slip may be lost."""
    _require(data, "number", "type", "topic", "tracking_url")
    lang = _check_language(language)
    rows = [(label("request_number", lang), str(data["number"])),
            (label("request_type", lang), _bilingual(data, "type", lang)),
            (label("request_topic", lang), _bilingual(data, "topic", lang))]
    days = data.get("limit_days")
    if isinstance(days, int) and days > 0:
        rows.append((label("request_limit", lang), _days(days, lang)))
    if data.get("anonymous"):
        rows.append((label("name", lang), label("anonymous", lang)))
    elif data.get("name"):
        rows.append((label("name", lang), mask_name(str(data["name"]))))
    if data.get("phone"):
        rows.append((label("contact_phone", lang), mask_phone(str(data["phone"]))))
    rows.append((label("time", lang), _when(data.get("time"))))
    if data.get("hut"):
        rows.append((label("hut", lang), str(data["hut"])))
    slip = Slip([*_title("request_title", lang), Separator(), Rows(rows), Separator()])
    notes = [label("request_online" if data.get("confirmed") else "request_queued", lang)]
    if data.get("anonymous"):
        notes.append(label("request_anonymous_note", lang))
    slip.add(*_lines(notes))
    slip.add(Text(label("scan_request", lang), "center"), QR(str(data["tracking_url"]), size=RECEIPT_QR_MODULE),
             Text(label("keep", lang), "center"), Feed(2), Cut())
    return _masked(slip)


def mask_phone(phone: str) -> str:
    """138****5678; a landline keeps its first 3 and last 2 digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"{digits[:3]}{'*' * (len(digits) - 5)}{digits[-2:]}" if len(digits) > 5 else "*" * len(digits)


def _days(days: int, lang: str) -> str:
    zh, en = f"{days}个工作日", f"{days} working days"
    return zh if lang == "zh" else en if lang == "en" else f"{zh} / {en}"


def service_guide(data: Mapping[str, Any], language: str = "both") -> Slip:
    """data: matter (+ matter_en), conditions [..], materials [..], steps [..]
    (each list with an optional parallel ``_en`` list), optional department,
    promised, fee, where, hours (each with an optional ``_en``), phone, url,
    office (where the counter steps happen: name, address, phone, hours)."""
    _require(data, "matter")
    lang = _check_language(language)
    slip = Slip([*_title("guide_title", lang), Text(_bilingual(data, "matter", lang), "center", bold=True),
                       Separator()])
    for key in ("conditions", "materials", "steps"):
        lines = _item_lines(data, key, lang)
        if lines:
            slip.add(Text(label(key, lang) + ":", bold=True))
            slip.add(*_lines(lines))
    rows = [(label(k, lang), _bilingual(data, k, lang)) for k in ("department", "promised", "fee", "where", "hours")
            if data.get(k)]
    if data.get("phone"):
        rows.append((label("phone", lang), str(data["phone"])))
    if rows:
        slip.add(Separator(), Rows(rows))
    office = _table(data, "office")
    if office:
        slip.add(Separator(), Text(label("counter_office", lang) + ":", bold=True), Rows(office_rows(office, lang)))
    if data.get("url"):
        slip.add(Text(label("scan_guide", lang), "center"), QR(str(data["url"])))
    slip.add(Feed(2), Cut())
    keep = [str(v) for v in (data.get("phone"), office.get("phone")) if v]
    return _masked(slip, keep=keep)


FACE_CHECK_REASONS: dict[str, tuple[str, str]] = {
    "not_live": ("未能完成眨眼、转头动作", "the blink and head turns were not seen"),
    "no_face": ("未检测到人脸", "no face was found"),
    "not_same_person": ("人像与证件照片不一致", "the face did not match the card photo"),
    "declined": ("本人选择到服务台核验", "the resident chose the counter"),
    "unavailable": ("本终端现在无法核验", "the check cannot run at this terminal now"),
}


def counter_note(data: Mapping[str, Any], language: str = "both") -> Slip:
    """The note a resident takes to the counter when the face check did not
    pass here: matter, masked name and ID, why, when.  data: matter (+ matter_en),
    id_number, reason (a key of ``FACE_CHECK_REASONS``), time, optional name, hut."""
    _require(data, "matter", "reason")
    lang = _check_language(language)
    zh, en = FACE_CHECK_REASONS.get(str(data["reason"]), (str(data["reason"]), str(data["reason"])))
    why = {"both": f"{zh} / {en}", "zh": zh, "en": en}[lang]
    rows = [(label("matter", lang), _bilingual(data, "matter", lang))]
    if data.get("name"):
        rows.append((label("name", lang), mask_name(str(data["name"]))))
    if data.get("id_number"):
        rows.append((label("id", lang), mask_id(str(data["id_number"]))))
    rows += [(label("face_check", lang), why), (label("time", lang), _when(data.get("time")))]
    if data.get("hut"):
        rows.append((label("hut", lang), str(data["hut"])))
    slip = Slip([*_title("counter_title", lang), Separator(), Rows(rows), Feed(2), Cut()])
    return _masked(slip)


def health_report(data: Mapping[str, Any], language: str = "both") -> Slip:
    """data: results [{"item", "item_en", "value", "unit", "flag"}, optional
    "value_en" when the value is words, "urgent" when it means seeing a
    doctor today], time, optional id_number, name (an anonymous check has
    neither), hut, queued (the record waits in the outbox), qr (the values
    for a family doctor's app, ``kiosk.checkup.record.qr_text``).  Health data
    is sensitive: printed for the resident only, never stored or logged."""
    _require(data, "results")
    lang = _check_language(language)
    rows = []
    if data.get("name"):
        rows.append((label("name", lang), mask_name(str(data["name"]))))
    if data.get("id_number"):
        rows.append((label("id", lang), mask_id(str(data["id_number"]))))
    rows.append((label("time", lang), _when(data.get("time"))))
    if data.get("hut"):
        rows.append((label("hut", lang), str(data["hut"])))
    slip = Slip([*_title("health_title", lang), Separator(), Rows(rows), Separator()])
    results: list[tuple[str, str]] = []
    for i, r in enumerate(_list(data, "results"), 1):
        if not isinstance(r, Mapping):
            raise ValueError(f'"results" item {i} must be an object with item, value, unit and flag')
        flag = r.get("flag")
        value = f"{r.get('value', '')} {r.get('unit', '')}".strip()
        if r.get("value_en"):  # words rather than a number (a classification)
            value = _bilingual({"value": value, "value_en": r["value_en"]}, "value", lang)
        if flag in ("normal", "high", "low"):
            value += f" ({label(flag, lang)})"
        results.append((_bilingual({"item": r.get("item", ""), "item_en": r.get("item_en", "")}, "item", lang),
                        value))
        if r.get("urgent") is True:
            slip.add(Rows(results), Text("!! " + label("health_urgent", lang), bold=True))
            results = []
    if results:
        slip.add(Rows(results))
    slip.add(Separator(), Text(label("health_note", lang)))
    if data.get("queued"):
        slip.add(Text(label("health_queued", lang)))
    if data.get("qr"):
        slip.add(Text(label("scan_health", lang), "center"), QR(str(data["qr"]), size=RECEIPT_QR_MODULE))
    slip.add(Feed(2), Cut())
    return _masked(slip)


def _device_rows(devices: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    rows = []
    for name, dev in devices.items():
        if isinstance(dev, Mapping):
            status = str(dev.get("status", "unknown"))
            summary = dev.get("summary") or dev.get("health")
            rows.append((str(name), status + (f" ({summary})" if summary and summary != "OK" else "")))
        else:
            rows.append((str(name), str(dev)))
    return rows


def provisioning_report(data: Mapping[str, Any], language: str = "both") -> Slip:
    """data: terminal_id, terminal_name, platform_url, software, technician,
    time, devices {name: {"status", "summary"}}, optional checks [..]."""
    _require(data, "terminal_id")
    lang = _check_language(language)
    rows = [(label("terminal", lang), str(data["terminal_id"]))]
    if data.get("terminal_name"):
        rows.append((label("hut", lang), str(data["terminal_name"])))
    for key, field in (("platform", "platform_url"), ("software", "software"), ("technician", "technician")):
        if data.get(field):
            rows.append((label(key, lang), str(data[field])))
    rows.append((label("time", lang), _when(data.get("time"))))
    slip = Slip([*_title("provisioning_title", lang), Separator(), Rows(rows), Separator(),
                       Text(label("devices", lang) + ":", bold=True), Rows(_device_rows(_table(data, "devices"), lang))])
    if data.get("checks"):
        slip.add(Separator(), *_lines(_list(data, "checks")))
    slip.add(Feed(2), Cut())
    return _masked(slip)


SLIPS: dict[str, Callable[..., Slip]] = {
    "application_receipt": application_receipt,
    "request_receipt": request_receipt,
    "service_guide": service_guide,
    "health_report": health_report,
    "provisioning_report": provisioning_report,
    "counter_note": counter_note,
}


def build(kind: str, data: Mapping[str, Any], language: str = "both") -> Slip:
    """A slip by name, for data-driven callers (the CLI, flows)."""
    try:
        template = SLIPS[kind]
    except KeyError:
        raise ValueError(f"unknown slip {kind!r}; slips: {', '.join(SLIPS)}") from None
    return template(data, language)
