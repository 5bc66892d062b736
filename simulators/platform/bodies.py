"""Reading a JSON body the way a hostile network sends it.

Python's ``json`` module parses NaN and Infinity (not JSON), turns 1e400
into infinity, recurses until RecursionError on deep nesting, and hands back
lone surrogates ("\\ud800") that later fail to encode: each was a plain-text
500 or a stored absurdity.  Here the nesting depth is bounded before parsing
(without recursion), non-JSON constants and non-finite numbers are malformed
JSON (400), and every string and number in the result is checked against
bounds that hold for the whole contract (422); the contract's schemas then
apply the per-field limits.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fastapi.responses import JSONResponse

from simulators.platform.gate import Refusal

MAX_DEPTH = 16
MAX_STRING = 4000
MAX_INTEGER = 2**53  # what every JSON reader represents exactly
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[{]}")
# NUL, other C0 controls but tab/newline/return, DEL, and lone surrogates.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _depth(body: bytes) -> int:
    skeleton = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in skeleton:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def parse_object(body: bytes) -> dict:
    """The body as a JSON object within the platform's bounds, or a Refusal."""
    if _depth(body) > MAX_DEPTH:
        raise Refusal(400, "MALFORMED_JSON", f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refusal(400, "MALFORMED_JSON", "body is not valid JSON (UTF-8, no NaN or Infinity, finite numbers)"
                      ) from None
    if not isinstance(data, dict):
        raise Refusal(422, "VALIDATION", "body must be a JSON object")
    _check(data, "body")
    return data


def _check(value: Any, where: str) -> None:
    """Bounds for every value; the message names the place, never the value
    (which may be personal data)."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise Refusal(422, "VALIDATION", f"{where}: text longer than {MAX_STRING} characters")
        if _BAD_CHARS.search(value):
            raise Refusal(422, "VALIDATION", f"{where}: control characters, NUL or invalid Unicode in text")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise Refusal(422, "VALIDATION", f"{where}: integer out of range (±2^53)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, f"{where}/(key)")
            _check(item, f"{where}/{key[:40]}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{where}/{i}")


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": str(extra.pop("retry_after"))} if "retry_after" in extra else None
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers)


class Refused(Exception):
    """Lets a helper deep in validation end the request with the contract's
    error shape without every caller checking a return value."""

    def __init__(self, response: JSONResponse):
        self.response = response


def need(data: dict, key: str, kind: type | tuple, where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise Refused(error_response(422, "VALIDATION", f"{where}{key}: missing or of the wrong type"))
    return value
