"""The reference central platform as an ASGI app (FastAPI).

Implements kiosk/central/openapi.yaml.  Bodies are read raw (the signature
covers the exact bytes), validated against the contract's own schemas, then
against the rules a schema cannot state (the catalog's form fields,
attachments uploaded first, idempotency); every refusal carries the
contract's error code, not FastAPI's generic 422 shape.
The contract document itself is served at /openapi.yaml and /openapi.json.

Everything a request must pass before its body is read (size, media type,
the terminal's signature, the admin's token) is the gate's business
(gate.py), which wraps this app; the handlers find the signed terminal in
``scope["kiosk.terminal"]``.  Admin calls (/v1/admin/...) stand in for the
district's back office and need the admin token.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import jsonschema_rs
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kiosk.central import signing
from kiosk.central.client import MAX_LOOKUP_HASHES
from kiosk.filing.catalog import Catalog
from simulators.platform import migrations
from simulators.platform.admin import add_admin_routes
from simulators.platform.bodies import Refused, error_response, need, parse_object
from simulators.platform.connections import AttemptLimit
from simulators.platform.db import Conflict, Unavailable
from simulators.platform.desk import application_by_slip, withdraw, withdrawal_serial_used
from simulators.platform.documents import shipped
from simulators.platform.faults import FaultInjector
from simulators.platform.gate import Gate, Refusal, Upload, refusal_response
from simulators.platform.health import BadHealthRecord, check_health_record, history_entry
from simulators.platform.identity_codes import add_identity_code_routes
from simulators.platform.metrics import Metrics
from simulators.platform.requests import RequestDesk
from simulators.platform.signatures import check_signatures
from simulators.platform.staff_cards import add_staff_card_routes
from simulators.platform.store import PlatformStore, now_iso

SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
KEY_RE = re.compile(r"^[\x21-\x7e]{8,128}$")
PROOF_RE = re.compile(r"^(?:[0-9a-f]{16}|[0-9a-f]{64})$")
SLIP_CODE_RE = re.compile(r"^[0-9a-f]{16}$")
CONTRACT = resources.files("kiosk.central").joinpath("openapi.yaml")


def load_catalog_document() -> dict:
    """The shipped matter catalog as served (a copy of the caller's own)."""
    return copy.deepcopy(_catalog_document())


@functools.cache
def _catalog_document() -> dict:
    data = shipped("simulators.platform", "catalog.yaml")
    data.pop("common", None)
    Catalog.from_dict(data)  # the shipped catalog must follow the model (once per process: it does not change)
    return data


@functools.cache
def contract_schemas() -> "ContractSchemas":
    """The shipped contract's validators, compiled once per process (they keep no state between bodies)."""
    return ContractSchemas(shipped("kiosk.central", "openapi.yaml"))


class ContractSchemas:
    """Validates bodies against the contract's own component schemas, so the
    platform and openapi.yaml cannot drift apart.  Messages name the field and
    the rule, never the value (which may be personal data)."""

    def __init__(self, contract: dict):
        self.contract = contract   # served as /openapi.json; nothing changes it
        self._validators = {name: jsonschema_rs.Draft202012Validator(
            {**contract, "$ref": f"#/components/schemas/{name}"}, validate_formats=True)
                            for name in contract["components"]["schemas"]}

    def check(self, name: str, data: Any) -> None:
        error = next(iter(self._validators[name].iter_errors(data)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.instance_path) or "body"
            rule = type(error.kind).__name__.lower()
            raise Refused(error_response(422, "VALIDATION", f"{where}: does not satisfy the contract ({rule})"))


MAGIC = {"image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}


def _attachments(data: dict, store: PlatformStore, terminal_id: str) -> list[dict]:
    """Each reference names an upload of this terminal (another terminal's is
    as unknown as none: the answer says nothing about other terminals), and
    what it declares is what was uploaded: the size, and a content type its
    first bytes bear out."""
    items = data.get("attachments", [])
    if not isinstance(items, list):
        raise Refused(error_response(422, "VALIDATION", "attachments must be a list"))
    for i, a in enumerate(items):
        if not isinstance(a, dict) or not isinstance(a.get("sha256"), str) or not SHA_RE.match(a["sha256"]):
            raise Refused(error_response(422, "VALIDATION", f"attachments[{i}].sha256 must be 64 lower-case hex digits"))
        size = store.attachment_of(terminal_id, a["sha256"])
        if size is None:
            raise Refused(error_response(422, "ATTACHMENT_MISSING", f"attachments[{i}] was not uploaded; PUT it first"))
        if "size" in a and a["size"] != size:
            raise Refused(error_response(422, "ATTACHMENT_MISMATCH", f"attachments[{i}].size is not the uploaded size"))
        with store.blob_path(a["sha256"]).open("rb") as fh:
            head = fh.read(16)
        actual = next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)
        if actual is None or a.get("content_type", actual) != actual:
            raise Refused(error_response(422, "ATTACHMENT_MISMATCH", f"attachments[{i}].content_type: the upload is "
                                         f"{actual or 'not a JPEG, PNG or PDF'}"))
    return items


def unavailable_response() -> JSONResponse:
    return error_response(503, "UNAVAILABLE", "the platform's database is not answering; retry shortly", retry_after=2)


def schema_version(store: PlatformStore) -> int:
    store.db.ping()
    return migrations.current(store.db)


def terminal_of(request: Request) -> str:
    """The terminal the gate verified; a handler for a signed route never runs without one."""
    terminal_id = request.scope.get("kiosk.terminal")
    if not terminal_id:
        raise Refusal(401, signing.SIGNATURE_MISSING, "request is not signed")
    return str(terminal_id)


def create_app(store: PlatformStore, faults: FaultInjector | None = None,
               terminal_resolver: Callable[[str], tuple[bytes, bool] | None] | None = None,
               admin_token: str | None = None, spool_dir: Path | None = None,
               enrolment_tries: AttemptLimit | None = None, request_desk: RequestDesk | None = None,
               certificate_desk: Any = None) -> Any:
    """``admin_token``: the bearer token admin calls need (None: admin calls
    are refused).  ``spool_dir``: where attachments stream to while arriving
    (default: beside the store's attachments).  ``enrolment_tries``: a limit
    of this process on enrolment attempts (default: the attempts are counted
    in the database, so the limit holds across workers).  ``request_desk``:
    the requests' desk (one over ``store`` with today's date when not given)."""
    app = FastAPI(title="Reference central platform", docs_url=None, redoc_url=None, openapi_url=None)
    catalog_doc = load_catalog_document()
    catalog = Catalog.from_dict(catalog_doc)
    catalog_bytes = json.dumps(catalog_doc, ensure_ascii=False, sort_keys=True).encode("utf-8")
    catalog_etag = '"' + hashlib.sha256(catalog_bytes).hexdigest()[:32] + '"'
    schemas = contract_schemas()
    in_flight: set[tuple[str, str]] = set()
    desk = request_desk or RequestDesk(store)

    def lookup(terminal_id: str) -> tuple[bytes, bool] | None:
        found = store.terminal(terminal_id)
        if found is None and terminal_resolver is not None:
            found = terminal_resolver(terminal_id)
        return found

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """Contract-shaped errors; a 405 lists every method of the path (Starlette
        names only the first route that matched it)."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods = set()
            for route in app.router.routes:
                if route.matches(request.scope)[0] != Match.NONE:
                    methods |= set(getattr(route, "methods", None) or ())
            headers["Allow"] = ", ".join(sorted(methods))
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, f"HTTP_{exc.status_code}")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(Refused)
    async def _refused(_request: Request, exc: Refused) -> JSONResponse:
        return exc.response

    @app.exception_handler(Refusal)
    async def _refusal(_request: Request, exc: Refusal) -> JSONResponse:
        return refusal_response(exc)

    @app.exception_handler(Unavailable)
    async def _unavailable(_request: Request, exc: Unavailable) -> JSONResponse:
        """The database is down or every connection busy: the terminal's outbox retries."""
        return unavailable_response()

    @app.exception_handler(Exception)
    async def _bug(_request: Request, exc: Exception) -> JSONResponse:
        """Even a bug answers in the contract's shape (never a plain-text 500)."""
        return error_response(500, "INTERNAL", f"the platform failed ({type(exc).__name__})")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """The process answers (a supervisor's liveness probe; no database asked)."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready for traffic: the database answers and its schema is this platform's."""
        try:
            version = await run_in_threadpool(schema_version, store)
        except Unavailable:
            return unavailable_response()
        if version != migrations.latest():
            return error_response(503, "SCHEMA_MISMATCH", f"database schema {version}, platform "
                                  f"{migrations.latest()}: run kiosk platform migrate", retry_after=30)
        return JSONResponse({"status": "ready", "schema_version": version})

    @app.get("/openapi.yaml")
    async def openapi_yaml() -> Response:
        return Response(CONTRACT.read_bytes(), media_type="application/yaml")

    @app.get("/openapi.json")
    async def openapi_json() -> JSONResponse:
        return JSONResponse(schemas.contract)

    @app.post("/v1/enrolment")
    async def enrol(request: Request) -> JSONResponse:
        address = request.client.host if request.client else ""
        if enrolment_tries is not None:
            wait = enrolment_tries.retry_after(address, time.monotonic())
        else:  # the attempts are counted in the database: the limit holds across every worker
            wait = await run_in_threadpool(store.enrolment_attempt, address)
        if wait is not None:
            return error_response(429, "TOO_MANY_ATTEMPTS", "too many enrolment attempts from this address",
                                  retry_after=math.ceil(wait))
        data = parse_object(await request.body())
        code = need(data, "enrolment_code", str)
        name = data.get("terminal_name", "")
        if not isinstance(name, str) or len(name) > 100:
            raise Refused(error_response(422, "VALIDATION", "terminal_name must be text up to 100 characters"))
        result = await run_in_threadpool(store.enrol, code, name)
        if result is None:
            return error_response(403, "ENROLMENT_CODE_INVALID", "enrolment code is unknown, expired or already used")
        keys = await run_in_threadpool(store.id_hash_keys)
        return JSONResponse({"terminal_id": result[0], "terminal_key": result[1], "id_hash_keys": keys}, status_code=201)

    @app.get("/v1/id-hash-keys")
    async def id_hash_keys(request: Request) -> JSONResponse:
        terminal_of(request)
        return JSONResponse({"id_hash_keys": await run_in_threadpool(store.id_hash_keys)})

    @app.get("/v1/catalog")
    async def get_catalog(request: Request) -> Response:
        terminal_of(request)
        headers = {"ETag": catalog_etag, "Cache-Control": "no-cache"}
        if catalog_etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(catalog_bytes, media_type="application/json", headers=headers)

    @app.get("/v1/request-catalog")
    async def get_request_catalog(request: Request) -> Response:
        terminal_of(request)
        headers = {"ETag": desk.etag, "Cache-Control": "no-cache"}
        if desk.etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(desk.document_bytes, media_type="application/json", headers=headers)

    @app.put("/v1/attachments/{sha}")
    async def put_attachment(sha: str, request: Request) -> JSONResponse:
        terminal_id = terminal_of(request)
        upload: Upload | None = request.scope.get("kiosk.upload")
        if not SHA_RE.match(sha):
            return error_response(422, "VALIDATION", "path must be the attachment's SHA-256 in lower-case hex")
        if upload is None or upload.sha256 != sha:
            return error_response(422, "HASH_MISMATCH", "body does not hash to the SHA-256 in the path")
        created = await run_in_threadpool(store.adopt_attachment, terminal_id, sha, upload.path, upload.size)
        return JSONResponse({"sha256": sha, "size": upload.size}, status_code=201 if created else 200)

    def shown(application: dict | None) -> dict | None:
        """An application as the contract shows it: the papers due named from the catalog."""
        if application is None or "papers_due" not in application:
            return application
        matter = catalog.matter(application.get("matter_code") or "")
        names = {m.code: m for m in matter.materials} if matter else {}
        application["papers_due"] = [{"code": code, "name": names[code].name if code in names else code,
                                      "name_en": names[code].name_en if code in names else ""}
                                     for code in application["papers_due"]]
        return application

    async def submit(request: Request, kind: str, schema: str,
                     check: Callable[[dict, str], tuple[str | None, str | None, int | None]],
                     record: Callable[[str, str, str, dict], dict | None] | None = None,
                     serial_used: Callable[[PlatformStore, str, str], bool] = withdrawal_serial_used) -> JSONResponse:
        """``record``: a kind recorded by its own desk (a withdrawal, a request,
        a rating) instead of the store's generic filing: it answers the
        acknowledgement, or None (404) when there is nothing of this proof to
        act on; ``serial_used`` says whether the serial came before."""
        body = await request.body()
        terminal_id = terminal_of(request)
        key = request.headers.get("idempotency-key", "")
        if not KEY_RE.match(key):
            return error_response(400, "IDEMPOTENCY_KEY_MISSING",
                                  "Idempotency-Key header (8-128 printable characters) is required")
        body_sha = hashlib.sha256(body).hexdigest()
        key = f"{kind}:{key}"  # a key is scoped to its terminal and its endpoint
        slot = (terminal_id, key)
        if slot in in_flight:
            return error_response(409, "IN_FLIGHT", "the same Idempotency-Key is being processed; retry shortly", retry_after=1)
        in_flight.add(slot)
        try:
            seen = await run_in_threadpool(store.idempotent, terminal_id, key)
            if seen is not None:
                if seen[0] != body_sha:
                    return error_response(422, "IDEMPOTENCY_MISMATCH", "Idempotency-Key was used with a different body")
                await run_in_threadpool(store.bump, "idempotent_replays")
                return JSONResponse(seen[2], status_code=seen[1], headers={"Idempotent-Replayed": "true"})
            data = parse_object(body)
            schemas.check(schema, data)
            serial = need(data, "serial", str)
            if not SERIAL_RE.match(serial):
                return error_response(422, "VALIDATION", "serial: 1-64 letters, digits and '-'")
            matter_code, id_hash, days = await run_in_threadpool(check, data, terminal_id)
            if record is not None:
                if await run_in_threadpool(serial_used, store, terminal_id, serial):
                    return await raced(terminal_id, key, body_sha)
                try:
                    answer = await run_in_threadpool(record, terminal_id, key, body_sha, data)
                except Conflict:
                    return await raced(terminal_id, key, body_sha)
                if answer is None:
                    return error_response(404, "NOT_FOUND", "no application with this number and applicant")
                return JSONResponse(answer, status_code=201)
            if await run_in_threadpool(store.by_serial, terminal_id, serial):
                return await raced(terminal_id, key, body_sha)
            try:
                receipt = await run_in_threadpool(store.create_submission, terminal_id, kind, key, body_sha, data,
                                                  matter_code, id_hash, days)
            except Conflict:
                return await raced(terminal_id, key, body_sha)
            return JSONResponse(receipt, status_code=201)
        finally:
            in_flight.discard(slot)

    async def raced(terminal_id: str, key: str, body_sha: str) -> JSONResponse:
        """The serial is filed already: with another key (SERIAL_REUSED), or
        with this one by another worker while this one checked the body (the
        database kept one filing; this answer is its replay)."""
        seen = await run_in_threadpool(store.idempotent, terminal_id, key)
        if seen is None:
            return error_response(422, "SERIAL_REUSED", "this serial was already filed with another Idempotency-Key")
        if seen[0] != body_sha:
            return error_response(422, "IDEMPOTENCY_MISMATCH", "Idempotency-Key was used with a different body")
        await run_in_threadpool(store.bump, "idempotent_replays")
        return JSONResponse(seen[2], status_code=seen[1], headers={"Idempotent-Replayed": "true"})

    def person(data: dict, key: str) -> str | None:
        who = need(data, key, dict)
        id_hash = who.get("id_hash")
        if id_hash is not None and (not isinstance(id_hash, str) or not SHA_RE.match(id_hash)):
            raise Refused(error_response(422, "VALIDATION", f"{key}.id_hash must be 64 lower-case hex digits"))
        for field in ("name", "id_number", "phone"):
            if field in who and not isinstance(who[field], str):
                raise Refused(error_response(422, "VALIDATION", f"{key}.{field} must be text"))
        return id_hash

    def check_application(data: dict, terminal_id: str) -> tuple[str | None, str | None, int | None]:
        code = need(data, "matter_code", str)
        matter = catalog.matter(code)
        if matter is None:
            raise Refused(error_response(422, "UNKNOWN_MATTER", f"no matter {code!r} in the catalog"))
        id_hash = person(data, "applicant")
        applicant = data["applicant"]
        if not isinstance(applicant.get("name"), str) or not isinstance(applicant.get("id_number"), str):
            raise Refused(error_response(422, "VALIDATION", "applicant.name and applicant.id_number are required"))
        problems = matter.validate(need(data, "form", dict))
        if problems:
            raise Refused(error_response(422, "FORM_INVALID", "some form fields are not acceptable", fields=problems))
        later = data.get("papers_later", [])
        allowed = {m.code for m in matter.materials if m.required} if matter.papers_later else set()
        if not isinstance(later, list) or not all(isinstance(c, str) and c in allowed for c in later):
            raise Refused(error_response(422, "VALIDATION", "papers_later: codes of the matter's required papers, "
                                                            "only for a matter that accepts papers later"))
        _attachments(data, store, terminal_id)
        check_signatures(data, matter, terminal_id)
        return code, id_hash, matter.promised_days

    def check_health(data: dict, _terminal_id: str) -> tuple[str | None, str | None, int | None]:
        id_hash = person(data, "resident")
        try:
            check_health_record(data)
        except BadHealthRecord as exc:
            raise Refused(error_response(422, exc.code, str(exc))) from None
        return None, id_hash, None

    def check_request(data: dict, terminal_id: str) -> tuple[str | None, str | None, int | None]:
        id_hash = desk.check(data)
        _attachments(data, store, terminal_id)
        return None, id_hash, None

    @app.post("/v1/applications")
    async def post_application(request: Request) -> JSONResponse:
        return await submit(request, "application", "Application", check_application)

    def check_withdrawal(data: dict, _terminal_id: str) -> tuple[str | None, str | None, int | None]:
        id_hash = person(data, "applicant")
        if id_hash is None:
            raise Refused(error_response(422, "VALIDATION", "applicant.id_hash is required: the card proves the "
                                                            "applicant"))
        return None, id_hash, None

    @app.post("/v1/withdrawals")
    async def post_withdrawal(request: Request) -> JSONResponse:
        return await submit(request, "withdrawal", "Withdrawal", check_withdrawal,
                            record=lambda terminal_id, key, body_sha, data: withdraw(store, terminal_id, key,
                                                                                     body_sha, data))

    @app.post("/v1/health-records")
    async def post_health(request: Request) -> JSONResponse:
        return await submit(request, "health_record", "HealthRecord", check_health)

    @app.post("/v1/requests")
    async def post_request(request: Request) -> JSONResponse:
        return await submit(request, "request", "ResidentRequest", check_request,
                            record=lambda terminal_id, key, body_sha, data: desk.file(terminal_id, key, body_sha, data),
                            serial_used=lambda s, terminal_id, serial: s.by_serial(terminal_id, serial) is not None)

    def check_rating(data: dict, _terminal_id: str) -> tuple[str | None, str | None, int | None]:
        desk.check_rating(data)
        return None, None, None

    @app.post("/v1/request-ratings")
    async def post_request_rating(request: Request) -> JSONResponse:
        return await submit(request, "request_rating", "RequestRating", check_rating,
                            record=lambda terminal_id, key, body_sha, data: desk.rate(terminal_id, key, body_sha, data),
                            serial_used=lambda _s, terminal_id, serial: desk.rating_serial_used(terminal_id, serial))

    @app.get("/v1/requests")
    async def find_requests(request: Request) -> JSONResponse:
        terminal_of(request)
        id_hashes = request.query_params.getlist("id_hash")
        if not 1 <= len(id_hashes) <= MAX_LOOKUP_HASHES or not all(SHA_RE.match(h) for h in id_hashes):
            return error_response(422, "VALIDATION", f"id_hash: 1 to {MAX_LOOKUP_HASHES} values of 64 lower-case hex "
                                                     "digits")
        return JSONResponse({"requests": await run_in_threadpool(desk.for_residents, id_hashes)})

    @app.get("/v1/requests/by-serial/{serial}")
    async def get_request_by_slip(serial: str, request: Request) -> JSONResponse:
        """The slip's serial and code (its hash came with the request); a wrong
        code answers exactly like an unknown serial."""
        terminal_of(request)
        proof = request.query_params.get("proof", "")
        if not SLIP_CODE_RE.match(proof):
            return error_response(422, "VALIDATION", "proof must be the slip's code (16 hex digits)")
        found = await run_in_threadpool(desk.by_slip, serial, proof)
        if found is None:
            return error_response(404, "NOT_FOUND", "no request with this serial and slip code")
        return JSONResponse(found)

    @app.get("/v1/submissions/{serial}")
    async def get_submission(serial: str, request: Request) -> JSONResponse:
        terminal_id = terminal_of(request)
        found = await run_in_threadpool(store.by_serial, terminal_id, serial, True)
        if found is None:
            found = await run_in_threadpool(desk.rating_by_serial, terminal_id, serial)
        if found is None:
            return error_response(404, "NOT_FOUND", "no submission with this serial from this terminal")
        await run_in_threadpool(store.bump, "serial_lookups_found")  # a lost answer recovered (tests count them)
        return JSONResponse(found)

    @app.get("/v1/applications/{number}")
    async def get_application(number: str, request: Request) -> JSONResponse:
        """Only with proof the resident is at the hut: the slip's access code or
        the keyed hash of their ID number.  A wrong proof answers exactly like
        an unknown number, so numbers cannot be probed."""
        terminal_of(request)
        proof = request.query_params.get("proof", "")
        if not PROOF_RE.match(proof):
            return error_response(422, "VALIDATION", "proof must be the slip's access code (16 hex digits) or the "
                                                     "applicant's id_hash (64 hex digits)")
        found = await run_in_threadpool(store.application_with_proof, number, proof)
        if found is None:
            return error_response(404, "NOT_FOUND", "no application with this number and proof")
        return JSONResponse(shown(found))

    @app.get("/v1/applications/by-serial/{serial}")
    async def get_application_by_slip(serial: str, request: Request) -> JSONResponse:
        """A slip printed while the application was queued: the terminal's
        serial and the slip's code (its hash came with the application).  A
        wrong code answers exactly like an unknown serial."""
        terminal_of(request)
        proof = request.query_params.get("proof", "")
        if not SLIP_CODE_RE.match(proof):
            return error_response(422, "VALIDATION", "proof must be the slip's code (16 hex digits)")
        found = await run_in_threadpool(application_by_slip, store, serial, proof)
        if found is None:
            return error_response(404, "NOT_FOUND", "no application with this serial and slip code")
        return JSONResponse(shown(found))

    @app.get("/v1/applications")
    async def find_applications(request: Request) -> JSONResponse:
        terminal_of(request)
        id_hashes = request.query_params.getlist("id_hash")
        if not 1 <= len(id_hashes) <= MAX_LOOKUP_HASHES or not all(SHA_RE.match(h) for h in id_hashes):
            return error_response(422, "VALIDATION", f"id_hash: 1 to {MAX_LOOKUP_HASHES} values of 64 lower-case hex "
                                                     "digits (keyed hashes of the ID number, one per key held)")
        found = await run_in_threadpool(store.applications_by_id_hash, id_hashes)
        return JSONResponse({"applications": [shown(a) for a in found]})

    @app.get("/v1/health-records")
    async def find_health_records(request: Request) -> JSONResponse:
        """A resident's last ten health records, by the keyed hash of their
        ID number (the proof ``GET /v1/applications?id_hash=`` takes)."""
        terminal_of(request)
        id_hashes = request.query_params.getlist("id_hash")
        if not 1 <= len(id_hashes) <= MAX_LOOKUP_HASHES or not all(SHA_RE.match(h) for h in id_hashes):
            return error_response(422, "VALIDATION", f"id_hash: 1 to {MAX_LOOKUP_HASHES} values of 64 lower-case hex "
                                                     "digits")
        found = await run_in_threadpool(store.health_records_by_id_hash, id_hashes)
        return JSONResponse({"health_records": [history_entry(*entry) for entry in found]})

    @app.post("/v1/heartbeat")
    async def heartbeat(request: Request) -> JSONResponse:
        body = await request.body()
        terminal_id = terminal_of(request)
        beat = parse_object(body)
        schemas.check("Heartbeat", beat)
        await run_in_threadpool(store.save_heartbeat, terminal_id, beat)
        keys = await run_in_threadpool(store.id_hash_keys)
        return JSONResponse({"terminal_id": terminal_id, "server_time": now_iso(),
                             "id_hash_key_version": keys[0]["version"]})

    add_admin_routes(app, store, shown, desk)
    add_staff_card_routes(app, store)
    add_identity_code_routes(app, store)   # e-ID codes (simulators/platform/identity_codes.py)
    # Certificates (证明打印): simulators/platform/certificates.py
    from simulators.platform.certificates import CertificateDesk, add_certificate_routes
    add_certificate_routes(app, certificate_desk or CertificateDesk(store), terminal_of, SHA_RE, MAX_LOOKUP_HASHES)

    def refused_signature() -> None:
        store.bump("rejected_signatures")

    inner = faults.wrap(app) if faults is not None else app
    return Metrics(Gate(inner, lookup, store.use_nonce, refused_signature, admin_token,
                        spool_dir or store.blob_dir / ".incoming"), store.database)
