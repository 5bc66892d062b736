"""The platform's front gate: an ASGI middleware that decides from the
request line and headers alone, before a byte of the body is read, whether a
request may come in at all.

Why a middleware and not FastAPI dependencies: a handler (or a dependency)
only runs once Starlette has routed the request, and ``request.body()``
reads the whole body into memory; a hostile network sends a 1 GiB body to an
unsigned request.  Here the order is: the route's rule (size limit, media
type, who may call it), the Content-Length against the limit, the caller's
credential (the terminal's signature, checked against the body hash it
*claims*, or the admin's bearer token), and only then the body, counted while
it streams (and spooled to a file for attachments, so ten uploads at once do
not sit in memory).  Once the body is in, its hash must match the claim and
the nonce must be fresh.  Every refusal has the contract's error shape.

What passes on to the app: ``scope["kiosk.terminal"]`` (the signed caller),
``scope["kiosk.upload"]`` (an attachment's spooled file) and the body, replayed
through ``receive`` so the handlers read it as usual.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from kiosk.central import signing
from simulators.platform.db import Unavailable

JSON = "application/json"
OCTET = "application/octet-stream"
MAX_JSON_BODY = 256 * 1024
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_SMALL_BODY = 16 * 1024


@dataclass(frozen=True)
class Rule:
    """What a route accepts: its caller (``terminal``, ``admin`` or
    ``anyone``), its body's media type (None: no body) and size limit."""

    caller: str
    media: str | None
    limit: int


@dataclass(frozen=True)
class Upload:
    """An attachment's body, spooled to ``path``, with its size and hash."""

    path: Path
    size: int
    sha256: str


