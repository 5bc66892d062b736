"""The district's request catalog (天大小事), as the platform serves it
(``GET /v1/request-catalog``): the five types with their one-line examples,
whether a type may be filed anonymously and its time limit; the topics with
their common phrases; what the hut cannot take and where to go instead; the
communities with their buildings and units.

Parsed once per version into frozen records; a document of the wrong shape is
a ``RequestCatalogError`` naming the field (the flow then says it cannot take
requests now), never a crash on a resident's screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

log = logging.getLogger(__name__)

TYPE_CODES = ("consult", "help", "complaint", "suggestion", "report")


class RequestCatalogError(ValueError):
    """The platform's document does not have the contract's shape."""


@dataclass(frozen=True)
class RequestType:
    code: str
    name: str
    name_en: str
    example: str
    example_en: str
    anonymous_allowed: bool
    limit_working_days: int


@dataclass(frozen=True)
class Phrase:
    text: str
    text_en: str


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    name_en: str
    needs_place: bool
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class NotHere:
    """A matter the hut cannot take (the courts, 信访, an emergency): where to go instead."""

    code: str
    name: str
    name_en: str
    where: str
    where_en: str


@dataclass(frozen=True)
class Address:
    building: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    name_en: str
    addresses: tuple[Address, ...]

    def building(self, name: str) -> Address | None:
        return next((a for a in self.addresses if a.building == name), None)


@dataclass(frozen=True)
class Named:
    """A department, or a reason an unsatisfied rating may give."""

    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class RequestCatalog:
    version: str
    types: tuple[RequestType, ...]
    topics: tuple[Topic, ...]
    not_here: tuple[NotHere, ...] = ()
    communities: tuple[Community, ...] = ()
    limits_source: str = ""
    departments: tuple[Named, ...] = ()
    rating_reasons: tuple[Named, ...] = ()

    def type(self, code: str) -> RequestType | None:
        return next((t for t in self.types if t.code == code), None)

    def topic(self, code: str) -> Topic | None:
        return next((t for t in self.topics if t.code == code), None)

    def refusal(self, code: str) -> NotHere | None:
        return next((n for n in self.not_here if n.code == code), None)

    def department(self, code: str) -> Named | None:
        return next((d for d in self.departments if d.code == code), None)

    def community(self, code: str) -> Community | None:
        return next((c for c in self.communities if c.code == code or c.name == code), None)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RequestCatalog:
        if not isinstance(doc, Mapping):
            raise RequestCatalogError("the request catalog must be an object")
        types = tuple(_type(t) for t in _list(doc, "types"))
        if not types:
            raise RequestCatalogError('"types" is empty')
        return cls(version=_text(doc, "version", required=True), types=types,
                   topics=tuple(_topic(t) for t in _list(doc, "topics")),
                   not_here=tuple(_not_here(n) for n in _list(doc, "not_here")),
                   communities=tuple(_community(c) for c in _list(doc, "communities")),
                   limits_source=_text(doc, "limits_source"),
                   departments=tuple(_named(d) for d in _list(doc, "departments")),
                   rating_reasons=tuple(_named(r) for r in _list(doc, "rating_reasons")))


def as_catalog(value: Any) -> RequestCatalog | None:
    """What a client hands back (the parsed catalog, its document, or nothing) as a catalog."""
    if value is None or isinstance(value, RequestCatalog):
        return value
    if isinstance(value, Mapping):
        return RequestCatalog.from_dict(value)
    document = getattr(value, "document", None) or getattr(value, "raw", None)
    if isinstance(document, Mapping):
        return RequestCatalog.from_dict(document)
    raise RequestCatalogError(f"not a request catalog: {type(value).__name__}")


def fetch_catalog(client: Any) -> RequestCatalog | None:
    """The platform's request catalog through ``client``: the fresh one, else
    the client's cached copy (unreachable platform, a garbled answer), else None."""
    for name in ("request_catalog", "cached_request_catalog"):
        call = getattr(client, name, None)
        if call is None:
            continue
        try:
            found = as_catalog(call())
        except Exception as exc:   # unreachable, garbage: the next source
            log.info("request catalog: %s not available (%s)", name, type(exc).__name__)
            continue
        if found is not None:
            return found
    return None


def _list(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RequestCatalogError(f'"{key}" must be a list of objects')
    return value


def _text(doc: Mapping[str, Any], key: str, required: bool = False) -> str:
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise RequestCatalogError(f'"{key}" is missing')
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise RequestCatalogError(f'"{key}" must be text')
    return str(value)


def _type(t: Mapping[str, Any]) -> RequestType:
    days = t.get("limit_working_days")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise RequestCatalogError('"limit_working_days" must be a positive whole number')
    return RequestType(_text(t, "code", True), _text(t, "name", True), _text(t, "name_en"), _text(t, "example"),
                       _text(t, "example_en"), t.get("anonymous_allowed") is True, days)


def _topic(t: Mapping[str, Any]) -> Topic:
    phrases = tuple(Phrase(_text(p, "text", True), _text(p, "text_en")) for p in _list(t, "phrases"))
    return Topic(_text(t, "code", True), _text(t, "name", True), _text(t, "name_en"), t.get("needs_place") is not False,
                 phrases)


def _not_here(n: Mapping[str, Any]) -> NotHere:
    return NotHere(_text(n, "code", True), _text(n, "name", True), _text(n, "name_en"), _text(n, "where", True),
                   _text(n, "where_en"))


def _community(c: Mapping[str, Any]) -> Community:
    addresses = []
    for a in _list(c, "addresses"):
        units = a.get("units") or []
        if not isinstance(units, list):
            raise RequestCatalogError('"units" must be a list')
        addresses.append(Address(_text(a, "building", True), tuple(str(u) for u in units)))
    return Community(_text(c, "code", True), _text(c, "name", True), _text(c, "name_en"), tuple(addresses))


def _named(n: Mapping[str, Any]) -> Named:
    return Named(_text(n, "code", True), _text(n, "name", True), _text(n, "name_en"))
