"""The filing's signing step: the documents the catalog asks the resident to
sign, signed with a finger on the touchscreen (``docs/signature.md``).

For each document (``Matter.signatures``) the step shows the document in
large type with the resident's details and the values it declares
(``reading``), then the signing box (``signing``): the pad hands over each
finished stroke (``add_stroke``), 清除 drops them, 确认 checks them
(``kiosk.filing.signature.problem``: empty, a dot, one short stroke, mostly
outside the box are refused and asked again, in words) and makes what is
sent: the strokes in the compact format, the PNG, the signing record bound
to the document, the form values and every scanned page, and the signed page
as a PDF (``signed``).  Back from the box returns to the document and keeps
nothing half-signed; a confirmed signature stays until the resident signs
again, or until what it signed changes (a page retaken, a value changed: it
goes, and the step says so).  A resident who cannot sign here takes the
document to the counter (``at_counter``: the paper's counter step comes back).

Strokes are personal data: the ones being drawn and the signed documents live
in the session (``SIGNATURES``), which the visit's end (首页, the idle
timeout) clears.

States::

    closed ─open─▶ reading ─sign─▶ signing ─confirm (good)─▶ signed ─proceed─▶ reading (next) │ done
                      ▲              │  └─confirm (bad): signing, the problem said, strokes gone
                      └─── back ─────┘          signed ─sign_again─▶ signing
    reading ─at_counter─▶ reading (next) │ done;   any ─close─▶ closed
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from kiosk.filing import signature as sig
from kiosk.filing.catalog import DocumentToSign, Matter
from kiosk.flows import face_check
from kiosk.flows.jobs import Jobs, JobSlot
from kiosk.flows.machine import FlowMachine
from kiosk.flows.session import Session, Slot
from kiosk.privacy import IdHashKeys
from kiosk.services.approval.form_step import FORM
from kiosk.services.approval.papers_step import PAPERS
from kiosk.services.approval.views import SignState, SignView

G = SignState
RawPoint = Sequence[float | None]   # (x, y, t[, p]) in the box's pixels, y down, t in ms


@dataclass(eq=False)
class Signatures:
    """One filing's signatures, held by the session: the strokes being drawn
    (``pending``, in the box ``box``), the signed documents and those the
    resident takes to the counter instead."""

    pending: list[tuple[sig.Point, ...]] = field(default_factory=list)
    box: tuple[int, int] = (0, 0)
    start_ms: float | None = None
    signed: dict[str, sig.SignedDocument] = field(default_factory=dict)
    at_counter: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        return f"Signatures(pending={len(self.pending)}, signed={sorted(self.signed)})"

    def drop_pending(self) -> None:
        self.pending.clear()
        self.start_ms = None

    def clear(self) -> None:
        self.drop_pending()
        self.signed.clear()
        self.at_counter.clear()


SIGNATURES: Slot[Signatures] = Slot("approval.signatures", drop=Signatures.clear)


class SignJob(enum.StrEnum):
    SIGNED_PAGE = "signed_page"   # the PDF of the signed page, made after 确认


class SignStep(FlowMachine[SignState, SignView]):
    """Intents: ``sign()``, ``add_stroke(points, box)``, ``clear()``,
    ``confirm() -> problem | None``, ``back() -> bool`` (False: leave the step),
    ``sign_again()``, ``proceed()``, ``at_counter()``."""

    TRANSITIONS = {
        **{(s, "open"): G.READING for s in G},
        **{(s, "open_signed"): G.SIGNED for s in G},
        **{(s, "close"): G.CLOSED for s in G},
        (G.READING, "sign"): G.SIGNING,
        (G.SIGNED, "sign"): G.SIGNING,
        (G.SIGNING, "signed"): G.SIGNED,
        (G.SIGNING, "back"): G.READING,
    }

    def __init__(self, session: Session, on_done: Callable[[], None], *, terminal: Callable[[], str],
                 jobs: Jobs | None = None, hut: str = "", id_hash_keys: IdHashKeys | None = None,
                 now: Callable[[], str] = sig.now_iso):
        super().__init__(SignView())
        self.session, self.on_done = session, on_done
        self.job = JobSlot(jobs) if jobs is not None else None
        self.terminal, self.hut, self.id_hash_keys, self.now = terminal, hut, id_hash_keys, now
        self._matter: Matter | None = None
        self._index = 0
        # what the signed page of a signature still waiting for its PDF is made from (personal data:
        # dropped with the signature, the filing, the visit)
        self._pages: dict[str, tuple[dict[str, Any], sig.PageText, sig.Signature]] = {}

    @property
    def signatures(self) -> Signatures:
        found = self.session.get(SIGNATURES)
        return found if found is not None else self.session.put(SIGNATURES, Signatures())

    @property
    def document(self) -> DocumentToSign | None:
        matter = self._matter
        return matter.signatures[self._index] if matter is not None and self._index < len(matter.signatures) else None

    # -- opening and closing ------------------------------------------------------------------
    def open(self, matter: Matter, last: bool = False) -> None:
        """The step opens after the papers (the first document), or back from
        the review (``last``: the last document).  A signature whose content
        changed since (a page retaken, a value changed) goes."""
        if self._matter is not matter:
            self.session.pop(SIGNATURES)
            self._pages.clear()
        self._matter = matter
        signatures = self.signatures
        signatures.drop_pending()
        stale = False
        for code, signed in list(signatures.signed.items()):
            document = next((d for d in matter.signatures if d.code == code), None)
            if document is None or signed.record["content_sha256"] != self._content_hash(document):
                del signatures.signed[code]
                self._pages.pop(code, None)
                stale = True
        self._index = max(0, len(matter.signatures) - 1) if last else 0
        self._show(stale=stale)

    def close(self, drop: bool = False) -> None:
        """The step is left (``drop``: the filing is over, the signatures go too)."""
        found = self.session.get(SIGNATURES)
        if found is not None:
            found.drop_pending()
        if drop:
            if self.job is not None:
                self.job.forget()
            self._pages.clear()
            self.session.pop(SIGNATURES)
            self._matter = None
        self._fire("close", **_cleared())

    def _show(self, stale: bool = False) -> None:
        document, matter = self.document, self._matter
        if document is None or matter is None:
            return
        identity = self.session.identity
        form = self.session.get(FORM)
        values = tuple(f for f in (form.views(True) if form else ()) if f.name in document.declares)
        signed = self.signatures.signed.get(document.code)
        changes: dict[str, Any] = dict(
            document=document.code, title=document.title, title_en=document.title_en, text=document.text,
            text_en=document.text_en, masked_name=identity.masked_name if identity else "",
            masked_id=identity.masked_id if identity else "", values=values,
            position=(self._index + 1, len(matter.signatures)), strokes=0, problem="",
            signed_png=signed.png if signed else b"", fingerprint=signed.fingerprint[:16] if signed else "",
            kiosk_suffices=document.kiosk_suffices, stale=stale)
        self._fire("open_signed" if signed else "open", **changes)

    def detail(self) -> str:
        """The detail of the step's spoken line (and the screen's headline):
        why the last try was refused, that a signature went, or the state."""
        view = self.view
        if view.problem:
            return view.problem
        if view.state is G.READING:
            return "stale" if view.stale else ""
        return view.state.value

    # -- what the signature binds ---------------------------------------------------------------
    def _content(self, document: DocumentToSign) -> dict[str, Any]:
        identity, form, papers = self.session.identity, self.session.get(FORM), self.session.get(PAPERS)
        applicant = {"name": identity.name, "id_number": identity.id_number} if identity else {}
        pages = [sig.sha256(a.data) for a in papers.attachments()] if papers else []
        return sig.signed_content({"code": document.code, "title": document.title, "text": document.text},
                                  applicant, form.submission() if form else {}, document.declares, pages)

    def _content_hash(self, document: DocumentToSign) -> str:
        return sig.sha256(sig.canonical(self._content(document)))

    def _identity_evidence(self) -> dict[str, Any]:
        identity, matter = self.session.identity, self._matter
        evidence: dict[str, Any] = {}
        if identity is None:
            return evidence
        evidence["card"] = identity.evidence.value
        if self.id_hash_keys and identity.id_number:
            evidence["id_hash"] = self.id_hash_keys.filing_hash(identity.id_number)[0]
        outcome = self.session.get(face_check.OUTCOME) if matter is not None and matter.face_check else None
        if outcome:
            evidence["face_check"] = {k: outcome[k] for k in ("performed", "passed", "reason") if k in outcome}
        return evidence

    # -- the resident's intents ---------------------------------------------------------------
    def sign(self) -> bool:
        """签名 under the document (or 重新签名 under a signature): the signing box."""
        if self.state not in (G.READING, G.SIGNED):
            return False
        self.signatures.drop_pending()
        return self._fire("sign", strokes=0, problem="", stale=False)

    def add_stroke(self, points: Sequence[RawPoint], box: tuple[float, float]) -> bool:
        """A finished stroke from the pad: points (x, y, t[, p]) in the box's
        pixels (y down), t in ms on any clock (the first stroke's first point is 0)."""
        signatures = self.signatures
        if self.state is not G.SIGNING or not points:
            return False
        if sum(len(s) for s in signatures.pending) + len(points) > sig.MAX_POINTS:
            return False
        width, height = max(1, round(box[0])), max(1, round(box[1]))
        if signatures.pending and signatures.box != (width, height):
            signatures.drop_pending()   # the box changed size (window turned): the strokes no longer fit it
        signatures.box = (width, height)
        if signatures.start_ms is None:
            signatures.start_ms = float(points[0][2] or 0.0)
        start = signatures.start_ms
        stroke = tuple(sig.Point(float(p[0] or 0.0), float(p[1] or 0.0), max(0, round(float(p[2] or 0.0) - start)),
                                 None if len(p) < 4 or p[3] is None else max(0.0, min(1.0, float(p[3]))))
                       for p in points)
        signatures.pending.append(stroke)
        self._set(strokes=len(signatures.pending), problem="")
        return True

    def clear(self) -> bool:
        """清除: the strokes go, the box is empty again."""
        if self.state is not G.SIGNING:
            return False
        self.signatures.drop_pending()
        self._set(strokes=0, problem="")
        return True

    def confirm(self) -> str | None:
        """确认: the strokes checked; a problem is said and the box emptied for
        another try; a good signature is made into what is filed."""
        document, signatures, identity = self.document, self.signatures, self.session.identity
        if self.state is not G.SIGNING or document is None or identity is None:
            return None
        signature = sig.Signature(*signatures.box, tuple(signatures.pending)) if signatures.box[0] else \
            sig.Signature(1, 1, ())
        problem = sig.problem(signature)
        if problem is not None:
            signatures.drop_pending()
            self._set(strokes=0, problem=problem)
            return problem
        signatures.signed[document.code] = made = self._make(document, signature)
        self._make_page(document, made)
        signatures.drop_pending()
        papers = self.session.get(PAPERS)
        if document.code in signatures.at_counter:   # taken to the counter before, signed here after all
            signatures.at_counter.discard(document.code)
            if papers is not None and document.material:
                papers.at_counter.discard(document.material)
        signed = signatures.signed[document.code]
        self._fire("signed", strokes=0, problem="", signed_png=signed.png, fingerprint=signed.fingerprint[:16])
        return None

    def _make(self, document: DocumentToSign, signature: sig.Signature) -> sig.SignedDocument:
        identity, matter, form = self.session.identity, self._matter, self.session.get(FORM)
        assert identity is not None and matter is not None
        strokes = sig.encode(signature)
        kept = sig.decode(strokes)              # what the department gets is what the PNG shows
        png = sig.signature_png(kept)
        content = self._content(document)
        record = sig.signing_record(content, strokes, png, signed_at=self.now(), terminal=self.terminal(),
                                    identity=self._identity_evidence())
        values = tuple((f.label, f.display) for f in (form.views(True) if form else ()) if f.name in document.declares)
        page = sig.PageText(matter=matter.name, name=identity.name, id_number=identity.id_number, values=values,
                            hut=self.hut)
        self._pages[document.code] = (content, page, kept)
        return sig.SignedDocument(document.code, record, strokes, png)

    def _make_page(self, document: DocumentToSign, made: sig.SignedDocument) -> None:
        """The signed page (PDF) on a job, so 确认 answers at once; its outcome
        lands only while that signature is still the one kept (``signed()``
        makes it on the spot should the resident submit before it is done)."""
        if self.job is None:
            self._page_made(document.code, made.fingerprint, self._page(document.code))
            return
        code, fp = document.code, made.fingerprint
        content, page, kept = self._pages[code]
        self.job.start(SignJob.SIGNED_PAGE,
                       lambda: sig.signed_pdf(content, page, kept, made.record, text_en=document.text_en),
                       lambda pdf: self._page_made(code, fp, pdf))

    def _page(self, code: str) -> bytes:
        """The signed page of ``code``'s signature, made now (on this thread)."""
        document = next(d for d in (self._matter.signatures if self._matter else ()) if d.code == code)
        content, page, kept = self._pages[code]
        return sig.signed_pdf(content, page, kept, self.signatures.signed[code].record, text_en=document.text_en)

    def _page_made(self, code: str, fp: str, pdf: Any) -> None:
        found = self.session.get(SIGNATURES)
        signed = found.signed.get(code) if found is not None else None
        if found is None or signed is None or signed.fingerprint != fp or not isinstance(pdf, bytes) or not pdf:
            return
        found.signed[code] = dataclasses.replace(signed, pdf=pdf)
        self._pages.pop(code, None)

    def back(self) -> bool:
        """返回 from the box: back to the document, nothing half-signed kept.
        False from the document: the flow goes back to the papers."""
        if self.state is not G.SIGNING:
            return False
        self.signatures.drop_pending()
        signed = self.signatures.signed.get(self.view.document)
        if signed is not None:
            self._fire("open_signed", strokes=0, problem="")
        else:
            self._fire("back", strokes=0, problem="")
        return True

    def sign_again(self) -> bool:
        """重新签名: the signature confirmed before goes once a new one is confirmed
        (返回 from the box keeps it)."""
        return self.sign() if self.state is G.SIGNED else False

    def proceed(self) -> bool:
        """继续 under a confirmed signature: the next document, or the review."""
        if self.state is not G.SIGNED:
            return False
        return self._next()

    def at_counter(self) -> bool:
        """"I cannot sign here": this document's signed original goes to the counter."""
        document, papers = self.document, self.session.get(PAPERS)
        if self.state not in (G.READING, G.SIGNED) or document is None:
            return False
        signatures = self.signatures
        signatures.signed.pop(document.code, None)
        self._pages.pop(document.code, None)
        signatures.drop_pending()
        signatures.at_counter.add(document.code)
        if papers is not None and document.material:
            papers.hand_in(document.material)
        return self._next()

    def _next(self) -> bool:
        matter = self._matter
        if matter is None:
            return False
        if self._index + 1 < len(matter.signatures):
            self._index += 1
            self._show()
            return True
        self.on_done()
        return True

    # -- what the submission takes ---------------------------------------------------------------
    def signed(self) -> list[sig.SignedDocument]:
        """The documents signed, in the catalog's order, whose binding still
        holds, each with its signed page (made now if its job has not landed)."""
        found, matter = self.session.get(SIGNATURES), self._matter
        if found is None or matter is None:
            return []
        out = []
        for d in matter.signatures:
            signed = found.signed.get(d.code)
            if signed is None or signed.record["content_sha256"] != self._content_hash(d):
                continue
            if not signed.pdf and d.code in self._pages:
                self._page_made(d.code, signed.fingerprint, self._page(d.code))
                signed = found.signed[d.code]
            if signed.pdf:
                out.append(signed)
        return out


def _cleared() -> dict[str, Any]:
    empty = SignView()
    return {f: getattr(empty, f) for f in SignView.__dataclass_fields__ if f != "state"}
