"""HTTP client for the central platform (kiosk/central/openapi.yaml).

Every failure becomes one of two things the callers can act on:
``RetryLater`` (network trouble, 5xx, 408, 429, 409 in flight: the outbox
backs off and tries again, honouring Retry-After) or ``NeedsStaff`` (any
other 4xx: retrying cannot help, a person must look).  The UI's status query
runs under a hard time budget so a resident never stares at a frozen screen.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import email.utils
import json
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from drivers.storage import atomic_write
from kiosk import __version__
from kiosk.central import signing
from kiosk.errors import KioskError
from kiosk.filing.catalog import Catalog, CatalogError
from kiosk.privacy import IdHashKeys

log = logging.getLogger(__name__)
SUBMISSION_PATHS = {"application": "/v1/applications", "health_record": "/v1/health-records",
                    "request": "/v1/requests", "withdrawal": "/v1/withdrawals",
                    "request_rating": "/v1/request-ratings"}
# What a request catalog must hold before it is cached (kiosk.services.request reads the rest).
REQUEST_CATALOG_LISTS = ("types", "topics", "not_here", "communities", "departments", "rating_reasons")
RETRY_STATUSES = {408, 409, 429}
MAX_LOOKUP_HASHES = 8  # the contract's bound on id_hash values in one look-up
SOCKET_SLACK = 1.0  # seconds a query's socket waits beyond its budget (see _socket_timeout)

if TYPE_CHECKING:
    from kiosk.config import Settings


class PlatformAcknowledgement(TypedDict, total=False):
    """The platform's answer to a submission (the contract's ``Acknowledgement``):
    its own number for it, which the resident can track, and its status."""

    kind: str
    serial: str
    number: str
    status: str
    received_at: str
    promised_by: str
    papers_due_by: str  # applications with papers brought later: when they are due
    withdrawn: bool     # withdrawals: whether the application is withdrawn (status: what it is now)
    due_date: str       # requests: the answer is due by this day (ISO date)
    limit_working_days: int  # requests: the type's time limit in working days
    recorded: bool      # request ratings: whether the rating was taken (status: the request's state now)
    access_code: str  # applications only: the slip's proof for progress queries


class CentralError(KioskError):
    """The platform could not do what was asked; ``code`` is the contract's error code."""

    def __init__(self, message: str, code: str = "", status: int | None = None):
        super().__init__(message)
        self.code, self.status = code, status


class RetryLater(CentralError):
    """Transient: try again later (after ``retry_after`` seconds if given).
    ``ambiguous`` means the platform may have acted on the request."""

    def __init__(self, message: str, code: str = "", status: int | None = None,
                 retry_after: float | None = None, ambiguous: bool = False):
        super().__init__(message, code, status)
        self.retry_after, self.ambiguous = retry_after, ambiguous


class NeedsStaff(CentralError):
    """Permanent: the platform refused; a technician or clerk must look."""


