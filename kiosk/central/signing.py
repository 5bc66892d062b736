"""Request signing shared by the kiosk client and the reference platform.

Why HMAC over a canonical string: the platform must know a request came from
an enrolled terminal and was not altered or replayed, even behind a TLS
terminating proxy.  Both sides build the same canonical string from the
request itself, so nothing about the signature depends on header order or
JSON formatting.

Canonical string (lines joined with ``\\n``)::

    SIGNING_VERSION            "KIOSK-HMAC-SHA256"
    METHOD                     upper case, e.g. "POST"
    PATH                       the raw path, e.g. "/v1/applications"
    CANONICAL QUERY            key=value pairs, percent-encoded (RFC 3986),
                               sorted by key then value, joined with "&"
    TERMINAL ID                value of X-Kiosk-Terminal
    TIMESTAMP                  value of X-Kiosk-Timestamp (Unix seconds)
    NONCE                      value of X-Kiosk-Nonce (32 hex digits)
    BODY SHA-256               lower-case hex of SHA-256 of the raw body
                               (of the empty string when there is none)

Headers: ``X-Kiosk-Terminal``, ``X-Kiosk-Timestamp``, ``X-Kiosk-Nonce``,
``X-Kiosk-Content-SHA256`` and ``X-Kiosk-Signature`` (lower-case hex
HMAC-SHA256 with the terminal key).  A retry is signed afresh (new nonce and
timestamp) and keeps its ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlsplit

SIGNING_VERSION = "KIOSK-HMAC-SHA256"
H_TERMINAL = "X-Kiosk-Terminal"
H_TIMESTAMP = "X-Kiosk-Timestamp"
H_NONCE = "X-Kiosk-Nonce"
H_BODY_SHA = "X-Kiosk-Content-SHA256"
H_SIGNATURE = "X-Kiosk-Signature"
SIGNED_HEADERS = (H_TERMINAL, H_TIMESTAMP, H_NONCE, H_BODY_SHA, H_SIGNATURE)

MAX_CLOCK_SKEW_SECONDS = 300
NONCE_WINDOW_SECONDS = 15 * 60

# Error codes the platform answers with, one per rule (see openapi.yaml).
SIGNATURE_MISSING = "SIGNATURE_MISSING"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
TIMESTAMP_SKEW = "TIMESTAMP_SKEW"
NONCE_REPLAYED = "NONCE_REPLAYED"
TERMINAL_UNKNOWN = "TERMINAL_UNKNOWN"
TERMINAL_REVOKED = "TERMINAL_REVOKED"
SIGNATURE_MALFORMED = "SIGNATURE_MALFORMED"

# The shape of each header, so a nonce of any length or a signature that is
# not hex is refused before any lookup (the contract states these shapes).
HEADER_SHAPES = {H_TERMINAL: re.compile(r"[\x21-\x7e]{1,64}"), H_TIMESTAMP: re.compile(r"[0-9]{1,12}"),
                 H_NONCE: re.compile(r"[0-9a-fA-F]{32}"), H_BODY_SHA: re.compile(r"[0-9a-fA-F]{64}"),
                 H_SIGNATURE: re.compile(r"[0-9a-fA-F]{64}")}


def body_sha256(body: bytes | None) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_query_from_string(query: str) -> str:
    return canonical_query(parse_qsl(query, keep_blank_values=True))


def string_to_sign(method: str, path: str, query: str, terminal: str, timestamp: str,
                   nonce: str, content_sha256: str) -> str:
    return "\n".join([SIGNING_VERSION, method.upper(), path or "/", canonical_query_from_string(query),
                      terminal, timestamp, nonce, content_sha256])


def sign(key: bytes, method: str, url: str, body: bytes | None, terminal: str,
         now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """Headers that sign one request; call again for every retry."""
    parts = urlsplit(url)
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    digest = body_sha256(body)
    text = string_to_sign(method, parts.path, parts.query, terminal, timestamp, nonce, digest)
    signature = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return {H_TERMINAL: terminal, H_TIMESTAMP: timestamp, H_NONCE: nonce,
            H_BODY_SHA: digest, H_SIGNATURE: signature}


@dataclass(frozen=True)
class Rejection:
    """Why a request's signature was refused: a code and its meaning."""

    code: str
    message: str
    http_status: int = 401


def check_headers(headers: Mapping[str, str]) -> Rejection | None:
    """First rule: all five headers present and well formed."""
    missing = [h for h in SIGNED_HEADERS if not headers.get(h)]
    if missing:
        return Rejection(SIGNATURE_MISSING, "request is not signed; missing header(s): " + ", ".join(missing))
    bad = [h for h in SIGNED_HEADERS if not HEADER_SHAPES[h].fullmatch(headers[h])]
    if bad:
        return Rejection(SIGNATURE_MALFORMED, "malformed header(s): " + ", ".join(bad) + " (nonce: 32 hex digits, "
                         "content SHA-256 and signature: 64 hex digits, timestamp: Unix seconds)")
    return None


def verify_claimed(key: bytes, method: str, path: str, query: str, headers: Mapping[str, str],
                   now: float | None = None) -> Rejection | None:
    """Check headers, clock and signature against the body hash the request
    *claims* (X-Kiosk-Content-SHA256), before a byte of the body is read: a
    forger is refused without the platform spending memory on its body.  The
    caller must then check that the body hashes to the claim.

    Nonce replay is the caller's business (it needs storage); it must be
    checked only after this returns None so a forged request cannot burn a
    genuine nonce.
    """
    malformed = check_headers(headers)
    if malformed:
        return malformed
    ts = headers[H_TIMESTAMP]
    current = time.time() if now is None else now
    if abs(current - int(ts)) > MAX_CLOCK_SKEW_SECONDS:
        return Rejection(TIMESTAMP_SKEW, f"timestamp is {int(current - int(ts))} s away from the platform's clock "
                                         f"(limit {MAX_CLOCK_SKEW_SECONDS} s); check the terminal's time (NTP)")
    text = string_to_sign(method, path, query, headers[H_TERMINAL], ts, headers[H_NONCE], headers[H_BODY_SHA].lower())
    expected = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers[H_SIGNATURE].lower()):
        return Rejection(SIGNATURE_INVALID, "signature does not match; the terminal key may be wrong")
    return None


BODY_MISMATCH = Rejection(SIGNATURE_INVALID, "X-Kiosk-Content-SHA256 does not match the body")


def verify(key: bytes, method: str, path: str, query: str, body: bytes,
           headers: Mapping[str, str], now: float | None = None) -> Rejection | None:
    """Check signature and clock for a request whose terminal is known and
    whose body is at hand (``verify_claimed`` plus the body's hash)."""
    rejection = verify_claimed(key, method, path, query, headers, now)
    if rejection is None and not hmac.compare_digest(body_sha256(body), headers[H_BODY_SHA].lower()):
        return BODY_MISMATCH
    return rejection
