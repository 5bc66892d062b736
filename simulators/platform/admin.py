"""The reference platform's back office (``/v1/admin/...``): what a
district's staff do, in software, behind the admin token (the gate checks it)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from simulators.platform.bodies import error_response, need, parse_object
from simulators.platform.desk import papers_received
from simulators.platform.requests import WORKFLOW, RequestDesk
from simulators.platform.store import STATUS_FLOW, PlatformStore


def add_admin_routes(app: FastAPI, store: PlatformStore, shown: Callable[[Any], Any] = lambda a: a,
                     desk: RequestDesk | None = None) -> None:
    """``shown``: an application as the contract shows it (the papers due named);
    ``desk``: the requests' desk (the department's moves)."""
    @app.get("/v1/admin/stats")
    async def stats() -> JSONResponse:
        return JSONResponse(await run_in_threadpool(store.stats))

    @app.get("/v1/admin/terminals/{terminal_id}/heartbeat")
    async def last_heartbeat(terminal_id: str) -> JSONResponse:
        found = await run_in_threadpool(store.last_heartbeat, terminal_id)
        if found is None:
            return error_response(404, "NOT_FOUND", "no heartbeat from this terminal yet")
        return JSONResponse(found)

    @app.get("/v1/admin/help-requests")
    async def help_requests() -> JSONResponse:
        return JSONResponse({"help_requests": await run_in_threadpool(store.help_requests)})

    @app.post("/v1/admin/enrolment-codes")
    async def new_code(request: Request) -> JSONResponse:
        body = await request.body()
        hours = parse_object(body).get("valid_hours", 24) if body else 24
        if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0 < hours <= 24 * 30:
            return error_response(422, "VALIDATION", "valid_hours: a number of hours, more than 0, at most 720")
        code, expires = await run_in_threadpool(store.new_enrolment_code, hours * 3600.0)
        return JSONResponse({"enrolment_code": code, "expires_at": dt.datetime.fromtimestamp(
            expires, dt.timezone.utc).isoformat(timespec="seconds")}, status_code=201)

    @app.post("/v1/admin/id-hash-keys")
    async def rotate_id_hash_key() -> JSONResponse:
        version = await run_in_threadpool(store.rotate_id_hash_key)
        return JSONResponse({"version": version}, status_code=201)

    @app.post("/v1/admin/terminals/{terminal_id}/revoke")
    async def revoke(terminal_id: str) -> JSONResponse:
        if not await run_in_threadpool(store.revoke, terminal_id):
            return error_response(404, "NOT_FOUND", "no such terminal")
        return JSONResponse({"terminal_id": terminal_id, "revoked": True})

    @app.post("/v1/admin/applications/{number}/status")
    async def move(number: str, request: Request) -> JSONResponse:
        data = parse_object(await request.body())
        status = need(data, "status", str)
        note, internal = data.get("note", ""), data.get("internal_note", "")
        if not isinstance(note, str) or not isinstance(internal, str) or len(note) > 500 or len(internal) > 2000:
            return error_response(422, "VALIDATION", "note (up to 500) and internal_note (up to 2000) must be text")
        result = await run_in_threadpool(store.move, number, status, note, internal)
        if result == "NOT_FOUND":
            return error_response(404, "NOT_FOUND", "no application with this number")
        if result == "BAD_TRANSITION":
            allowed = {k: list(v) for k, v in STATUS_FLOW.items()}
            return error_response(409, "BAD_TRANSITION", f"allowed moves: {allowed}")
        return JSONResponse(shown(result))

    @app.post("/v1/admin/applications/{number}/papers-received")
    async def papers_brought(number: str) -> JSONResponse:
        """The papers due at the counter were brought: they are due no more."""
        result = await run_in_threadpool(papers_received, store, number)
        if result == "NOT_FOUND":
            return error_response(404, "NOT_FOUND", "no application with this number")
        return JSONResponse(shown(result))

    if desk is None:
        return

    @app.get("/v1/admin/requests")
    async def list_requests(request: Request) -> JSONResponse:
        overdue_text, state = request.query_params.get("overdue"), request.query_params.get("state")
        if overdue_text not in (None, "true", "false") or (state is not None and state not in WORKFLOW):
            return error_response(422, "VALIDATION", f"overdue: true or false; state: one of {', '.join(WORKFLOW)}")
        overdue = None if overdue_text is None else overdue_text == "true"
        return JSONResponse({"requests": await run_in_threadpool(desk.admin_list, overdue, state)})

    @app.post("/v1/admin/requests/{number}/transition")
    async def move_request(number: str, request: Request) -> JSONResponse:
        data = parse_object(await request.body())
        to, actor = need(data, "to", str), need(data, "actor", str)
        note, internal, department = data.get("note", ""), data.get("internal_note", ""), data.get("department")
        if not isinstance(note, str) or not isinstance(internal, str) or len(note) > 1000 or len(internal) > 2000:
            return error_response(422, "VALIDATION", "note (up to 1000) and internal_note (up to 2000) must be text")
        if to not in WORKFLOW or not actor.strip() or len(actor) > 100 or set(data) - {
                "to", "actor", "note", "internal_note", "department"}:
            return error_response(422, "VALIDATION", f"to: one of {', '.join(WORKFLOW)}; actor: who moves it "
                                                     "(1-100 characters); no other fields")
        if department is not None and (not isinstance(department, str) or len(department) > 64):
            return error_response(422, "VALIDATION", "department: a department code of the request catalog")
        return JSONResponse(await run_in_threadpool(desk.transition, number, to, actor, note, internal, department))