class _Signer(requests.auth.AuthBase):
    """Signs at send time, from the prepared request: what is signed is exactly
    what goes on the wire, and every retry gets a fresh nonce and timestamp."""

    def __init__(self, terminal_id: str, key: bytes):
        self.terminal_id, self.key = terminal_id, key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body.encode("utf-8") if isinstance(r.body, str) else (r.body or b"")
        r.headers.update(signing.sign(self.key, r.method or "GET", r.url or "", body, self.terminal_id))
        return r


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date).

    Anything unreadable (a proxy's odd header) counts as absent: the backoff
    still applies, and the worker must not die over a header."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError):
        return None
    if parsed.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return max(0.0, parsed.timestamp() - time.time())


class CentralClient:
    """One per process: a pooled session keeps TLS connections warm for the
    worker, and the UI's queries share a small thread pool that enforces their
    time budget (a socket timeout alone does not bound a slow trickle)."""

    def __init__(self, base_url: str, terminal_id: str, terminal_key: bytes, *, ca_file: Path | None = None,
                 client_cert: Path | None = None, client_key: Path | None = None, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, state_dir: Path | None = None, pool_size: int = 8,
                 status_budget: float = 3.0):
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.timeout = (connect_timeout, read_timeout)
        self.state_dir = Path(state_dir) if state_dir else None
        self.status_budget = status_budget
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = str(ca_file) if ca_file else True
        if client_cert:
            self.session.cert = (str(client_cert), str(client_key)) if client_key else str(client_cert)
        self.session.headers["User-Agent"] = f"hut-kiosk/{__version__}"
        self.session.auth = _Signer(terminal_id, terminal_key) if terminal_key else None
        self._budget_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="central-query")

    @classmethod
    def from_settings(cls, settings: "Settings") -> "CentralClient":
        p = settings.platform
        return cls(p.url, settings.terminal.id, settings.secrets.terminal_key, ca_file=p.ca_file,
                   client_cert=p.client_cert, client_key=p.client_key, connect_timeout=p.connect_timeout,
                   read_timeout=p.read_timeout, state_dir=settings.paths.state_dir,
                   status_budget=settings.timeouts.status_query_seconds)

    def close(self) -> None:
        self._budget_pool.shutdown(wait=False, cancel_futures=True)
        self.session.close()

    def __enter__(self) -> "CentralClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one place HTTP happens ---------------------------------------
    def request(self, method: str, path: str, *, data: bytes | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, params: dict[str, str | list[str]] | None = None,
                timeout: tuple[float, float] | None = None, signed: bool = True,
                expect: tuple[int, ...] = ()) -> requests.Response:
        """Send one request; return a 2xx/304 (or ``expect``ed) answer, raise otherwise."""
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            # verify passed per request: requests lets $REQUESTS_CA_BUNDLE override a
            # session-level CA file, which would silently ignore platform.ca_file.
            r = self.session.request(method, self.base_url + path, data=data, headers=headers, params=params,
                                     timeout=timeout or self.timeout, auth=None if signed else _NoAuth(),
                                     verify=self.session.verify)
        except requests.exceptions.SSLError as exc:
            raise NeedsStaff(f"TLS failure talking to {self.base_url}: {_tls_reason(exc)}; check platform.ca_file "
                             "and the terminal clock", "TLS") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise NeedsStaff(f"platform.url {self.base_url!r} cannot be used ({type(exc).__name__})", "CONFIG") from None
        except requests.exceptions.ConnectTimeout as exc:
            raise RetryLater(f"cannot reach the platform ({type(exc).__name__})", "NETWORK") from None
        except requests.exceptions.RequestException as exc:
            refused = isinstance(exc, requests.exceptions.ConnectionError) and "NewConnectionError" in repr(exc)
            raise RetryLater(f"network failure talking to the platform ({type(exc).__name__})", "NETWORK",
                             ambiguous=not refused) from None
        log.debug("%s %s -> %s", method, path, r.status_code)
        if 200 <= r.status_code < 300 or r.status_code == 304 or r.status_code in expect:
            return r
        code, message = _error_of(r)
        if r.status_code >= 500 or r.status_code in RETRY_STATUSES:
            raise RetryLater(f"platform answered {r.status_code} {code}: {message}", code, r.status_code,
                             parse_retry_after(r.headers.get("Retry-After")), ambiguous=r.status_code >= 500)
        raise NeedsStaff(f"platform refused ({r.status_code} {code}): {message}", code, r.status_code)

    @staticmethod
    def json_of(r: requests.Response) -> Any:
        try:
            return r.json()
        except ValueError:
            raise RetryLater("platform answered with malformed JSON", "MALFORMED_RESPONSE", r.status_code,
                             ambiguous=True) from None

    # -- terminal ----------------------------------------------------------
    def enrol(self, enrolment_code: str, terminal_name: str = "") -> Enrolment:
        """Exchange the technician's one-time code for the terminal ID, its key
        and the district's ID hash keys."""
        r = self.request("POST", "/v1/enrolment", signed=False, json_body={
            "enrolment_code": enrolment_code, "terminal_name": terminal_name, "software_version": __version__})
        body = _shaped(_shaped(self.json_of(r), "terminal_id"), "terminal_key")
        try:
            key = bytes.fromhex(body["terminal_key"])
        except (TypeError, ValueError):
            raise RetryLater("platform answered an enrolment key that is not hex", "MALFORMED_RESPONSE") from None
        try:
            keys = _id_hash_keys(body.get("id_hash_keys"))
        except RetryLater as exc:  # the code is spent: keep the terminal key, fetch the ID keys later
            log.warning("enrolment: %s; `kiosk secrets upgrade` fetches them later", exc)
            keys = IdHashKeys()
        return Enrolment(str(body["terminal_id"]), key, keys)

    def id_hash_keys(self) -> IdHashKeys:
        """The district's ID hash keys as they are now (after a rotation: the
        new one and the previous ones still in use)."""
        body = _shaped(self.json_of(self.request("GET", "/v1/id-hash-keys")), "id_hash_keys")
        return _id_hash_keys(body["id_hash_keys"])

    def heartbeat(self, devices: dict[str, dict], outbox: dict, counters: dict[str, int] | None = None,
                  help_request: dict[str, Any] | None = None, state: str | None = None) -> dict:
        """``devices`` as DeviceOwner.heartbeat_devices() gives it; ``outbox``
        with depth, dead and oldest_pending_seconds (Outbox.status());
        ``help_request`` the last staff call (``StaffCall.heartbeat()``), sent
        only when there is one (an optional field: older platforms ignore it)."""
        body: dict[str, Any] = {
            "software_version": __version__, "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "devices": devices, "counters": counters or {}, "outbox": outbox}
        if help_request is not None:
            body["help_request"] = help_request
        if state is not None:   # the app's mode (idle, in_use, staff, closed); none when the app is not running
            body["state"] = state
        return self.json_of(self.request("POST", "/v1/heartbeat", json_body=body))

    # -- catalogs with an on-disk ETag cache -----------------------------------
    def _catalog_files(self, name: str = "catalog") -> tuple[Path, Path]:
        if self.state_dir is None:
            raise KioskError("the catalog cache needs paths.state_dir")
        folder = self.state_dir / "catalog"
        return folder / f"{name}.json", folder / f"{name}.etag"

    def _cached_document(self, name: str) -> Any:
        body_file, _ = self._catalog_files(name)
        try:
            return json.loads(body_file.read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _fetch_document(self, name: str, path: str, parse: Any) -> Any:
        """GET ``path`` with the cached copy's ETag; ``parse`` turns the JSON into
        what callers get (raising CatalogError when it is not usable).  The
        cached copy answers a 304, and stands in when the platform is
        unreachable or answers garbage; a new copy replaces it only once parsed."""
        body_file, etag_file = self._catalog_files(name)
        cached_doc = self._cached_document(name)
        try:
            cached = parse(cached_doc) if cached_doc is not None else None
        except CatalogError:
            cached = None
        headers = {}
        if cached is not None and etag_file.exists():
            headers["If-None-Match"] = etag_file.read_text("ascii").strip()
        try:
            r = self.request("GET", path, headers=headers)
            if r.status_code == 304 and cached is not None:
                return cached
            data = self.json_of(r)
            parsed = parse(data)
        except (RetryLater, CatalogError) as exc:
            if cached is None:
                raise RetryLater(f"no {name}: the platform is unreachable and nothing is cached ({exc})",
                                 "NO_CATALOG") from None
            log.warning("%s: using the cached copy (%s)", name, getattr(exc, "code", "") or type(exc).__name__)
            return cached
        atomic_write(body_file, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        atomic_write(etag_file, r.headers.get("ETag", "").encode("ascii"))
        return parsed

    def cached_catalog(self) -> Catalog | None:
        try:
            data = self._cached_document("catalog")
            return Catalog.from_dict(data) if data is not None else None
        except CatalogError:
            return None

    def catalog(self) -> Catalog:
        """The current catalog; the cached copy when the platform is unreachable."""
        return cast(Catalog, self._fetch_document("catalog", "/v1/catalog", Catalog.from_dict))

    def cached_request_catalog(self) -> dict[str, Any] | None:
        """The request catalog last fetched (the platform's JSON document), or None."""
        try:
            data = self._cached_document("request-catalog")
            return request_catalog_document(data) if data is not None else None
        except CatalogError:
            return None

    def request_catalog(self) -> dict[str, Any]:
        """The request catalog (``GET /v1/request-catalog``) as the platform's
        JSON document, its ``version`` inside; cached on disk with its ETag
        like :meth:`catalog`, the cached copy when the platform is unreachable.
        ``kiosk.services.request`` parses it into its model."""
        return cast(dict, self._fetch_document("request-catalog", "/v1/request-catalog", request_catalog_document))

    # -- submissions --------------------------------------------------------
    def put_attachment(self, sha256: str, data: bytes) -> bool:
        """Upload by hash; False when the platform already had it."""
        r = self.request("PUT", f"/v1/attachments/{sha256}", data=data,
                         headers={"Content-Type": "application/octet-stream"})
        return r.status_code == 201

    def submit(self, kind: str, body: bytes, idempotency_key: str) -> PlatformAcknowledgement:
        r = self.request("POST", SUBMISSION_PATHS[kind], data=body,
                         headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key})
        return self._acknowledgement(r)

    def submission(self, serial: str) -> PlatformAcknowledgement | None:
        """The platform's acknowledgement of ``serial``, or None if it never arrived."""
        r = self.request("GET", f"/v1/submissions/{_segment(serial)}", expect=(404,))
        if r.status_code == 404:
            code, _ = _error_of(r)
            if code != "NOT_FOUND":
                raise RetryLater("platform answered 404 without NOT_FOUND", code, 404)
            return None
        return self._acknowledgement(r)

    def _acknowledgement(self, r: requests.Response) -> PlatformAcknowledgement:
        ack = self.json_of(r)
        if not isinstance(ack, dict) or not isinstance(ack.get("number"), str):
            raise RetryLater("platform acknowledgement has no number", "MALFORMED_RESPONSE", r.status_code,
                             ambiguous=True)
        return cast(PlatformAcknowledgement, ack)

    # -- queries for the UI, under a time budget ----------------------------------
    # The budget decides (BUDGET, "did not answer in time"); the socket's own timeout
    # comes a little later and only ends the thread left behind, so a slow answer is
    # never reported as a network failure because the two timers raced.
    def _within(self, budget: float, fn: Any, *args: Any) -> Any:
        future = self._budget_pool.submit(fn, *args)
        try:
            return future.result(timeout=budget)
        except concurrent.futures.TimeoutError:
            raise RetryLater(f"platform did not answer within {budget:g} s", "BUDGET") from None

    def application_status(self, number: str, proof: str, budget: float | None = None) -> dict | None:
        """Progress of one application, or None if the platform has no such
        number for this ``proof``: the slip's access code (its QR) or the
        applicant's id_hash (from the card they placed).  Without one the
        platform shows nobody's application."""
        budget = budget or self.status_budget

        def query() -> dict | None:
            r = self.request("GET", f"/v1/applications/{_segment(number)}", params={"proof": proof}, expect=(404,),
                             timeout=_socket_timeout(budget))
            return None if r.status_code == 404 else _shaped(self.json_of(r), "application_number")
        return self._within(budget, query)

    def application_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None:
        """The application a slip printed while it was queued stands for (the
        terminal's serial and the slip's code, from its QR), or None: not
        arrived yet, or not this code (the platform does not say which).  A
        platform from before slip codes answers 404 too (None)."""
        budget = budget or self.status_budget

        def query() -> dict | None:
            r = self.request("GET", f"/v1/applications/by-serial/{_segment(serial)}", params={"proof": slip_code},
                             expect=(404,), timeout=_socket_timeout(budget))
            return None if r.status_code == 404 else _shaped(self.json_of(r), "application_number")
        return self._within(budget, query)

    def applications_for(self, id_hashes: list[str] | str, budget: float | None = None) -> list[dict]:
        """A resident's applications by the keyed hashes of their ID number
        (one per district key the terminal holds: ``IdHashKeys.lookup_hashes``)."""
        return self._listing("/v1/applications", "applications", id_hashes, budget)

    def health_history(self, id_hashes: list[str] | str, budget: float | None = None) -> list[dict]:
        """A resident's last health records (newest first, at most ten
        visits) by the keyed hashes of their ID number, the same proof as
        :meth:`applications_for`; ``kiosk.checkup.history.parse_history``
        reads them."""
        return self._listing("/v1/health-records", "health_records", id_hashes, budget)

    def _listing(self, path: str, key: str, id_hashes: list[str] | str, budget: float | None) -> list[dict]:
        budget = budget or self.status_budget
        hashes = [id_hashes] if isinstance(id_hashes, str) else list(id_hashes)[:MAX_LOOKUP_HASHES]

        def query() -> list[dict]:
            r = self.request("GET", path, params={"id_hash": hashes}, timeout=_socket_timeout(budget))
            found = _shaped(self.json_of(r), key)[key]
            if not isinstance(found, list) or not all(isinstance(a, dict) for a in found):
                raise RetryLater(f"platform answered {key} that are not a list", "MALFORMED_RESPONSE", r.status_code)
            return found
        return cast(list, self._within(budget, query))

    def requests_for(self, id_hashes: list[str] | str, budget: float | None = None) -> list[dict]:
        """A resident's identified requests (诉求), newest first, by the keyed
        hashes of their ID number (the proof :meth:`applications_for` takes);
        each as the contract's ``RequestStatus``.  Anonymous requests are found
        only by their slip (:meth:`request_by_slip`)."""
        return self._listing("/v1/requests", "requests", id_hashes, budget)

    def verify_identity_code(self, code: str, budget: float | None = None) -> dict:
        """The identity an e-ID (or electronic social security card) code
        stands for, as the contract's ``identity`` object; a refusal raises
        ``NeedsStaff`` with its code (CODE_EXPIRED, CODE_USED, CODE_UNKNOWN),
        no answer in time ``RetryLater``.  The code is sent once: a retry
        would be refused as used (kiosk/identity_codes.py)."""
        budget = budget or self.status_budget

        def query() -> dict:
            r = self.request("POST", "/v1/identity/verify-code", json_body={"code": code},
                             timeout=_socket_timeout(budget))
            return cast(dict, _shaped(self.json_of(r), "identity")["identity"])
        return cast(dict, self._within(budget, query))

    def request_by_slip(self, serial: str, slip_code: str, budget: float | None = None) -> dict | None:
        """The request a slip stands for (the filing terminal's serial and the
        slip's code, from its QR), or None: not arrived yet, or not this code
        (the platform does not say which)."""
        budget = budget or self.status_budget

        def query() -> dict | None:
            r = self.request("GET", f"/v1/requests/by-serial/{_segment(serial)}", params={"proof": slip_code},
                             expect=(404,), timeout=_socket_timeout(budget))
            return None if r.status_code == 404 else _shaped(self.json_of(r), "number")
        return cast("dict | None", self._within(budget, query))

    # -- certificates (证明打印: kiosk/services/certificate) ------------------------
    def certificates_for(self, id_hashes: list[str] | str, budget: float | None = None) -> list[dict]:
        """The certificates the district issued a resident (``CertificateEntry``),
        newest first, by the keyed hashes of their ID number."""
        return self._listing("/v1/certificates", "certificates", id_hashes, budget)

    def certificate_document(self, code: str, id_hashes: list[str] | str, budget: float | None = None) -> bytes | None:
        """A certificate's signed PDF for its holder, or None (not this resident's,
        or no such code: the platform does not say which).  The caller verifies it
        (kiosk.services.certificate.verify) before it prints anything."""
        budget = budget or self.status_budget
        hashes = [id_hashes] if isinstance(id_hashes, str) else list(id_hashes)[:MAX_LOOKUP_HASHES]

        def query() -> bytes | None:
            r = self.request("GET", f"/v1/certificates/{_segment(code)}/document", params={"id_hash": hashes},
                             expect=(404,), timeout=_socket_timeout(budget))
            if r.status_code == 404:
                return None
            if not r.headers.get("Content-Type", "").startswith("application/pdf"):
                raise RetryLater("platform answered a certificate that is not a PDF", "MALFORMED_RESPONSE",
                                 r.status_code)
            return r.content
        return cast("bytes | None", self._within(budget, query))


class Enrolment(NamedTuple):
    terminal_id: str
    terminal_key: bytes
    id_hash_keys: IdHashKeys


def request_catalog_document(data: Any) -> dict[str, Any]:
    """``data`` if it has the request catalog's shape (a version and its lists
    of objects with a code); else CatalogError, so a garbled answer is never
    cached over a good copy."""
    if not isinstance(data, dict) or not isinstance(data.get("version"), str) or not data["version"]:
        raise CatalogError("request catalog: no version")
    for key in REQUEST_CATALOG_LISTS:
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("code"), str)
                                                  for i in items):
            raise CatalogError(f"request catalog: {key} is not a list of objects with a code")
    if not data["types"] or not data["topics"]:
        raise CatalogError("request catalog: no types or no topics")
    return data


