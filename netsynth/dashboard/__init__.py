"""The model browser: ``create_app(storage)``, served by ``netsynth dashboard``.

FastAPI, uvicorn and Jinja2 come with the extra: ``pip install "netsynth[dashboard]"``;
``create_app`` imports them on first use, so this package stays light to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netsynth.dashboard.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from netsynth.dashboard.app import create_app

        return create_app
    raise AttributeError(f"module 'netsynth.dashboard' has no attribute {name!r}")
