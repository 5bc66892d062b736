"""Filing an application: the contract's body, the outbox, the number, the slip.

The app never talks to the platform itself: it enqueues the application in
the outbox (durable and encrypted before the resident sees a number) and the
outbox worker, another process, sends it.  What the resident leaves with:

* online: the worker usually confirms within a second or two, so the app
  waits a short, bounded time (``WAIT_SECONDS``) for the platform's number
  and access code, read back from the outbox (``Outbox.take_confirmation``);
* offline or slower than that: the local serial, and the words that the
  application will be sent by itself; the platform's number is then found
  with the ID card at any hut (progress query).

The slip's QR code holds the number and the access code
(``HUTAPP:<number>:<code>``), which the progress query reads back from the
camera.  A slip printed while the application is still queued carries the
local serial and the slip code the terminal drew at filing
(``HUTAPP:<serial>:<slip code>``): the application carries only the code's
hash (``slip_code_sha256``), so the slip alone proves the right to see it,
here from the outbox until it is sent and anywhere from the platform after.
A serial always has a ``-`` (``HUT-0007-261130-00001A3``), a platform number
never.  Slips printed before slip codes carry only the serial
(``HUTAPP:<serial>``), which the progress screen answers with "place your ID card".

Every function here blocks (disk, a bounded wait, the printer): the flows
call them inside ``Job.run`` on a worker thread, never in an intent.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol

from kiosk.filing.catalog import DocumentToSign, Material, Matter
from kiosk.filing.matters import office_data
from kiosk.filing.signature import SignedDocument
from kiosk.identity import Identity
from kiosk.outbox.store import Attachment, Confirmation, Outbox
from kiosk.outbox.withdrawals import slip_code_hash
from kiosk.privacy import IdHashKeys

log = logging.getLogger(__name__)

WAIT_SECONDS = 8.0          # how long the resident waits for the platform's number at most
POLL_SECONDS = 0.2
QR_PREFIX = "HUTAPP:"
_QR = re.compile(r"^HUTAPP:([A-Za-z0-9][A-Za-z0-9-]{0,63})(?::([0-9a-f]{16}))?$")


class SlipPrinter(Protocol):
    """What filing needs of a printer (``drivers.printer.device.ReceiptPrinter``)."""

    def print_receipt(self, receipt: Any, holder: str = ..., job_id: str | None = ...,
                      wait: float = ...) -> Any: ...


def new_slip_code() -> str:
    """The slip's own proof, drawn at filing (64 random bits, like the platform's access codes)."""
    return secrets.token_hex(8)


def application_body(matter: Matter, identity: Identity, form: Mapping[str, Any],
                     id_hash_keys: IdHashKeys | None = None, face_check: Mapping[str, Any] | None = None, *,
                     papers_later: Iterable[str] = (), slip_code: str = "",
                     signatures: Iterable[SignedDocument] = ()) -> dict:
    """The contract's Application without serial/attachments (the outbox adds
    them).  ``id_hash`` (under the district's current key, with its version)
    lets the resident find it later with their card at any hut; ``face_check``
    is the face check step's outcome (never a picture) for a matter that asks
    for it; ``papers_later`` the codes of the papers the resident brings to the
    counter later (the platform says by when); ``slip_code`` the slip's code,
    of which only the hash is sent; ``signatures`` the documents signed on the
    touchscreen (each: its signing record, fingerprint and strokes; their PNG
    and PDF go as attachments, ``SignedDocument.attachments``)."""
    applicant: dict[str, Any] = {"name": identity.name, "id_number": identity.id_number}
    if id_hash_keys and identity.id_number:
        applicant["id_hash"], applicant["id_hash_version"] = id_hash_keys.filing_hash(identity.id_number)
    phone = form.get("phone")
    if isinstance(phone, str) and re.fullmatch(r"[0-9+ -]{1,20}", phone):
        applicant["phone"] = phone
    body: dict[str, Any] = {"matter_code": matter.code, "applicant": applicant, "form": dict(form),
                            "card": identity.evidence.value}
    if face_check:
        body["face_check"] = dict(face_check)
    later = list(papers_later)
    if later:
        body["papers_later"] = later
    if slip_code:
        body["slip_code_sha256"] = slip_code_hash(slip_code)
    signed = [s.body_entry() for s in signatures]
    if signed:
        body["signatures"] = signed
    return body


@dataclass(frozen=True)
class Filed:
    """The outcome of a filing.  ``confirmed``: the platform's number came
    within the wait; otherwise ``number`` is the local serial.  ``error``: the
    outbox could not take it (full disk, broken key): nothing was filed."""

    serial: str = ""
    number: str = ""
    access_code: str = field(default="", repr=False)
    confirmed: bool = False
    error: str = ""
    slip_code: str = field(default="", repr=False)   # the queued slip's proof (its hash went with the application)

    @property
    def qr(self) -> str:
        if self.confirmed and self.access_code:
            return slip_qr(self.number, self.access_code)
        return slip_qr(self.serial, self.slip_code)


class Filing:
    """One application on its way to the outbox.  Holds the body and the
    pages only until ``run`` has enqueued them, so a job object that lingers
    in the app keeps no personal data alive."""

    def __init__(self, body: dict, attachments: Iterable[Attachment], slip_code: str = ""):
        self._body: dict | None = body
        self._attachments: list[Attachment] | None = list(attachments)
        self._slip_code = slip_code

    def __repr__(self) -> str:
        return f"Filing(held={self._body is not None})"

    def run(self, outbox: Outbox, wait: float = WAIT_SECONDS, *, poll: float = POLL_SECONDS,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Filed:
        """Enqueue, then wait up to ``wait`` seconds (0: do not wait) for the
        worker to confirm.  Never raises: an outbox failure is ``Filed.error``."""
        body, attachments, slip_code = self._body, self._attachments, self._slip_code
        self._slip_code = ""   # the slip's secret goes to the slip (Filed), not kept here
        if body is None or attachments is None:
            return Filed(error="already filed")
        try:
            queued = outbox.enqueue("application", body, attachments)
        except Exception as exc:  # the resident must see "ask the staff", not a frozen screen
            log.error("application could not be queued: %s", type(exc).__name__)
            return Filed(error=type(exc).__name__)
        finally:
            self._body = self._attachments = None
            del body, attachments
        confirmation = wait_for_confirmation(outbox, queued.serial, wait, poll=poll, clock=clock, sleep=sleep)
        if confirmation is None or not confirmation.number:
            return Filed(serial=queued.serial, number=queued.serial, slip_code=slip_code)
        return Filed(serial=queued.serial, number=confirmation.number, access_code=confirmation.access_code,
                     confirmed=True, slip_code=slip_code)


def wait_for_confirmation(outbox: Outbox, serial: str, wait: float, *, poll: float = POLL_SECONDS,
                          clock: Callable[[], float] = time.monotonic,
                          sleep: Callable[[float], None] = time.sleep) -> Confirmation | None:
    deadline = clock() + max(0.0, wait)
    while True:
        try:
            found = outbox.take_confirmation(serial)
        except Exception as exc:  # a locked database for longer than its timeout: give the serial
            log.warning("outbox: cannot read the confirmation of %s (%s)", serial, type(exc).__name__)
            return None
        if found is not None or clock() >= deadline:
            return found
        sleep(min(poll, max(0.0, deadline - clock())))


def slip_qr(number: str, access_code: str = "") -> str:
    return f"{QR_PREFIX}{number}:{access_code}" if access_code else f"{QR_PREFIX}{number}"


@dataclass(frozen=True)
class SlipProof:
    """What a slip's QR code says: the platform's number and its access code,
    or (``local``) the terminal's serial and the slip code drawn at filing."""

    number: str
    access_code: str = field(default="", repr=False)

    @property
    def local(self) -> bool:
        """A terminal's serial (it has a '-'; a platform number never has)."""
        return "-" in self.number


def parse_slip_qr(text: str) -> SlipProof | None:
    """A slip's QR text, or None when it is not one of ours."""
    found = _QR.match((text or "").strip())
    return SlipProof(found.group(1), found.group(2) or "") if found else None


def _names(papers: list[Material]) -> tuple[str, str]:
    return "、".join(m.name for m in papers), ", ".join(m.name_en or m.name for m in papers)


def receipt_data(matter: Matter, identity: Identity, filed: Filed, *, hut: str = "", when: Any = None,
                 bring_today: Iterable[Material] = (), bring_later: Iterable[Material] = (),
                 signed_here: Iterable[DocumentToSign] = ()) -> dict:
    """The data of ``kiosk.slips.application_receipt`` (it masks name and ID).
    With papers for the counter (originals today, papers brought later) the
    slip gives the office of the counter steps: address, phone and hours.
    ``signed_here``: the documents the resident signed on the touchscreen (the
    slip says so: nothing of them to bring)."""
    department_en = matter.department_en or matter.department
    notes = []
    if filed.confirmed:
        notes.append(f"{matter.department}受理，{matter.promised_days}个工作日内办结 / "
                     f"{department_en} will finish within {matter.promised_days} working days")
    else:
        notes.append("网络恢复后本申请将自动提交，凭本回执二维码或身份证可查询办理进度 / It will be sent by itself "
                     "when the network is back; this slip's QR code or your ID card finds it")
    today, later, signed = list(bring_today), list(bring_later), list(signed_here)
    if signed:
        notes.append("已在自助终端签名：" + "、".join(d.title for d in signed) + " / Signed at the kiosk: "
                     + ", ".join(d.title_en or d.title for d in signed))
    if today:
        zh, en = _names(today)
        notes.append(f"请将以下材料原件交服务台：{zh} / Hand these originals to the counter: {en}")
    if later:
        zh, en = _names(later)
        notes.append(f"请在{matter.promised_days}个工作日内将以下材料交到窗口：{zh} / Bring these to the office "
                     f"within {matter.promised_days} working days: {en}")
    data = {"number": filed.number, "matter": matter.name, "matter_en": matter.name_en,
            "name": identity.name, "id_number": identity.id_number, "time": when, "hut": hut,
            "notes": notes, "tracking_url": filed.qr}
    if today or later:
        data["office"] = office_data(matter.office)
    return data


def print_slip(printer: SlipPrinter | None, slip: Any) -> bool:
    """Print, and say whether it came out; any failure is False (the screen
    then shows the number to note down), never an exception."""
    if printer is None:
        return False
    try:
        result = printer.print_receipt(slip, holder="resident")
    except Exception as exc:
        log.warning("slip not printed: %s", type(exc).__name__)
        return False
    return bool(getattr(result, "ok", True))
