"""Static files: the dashboard's own script and style, and plotly.js from the installed plotly
package (no CDN: the pages work offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from netsynth.dashboard.reader import NotFoundError

router = APIRouter()

_OWN = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
_CACHE = {"Cache-Control": "public, max-age=3600"}


def plotly_js() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


@router.get("/static/plotly.min.js")
def plotly_script() -> Response:
    path = plotly_js()
    if not path.is_file():
        raise NotFoundError("plotly.js is not installed; pip install 'netsynth[dashboard]'")
    return FileResponse(path, media_type="text/javascript", headers=_CACHE)


@router.get("/static/{name}")
def own_file(name: str) -> Response:
    if name not in _OWN:  # a fixed list: no path from the request reaches the file system
        raise NotFoundError("not found")
    path = Path(str(resources.files("netsynth.dashboard") / "static" / name))
    return FileResponse(path, media_type=_OWN[name], headers=_CACHE)