def _id_hash_keys(entries: Any) -> IdHashKeys:
    """The contract's ``IdHashKeys`` list ({version, key} objects) as the key set."""
    try:
        keys = IdHashKeys.from_entries((int(e["version"]), bytes.fromhex(e["key"])) for e in entries)
    except (TypeError, ValueError, KeyError):
        raise RetryLater("platform answered ID hash keys that are not {version, key} pairs",
                         "MALFORMED_RESPONSE") from None
    if not keys or len(keys.key) < 32:
        raise RetryLater("platform answered no usable ID hash key", "MALFORMED_RESPONSE")
    return keys


def _segment(value: str) -> str:
    """One path segment, percent-encoded: a typed number with a space, '/' or
    '?' must stay that number, not become another path or a query."""
    return quote(value, safe="")


def _shaped(body: Any, key: str) -> dict:
    """The platform's answer, if it is an object with ``key``; a garbled
    answer is the platform's passing trouble, never a crash in the UI."""
    if not isinstance(body, dict) or key not in body:
        raise RetryLater(f"platform answer has no {key}", "MALFORMED_RESPONSE")
    return body


class _NoAuth(requests.auth.AuthBase):
    """Enrolment is the one call made before the terminal has a key."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


def _error_of(r: requests.Response) -> tuple[str, str]:
    try:
        err = r.json()["error"]
        return str(err["code"]), str(err.get("message", ""))[:300]
    except (ValueError, KeyError, TypeError):
        return f"HTTP_{r.status_code}", (r.reason or "")[:100]


def _tls_reason(exc: Exception) -> str:
    """The OpenSSL reason (e.g. "certificate verify failed: unable to get local issuer certificate")."""
    found = re.search(r"\[SSL[^\]]*\][^(]*", str(exc))
    return found.group(0).strip() if found else type(exc).__name__


def _socket_timeout(budget: float) -> tuple[float, float]:
    """(connect, read) for a query under ``budget``: just behind the budget's own timer."""
    return budget + SOCKET_SLACK, budget + SOCKET_SLACK
