"""``netsynth dashboard``: check the address, make the token, print the link and serve."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import Path

from netsynth.dashboard.security import check_bind, new_token
from netsynth.storage.storage import Storage

EXTRA = 'pip install "netsynth[dashboard]"'
_NEEDED = ("fastapi", "uvicorn", "jinja2", "plotly")


class DashboardUnavailableError(RuntimeError):
    """The dashboard's dependencies are not installed."""


def missing_dependencies() -> list[str]:
    return [name for name in _NEEDED if importlib.util.find_spec(name) is None]


def serve(
    storage: Storage,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    out: Path | str,
    hosts: Iterable[str] = (),
) -> None:
    """Serve until interrupted. A host other machines can reach needs ``token``
    (``ValueError`` otherwise); on loopback a random one is made for the writes."""
    check_bind(host, token)
    missing = missing_dependencies()
    if missing:
        raise DashboardUnavailableError(f"the dashboard needs {', '.join(missing)}: {EXTRA}")
    import uvicorn

    from netsynth.dashboard.app import create_app

    token = token or new_token()
    app = create_app(storage, token=token, out=out, hosts=[host, *hosts])
    shown = f"[{host}]" if ":" in host else host
    print(f"netsynth dashboard: http://{shown}:{port}/?token={token}", flush=True)
    print(f"token (for Pick): {token}", flush=True)
    print(f"picked models are exported into {Path(out).resolve()}", flush=True)
    if host in ("0.0.0.0", "::"):
        names = ", ".join(sorted(app.state.dashboard.hosts))
        print(f"browsers must reach it as one of: {names} (add more with --allow-host)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
