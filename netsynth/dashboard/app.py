"""``create_app(storage)``: the model browser as a FastAPI app. It reads through the storage API
only (SQLite opened read-only) and never imports the runner; the one handler that writes is
Pick, behind the token.

>>> from netsynth.dashboard import create_app
>>> app = create_app("sqlite:///netsynth.db")  # doctest: +SKIP
>>> # uvicorn.run(app, host="127.0.0.1", port=8765), or: netsynth dashboard
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from netsynth.dashboard.dashboard_state import DashboardState
from netsynth.dashboard.errors import install_error_handlers
from netsynth.dashboard.page_format import FILTERS
from netsynth.dashboard.reader import StorageReader
from netsynth.dashboard.routes_api import router as api_router
from netsynth.dashboard.routes_pages import router as page_router
from netsynth.dashboard.routes_static import router as static_router
from netsynth.dashboard.security import (
    SAFE_METHODS,
    TOKEN_COOKIE,
    TOKEN_HEADER,
    allowed_hosts,
    host_name,
    new_token,
    token_matches,
)
from netsynth.storage.storage import Storage

DEFAULT_OUT = Path("netsynth-models") / "picked"
# plotly.js builds some traces (parallel coordinates) with new Function: 'unsafe-eval'; no
# inline script runs anywhere (page data travels in <script type="application/json">).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[Request], Awaitable[Response]]


def _templates() -> Jinja2Templates:
    folder = resources.files("netsynth.dashboard") / "templates"
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,  # every user string (names, labels, notes) is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    return Jinja2Templates(env=environment)


def _token_of(request: Request) -> str | None:
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)


def _guard(state: DashboardState) -> Callable[[Request, Handler], Awaitable[Response]]:
    """Every request: a Host from the allowlist (DNS rebinding), the token for anything that
    is not a read, and the security headers on every response."""

    async def guard(request: Request, call_next: Handler) -> Response:
        response = _refusal(state, request)
        if response is None:
            response = _token_from_link(state, request) or await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return guard


def _refusal(state: DashboardState, request: Request) -> Response | None:
    if host_name(request.headers.get("host", "")) not in state.hosts:
        return PlainTextResponse("this Host is not allowed", status_code=400)
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("origin")
    if origin is not None and host_name(origin.split("://", 1)[-1]) not in state.hosts:
        return PlainTextResponse("cross-origin writes are refused", status_code=403)
    given = _token_of(request)
    if given is None:
        return PlainTextResponse("this request changes data: send the token", status_code=401)
    if not token_matches(given, state.token):
        return PlainTextResponse("wrong token", status_code=403)
    return None


def _token_from_link(state: DashboardState, request: Request) -> Response | None:
    """The link printed at start carries ``?token=``: keep it in a cookie, drop it from the URL."""
    given = request.query_params.get("token")
    if given is None or request.method != "GET" or not token_matches(given, state.token):
        return None
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, state.token, httponly=True, samesite="strict")
    return response


def create_app(
    storage: Storage | str,
    *,
    token: str | None = None,
    out: Path | str = DEFAULT_OUT,
    hosts: Iterable[str] = (),
) -> FastAPI:
    """The dashboard over ``storage`` (a storage, or a URL opened read-only). ``token``: what
    writes must carry (a random one when not given: ``app.state.dashboard.token``); ``out``:
    the folder picked models are exported into; ``hosts``: Host names allowed besides the
    loopback ones."""
    if isinstance(storage, str):
        from netsynth.storage.url import open_storage

        storage = open_storage(storage, read_only=True)
    state = DashboardState(
        reader=StorageReader(storage),
        templates=_templates(),
        token=token or new_token(),
        out=Path(out).resolve(),
        hosts=allowed_hosts("127.0.0.1", hosts),
    )
    app = FastAPI(title="netsynth", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = state
    app.middleware("http")(_guard(state))
    install_error_handlers(app)
    app.include_router(static_router)
    app.include_router(api_router)
    app.include_router(page_router)
    return app
