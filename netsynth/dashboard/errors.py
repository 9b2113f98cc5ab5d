"""Error responses: a plain message for what the user can act on, a generic one for the rest.
No response ever carries a traceback, an exception's text from below or a file path."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from netsynth.dashboard.comparison import ComparisonError
from netsynth.dashboard.dashboard_state import state_of
from netsynth.dashboard.pick import PickError
from netsynth.dashboard.reader import NotFoundError
from netsynth.dashboard.security import UnsafePathError
from netsynth.dashboard.trial_table import TableQueryError

log = logging.getLogger("netsynth.dashboard")

# Mistakes in a request, answered 400 with their own message (which names no file).
BAD_REQUEST = (TableQueryError, ComparisonError, PickError, UnsafePathError)


def error_response(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return state_of(request).page(
        request, "error.html", status_code=status, status=status, message=message
    )


def install_error_handlers(app: FastAPI) -> None:
    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(request, 404, str(exc))

    async def bad_request(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, str(exc))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        where = ", ".join(str(e.get("loc", ("",))[-1]) for e in exc.errors() if isinstance(e, dict))
        return error_response(request, 400, f"invalid request: check {where or 'the input'}")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {404: "not found", 405: "method not allowed"}
        message = messages.get(exc.status_code, str(exc.detail))
        return error_response(request, exc.status_code, message)

    async def internal(request: Request, exc: Exception) -> Response:
        log.error("dashboard: %s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, "internal error; the server log has the details")

    app.add_exception_handler(NotFoundError, not_found)
    for kind in BAD_REQUEST:
        app.add_exception_handler(kind, bad_request)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal)
