"""One application as the progress screen lists it: the platform's status in
words (what it means, what to do next), what the resident must still bring
and by when, the promised date, and whether it can still be withdrawn.

An item comes from the platform's answer (``from_platform``) or, for an
application the platform has not received yet, from this hut's outbox
(``from_outbox``).  Every text is Chinese with its English; dates are
ISO days the screen words in either language (``date_words``).  No personal
data: numbers, the matter, statuses and paper names only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.filing.catalog import Catalog, Office
from kiosk.outbox.withdrawals import LocalApplication

# The platform's statuses: (name zh, en, what it means zh, en, what to do zh, en).
STATUS_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "受理": ("已受理", "Received", "申请已受理，等待审核", "Your application was received and waits for review",
           "请耐心等待，无需再次提交", "Please wait; there is no need to file it again"),
    "审核中": ("审核中", "Under review", "部门正在审核您的申请和材料", "The department is reviewing your application and papers",
            "请保持电话畅通，工作人员可能与您联系", "Keep your phone on: the staff may call you"),
    "办结": ("已办结", "Finished", "申请已办理完成", "Your application has been decided",
           "请按短信或电话通知领取结果", "Collect the result as the text message or call tells you"),
    "退回": ("已退回", "Returned", "申请被退回，需要补充或更正材料", "It was returned: a paper must be added or corrected",
           "请带身份证和相关材料到服务台", "Bring your ID card and the papers to the counter"),
    "撤回": ("已撤回", "Withdrawn", "您已撤回这份申请", "You withdrew this application",
           "如需办理，请重新申请", "To apply again, file it anew"),
}
# What this hut knows of an application the platform has not received, or of a withdrawal it holds.
LOCAL_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "queued": ("待送达", "Not received yet", "已在本小屋提交，平台尚未收到",
               "Sent from this hut, not yet received by the platform",
               "网络恢复后将自动发送，无需再次提交", "It will be sent by itself; there is no need to file it again"),
    "held": ("未能送达", "Could not be sent", "平台未能接收这份申请", "The platform could not take this application",
             "请到服务台咨询工作人员", "Please ask the staff at the counter"),
    "withdrawing": ("撤回中", "Withdrawal requested", "撤回申请已记录，将自动发送给平台",
                    "Your withdrawal is recorded and will be sent by itself",
                    "无需再次操作", "There is nothing more to do"),
}
_UNKNOWN_STATUS = ("处理中", "In progress", "申请正在处理", "Your application is being handled",
                   "如有疑问请到服务台咨询", "Ask at the counter if in doubt")
_WEEKDAYS_ZH = "一二三四五六日"


def date_zh(iso: str) -> str:
    """``2026-12-02`` -> ``2026年12月2日（星期三）`` ("" for "", the text itself if it is no date)."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS_ZH[day.weekday()]}）"


def date_en(iso: str) -> str:
    """``2026-12-02`` -> ``Wednesday 2 December 2026``."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day:%A} {day.day} {day:%B %Y}"


def date_words(iso: str, lang: str) -> str:
    return date_en(iso) if lang == "en" else date_zh(iso)


@dataclass(frozen=True)
class StatusItem:
    """One application, as the screen lists it (no personal data).

    ``number`` is the platform's (the local serial while it has none);
    ``serial`` the hut's serial when the resident came with a slip that shows
    it (both numbers are then shown); ``local``: still in this hut's outbox.
    ``papers_due``: (Chinese, English) names of the papers still to bring to
    ``office`` by ``papers_due_by``; then ``next_*`` says so."""

    number: str
    matter: str
    matter_en: str
    status: str                      # the platform's word (受理, 审核中, 办结, 退回, 撤回), or queued | held | withdrawing
    status_zh: str
    status_en: str
    meaning_zh: str
    meaning_en: str
    next_zh: str
    next_en: str
    received_on: str = ""            # YYYY-MM-DD
    promised_by: str = ""
    serial: str = ""
    local: bool = False
    withdrawable: bool = False
    papers_due: tuple[tuple[str, str], ...] = ()
    papers_due_by: str = ""
    office: Office | None = None

    @property
    def key(self) -> str:
        """What the resident points at (withdraw this one): the platform's number, else the serial."""
        return self.number or self.serial


