"""What every request handler of one dashboard shares: the reader, templates, token, the
output folder of picks and the allowed Host names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from netsynth.dashboard.reader import StorageReader


@dataclass(frozen=True)
class DashboardState:
    reader: StorageReader
    templates: Jinja2Templates
    token: str
    out: Path
    hosts: frozenset[str]

    def page(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> Response:
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)


def state_of(request: Request) -> DashboardState:
    state: DashboardState = request.app.state.dashboard
    return state