# Method, path pattern, rule: the contract's endpoints.  Anything else gets no
# body and no credential check; the app answers it 404 or 405.
ROUTES: list[tuple[str, re.Pattern[str], Rule]] = [
    ("POST", re.compile(r"/v1/enrolment"), Rule("anyone", JSON, 4096)),
    ("GET", re.compile(r"/v1/(request-)?catalog"), Rule("terminal", None, 0)),
    ("PUT", re.compile(r"/v1/attachments/[^/]*"), Rule("terminal", OCTET, MAX_ATTACHMENT)),
    ("POST", re.compile(r"/v1/(applications|health-records|requests|request-ratings|heartbeat|withdrawals)"),
     Rule("terminal", JSON, MAX_JSON_BODY)),
    ("GET", re.compile(r"/v1/applications(/[^/]*|/by-serial/[^/]*)?"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/health-records"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/requests(/by-serial/[^/]*)?"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/submissions/[^/]*"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/id-hash-keys"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/staff-cards"), Rule("terminal", None, 0)),
    ("POST", re.compile(r"/v1/identity/verify-code"), Rule("terminal", JSON, MAX_SMALL_BODY)),
    ("POST", re.compile(r"/v1/admin/identity-codes"), Rule("admin", JSON, MAX_SMALL_BODY)),
    ("GET", re.compile(r"/v1/certificates(/[^/]*/document)?"), Rule("terminal", None, 0)),
    ("GET", re.compile(r"/v1/certificates/[^/]*"), Rule("anyone", None, 0)),   # a receiving office checks a code
    ("POST", re.compile(r"/v1/admin/staff-cards/(revoke|restore)"), Rule("admin", JSON, MAX_SMALL_BODY)),
    ("GET", re.compile(r"/v1/admin/(stats|help-requests|requests|terminals/[^/]*/heartbeat)"), Rule("admin", None, 0)),
    ("POST", re.compile(r"/v1/admin/(id-hash-keys|terminals/[^/]*/revoke|applications/[^/]*/papers-received)"),
     Rule("admin", None, 0)),
    ("POST", re.compile(r"/v1/admin/enrolment-codes"), Rule("admin", JSON, MAX_SMALL_BODY)),
    ("POST", re.compile(r"/v1/admin/(applications/[^/]*/status|requests/[^/]*/transition)"),
     Rule("admin", JSON, MAX_SMALL_BODY)),
]
OTHER = Rule("anyone", None, 0)
OTHER_ADMIN = Rule("admin", None, 0)  # no such admin call; still nothing without the token


def rule_for(method: str, path: str) -> Rule:
    for route_method, pattern, rule in ROUTES:
        if method == route_method and pattern.fullmatch(path):
            return rule
    return OTHER_ADMIN if path.startswith("/v1/admin/") else OTHER


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def refusal_response(exc: Refusal) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status,
                        headers=exc.headers)


TerminalLookup = Callable[[str], "tuple[bytes, bool] | None"]


class Gate:
    def __init__(self, app: Any, lookup: TerminalLookup, use_nonce: Callable[[str, str], bool],
                 on_rejected: Callable[[], None], admin_token: str | None, spool_dir: Path):
        self.app, self.lookup, self.use_nonce, self.on_rejected = app, lookup, use_nonce, on_rejected
        self.admin_token, self.spool_dir = admin_token, Path(spool_dir)

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload: Upload | None = None
        try:
            headers = Headers(scope=scope)
            rule = rule_for(scope["method"], scope["path"])
            # not an endpoint of the contract: the app answers 404/405 and its body is never read
            known_route = rule not in (OTHER, OTHER_ADMIN)
            expected = self._check_length(rule, headers) if known_route else 0
            terminal = None
            if rule.caller == "admin":
                self._check_admin(headers)
            elif rule.caller == "terminal":
                terminal = await self._check_signature(scope, headers)
            if known_route:
                self._check_media_type(rule, headers, expected)
            body, upload = await self._read_body(rule, receive, expected)
            if terminal is not None:
                digest = upload.sha256 if upload else hashlib.sha256(body).hexdigest()
                if not hmac.compare_digest(digest, headers[signing.H_BODY_SHA].lower()):
                    await self._rejected(signing.BODY_MISMATCH)
                if not await run_in_threadpool(self.use_nonce, terminal, headers[signing.H_NONCE].lower()):
                    await self._rejected(signing.Rejection(signing.NONCE_REPLAYED,
                                                           "nonce already used in the last 15 minutes"))
        except Refusal as exc:
            if upload is not None:
                upload.path.unlink(missing_ok=True)
            return await refusal_response(exc)(scope, receive, send)
        except Unavailable:
            if upload is not None:
                upload.path.unlink(missing_ok=True)
            return await refusal_response(Refusal(503, "UNAVAILABLE", "the platform's database is not answering; "
                                                  "retry shortly", {"Retry-After": "2"}))(scope, receive, send)
        scope = {**scope, "kiosk.terminal": terminal, "kiosk.upload": upload}
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay, send)
        finally:
            if upload is not None:
                upload.path.unlink(missing_ok=True)  # adopted by the store, or never used

    @staticmethod
    def _check_length(rule: Rule, headers: Headers) -> int | None:
        """The declared size, before anything else."""
        length_text = headers.get("content-length")
        length = None
        if length_text is not None:
            if not length_text.isdigit():
                raise Refusal(400, "BAD_REQUEST", "Content-Length must be a number of bytes")
            length = int(length_text)
            if length > rule.limit:
                raise Refusal(413, "BODY_TOO_LARGE", f"this endpoint accepts at most {rule.limit} bytes")
        return length

    @staticmethod
    def _check_media_type(rule: Rule, headers: Headers, length: int | None) -> None:
        has_body = bool(length) or "chunked" in headers.get("transfer-encoding", "").lower()
        if has_body and rule.media is not None:
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != rule.media:
                raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", f"send the body as {rule.media}")

    def _check_admin(self, headers: Headers) -> None:
        offered = headers.get("authorization", "")
        scheme, _, token = offered.partition(" ")
        if (self.admin_token is None or scheme.lower() != "bearer"
                or not hmac.compare_digest(token.strip().encode(), self.admin_token.encode())):
            raise Refusal(401, "ADMIN_UNAUTHORIZED", "admin calls need Authorization: Bearer <the platform's admin "
                          "token> (the file <db>.admin-token)", {"WWW-Authenticate": "Bearer"})

    async def _check_signature(self, scope: dict, headers: Headers) -> str:
        rejection = signing.check_headers(headers)
        terminal_id = headers.get(signing.H_TERMINAL, "")
        if rejection is None:
            known = await run_in_threadpool(self.lookup, terminal_id)
            if known is None:
                rejection = signing.Rejection(signing.TERMINAL_UNKNOWN, "terminal is not enrolled here")
            elif known[1]:
                rejection = signing.Rejection(signing.TERMINAL_REVOKED, "terminal has been revoked; re-enrol it", 403)
            else:
                raw = scope.get("raw_path")
                path = raw.decode("latin-1") if raw else scope["path"]
                query = scope.get("query_string", b"").decode("latin-1")
                rejection = signing.verify_claimed(known[0], scope["method"], path, query, headers)
        if rejection is not None:
            await self._rejected(rejection)
        return terminal_id

    async def _rejected(self, rejection: signing.Rejection) -> None:
        await run_in_threadpool(self.on_rejected)
        raise Refusal(rejection.http_status, rejection.code, rejection.message)

    async def _read_body(self, rule: Rule, receive: Callable[[], Awaitable[dict]], expected: int | None
                         ) -> tuple[bytes, Upload | None]:
        """The body, counted as it arrives; an attachment goes to a file."""
        if rule.limit == 0 and not expected:
            return b"", None
        chunks: list[bytes] = []
        spool = None
        hasher = hashlib.sha256()
        size = 0
        if rule.media == OCTET:
            self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.spool_dir, prefix="upload-")
            spool = os.fdopen(fd, "wb")
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise Refusal(400, "BAD_REQUEST", "the client went away before the body was complete")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > rule.limit:
                    raise Refusal(413, "BODY_TOO_LARGE", f"this endpoint accepts at most {rule.limit} bytes")
                if spool is not None:
                    spool.write(chunk)
                    hasher.update(chunk)
                else:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        except BaseException:
            if spool is not None:
                spool.close()
                os.unlink(name)
            raise
        if spool is not None:
            spool.close()
            return b"", Upload(Path(name), size, hasher.hexdigest())
        return b"".join(chunks), None