def _words(status: str) -> tuple[str, str, str, str, str, str]:
    return STATUS_WORDS.get(status) or LOCAL_WORDS.get(status) or _UNKNOWN_STATUS


def _matter(catalog: Catalog | None, code: str) -> tuple[str, str, Any]:
    matter = catalog.matter(code) if catalog is not None and code else None
    return (matter.name, matter.name_en, matter) if matter else (code, code, None)


def _papers(a: dict, matter: Any) -> tuple[tuple[str, str], ...]:
    """The papers due, named by the platform (its catalog's names), else by ours."""
    names = {m.code: (m.name, m.name_en) for m in matter.materials} if matter is not None else {}
    out = []
    for paper in a.get("papers_due") or ():
        if isinstance(paper, dict):
            code = str(paper.get("code", ""))
            zh, en = str(paper.get("name") or names.get(code, (code, ""))[0]), str(paper.get("name_en") or "")
            out.append((zh, en or names.get(code, ("", ""))[1]))
    return tuple(out)


def from_platform(a: dict, catalog: Catalog | None, *, withdrawing: bool = False, serial: str = "") -> StatusItem:
    """The platform's ``ApplicationStatus`` (a missing field: an older platform,
    nothing due, not withdrawable).  ``withdrawing``: this hut holds a
    withdrawal of it not yet answered."""
    status = str(a.get("status", ""))
    shown = "withdrawing" if withdrawing and status not in ("撤回",) else status
    words = _words(shown)
    matter, matter_en, m = _matter(catalog, str(a.get("matter_code") or ""))
    papers = _papers(a, m) if shown not in ("withdrawing", "撤回") else ()
    due = str(a.get("papers_due_by") or "") if papers else ""
    next_zh, next_en = words[4], words[5]
    office = m.office if m is not None else None
    if papers:
        place_zh = office.name if office else "服务窗口"
        place_en = (office.name_en or office.name) if office else "the counter"
        next_zh = f"请于{date_zh(due)}前将{'、'.join(zh for zh, _ in papers)}交到{place_zh}"
        next_en = f"Bring {', '.join(en or zh for zh, en in papers)} to {place_en} by {date_en(due)}"
    return StatusItem(number=str(a.get("application_number", "")), matter=matter, matter_en=matter_en, status=shown,
                      status_zh=words[0], status_en=words[1], meaning_zh=words[2], meaning_en=words[3],
                      next_zh=next_zh, next_en=next_en, received_on=str(a.get("received_at") or "")[:10],
                      promised_by=str(a.get("promised_by") or ""), serial=serial,
                      withdrawable=a.get("withdrawable") is True and not withdrawing,
                      papers_due=papers, papers_due_by=due, office=office if papers else None)


def from_outbox(local: LocalApplication, catalog: Catalog | None) -> StatusItem:
    """An application this hut holds that the platform has not received: queued
    (withdrawable: it is taken out of the outbox, or a withdrawal follows it),
    refused by the platform (held, for the staff), withdrawn, or withdrawing."""
    status = {"pending": "queued", "dead": "held", "withdrawn": "撤回"}.get(local.state, "queued")
    if local.withdrawing and status == "queued":
        status = "withdrawing"
    words = _words(status)
    matter, matter_en, _m = _matter(catalog, local.matter_code)
    received = dt.date.fromtimestamp(local.created_at).isoformat() if local.created_at else ""
    return StatusItem(number=local.number, matter=matter, matter_en=matter_en, status=status, status_zh=words[0],
                      status_en=words[1], meaning_zh=words[2], meaning_en=words[3], next_zh=words[4],
                      next_en=words[5], received_on=received, serial=local.serial, local=True,
                      withdrawable=status in ("queued", "held"))
