"""The JSON API the pages poll and the browser tests call.

GET    /api/experiments                                  every experiment, one summary each
GET    /api/experiments/{name}                           one experiment's summary and pick
GET    /api/experiments/{name}/trials?sort=&order=&state=&stage=&q=&page=&size=
GET    /api/experiments/{name}/trials/{number}           one model in full
GET    /api/experiments/{name}/trials/{number}/diagram.svg[?compact=1]
GET    /api/experiments/{name}/live                      running trials and their curves
GET    /api/experiments/{name}/plots                     the plots whose data exists
GET    /api/experiments/{name}/compare?trials=1,2[,3,4]  2-4 models side by side
POST   /api/experiments/{name}/pick   {"trial": N[, "folder": "sub/path"]}   (token)
DELETE /api/experiments/{name}/pick                                         (token)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.responses import Response

from netsynth.dashboard.comparison import ComparisonError, comparison
from netsynth.dashboard.dashboard_state import DashboardState, state_of
from netsynth.dashboard.live_status import live_status
from netsynth.dashboard.model_detail import FINAL_FIELDS, model_detail
from netsynth.dashboard.pick import pick, unpick
from netsynth.dashboard.plots import experiment_plots
from netsynth.dashboard.reader import ExperimentView, NotFoundError
from netsynth.dashboard.trial_table import parse_query, select

router = APIRouter(prefix="/api")


def compared_numbers(values: list[str]) -> list[int]:
    """``?trials=1,2&trials=3`` -> ``[1, 2, 3]``."""
    try:
        return [int(part) for value in values for part in value.split(",") if part.strip()]
    except ValueError:
        raise ComparisonError("trials must be trial numbers, e.g. ?trials=3,7") from None


@router.get("/experiments")
def experiments(state: DashboardState = Depends(state_of)) -> list[dict[str, Any]]:
    return state.reader.experiments()


@router.get("/experiments/{name:path}/trials/{number:int}/diagram.svg")
def diagram(
    name: str, number: int, compact: bool = False, state: DashboardState = Depends(state_of)
) -> Response:
    view = state.reader.view(name)
    svg = state.reader.graphs.svg(view.record, view.trial(number), compact=compact)
    if svg is None:
        raise NotFoundError(f"trial {number} of {name!r} has no architecture to draw")
    return Response(svg, media_type="image/svg+xml")


@router.get("/experiments/{name:path}/trials/{number:int}")
def trial(name: str, number: int, state: DashboardState = Depends(state_of)) -> dict[str, Any]:
    view = state.reader.view(name)
    trial = view.trial(number)
    return {**model_detail(view, trial), "graph": state.reader.graphs.graph(view.record, trial)}


@router.get("/experiments/{name:path}/trials")
def trials(name: str, request: Request, state: DashboardState = Depends(state_of)) -> Any:
    query = parse_query(request.query_params)
    view = state.reader.view(name)
    return select(state.reader.rows(view), query).to_dict()


@router.get("/experiments/{name:path}/live")
def live(name: str, state: DashboardState = Depends(state_of)) -> dict[str, Any]:
    return live_status(state.reader.view(name))


@router.get("/experiments/{name:path}/plots")
def plots(name: str, state: DashboardState = Depends(state_of)) -> list[dict[str, Any]]:
    view = state.reader.view(name)
    return [
        {"id": p.id, "title": p.title, "figure": p.figure}
        for p in experiment_plots(view.trials, view.objective, view.goal)
    ]


@router.get("/experiments/{name:path}/compare")
def compare(name: str, request: Request, state: DashboardState = Depends(state_of)) -> Any:
    numbers = compared_numbers(request.query_params.getlist("trials"))
    return comparison(state.reader.view(name), numbers)


@router.post("/experiments/{name:path}/pick")
def pick_model(
    name: str,
    trial: int = Body(embed=True),
    folder: str | None = Body(default=None, embed=True),
    state: DashboardState = Depends(state_of),
) -> dict[str, Any]:
    view = state.reader.view(name)
    return pick(state.reader.storage, view, trial, state.out, folder).to_dict()


@router.delete("/experiments/{name:path}/pick")
def unpick_model(name: str, state: DashboardState = Depends(state_of)) -> dict[str, Any]:
    unpick(state.reader.storage, state.reader.view(name))
    return {"picked": None}


@router.get("/experiments/{name:path}")
def experiment(name: str, state: DashboardState = Depends(state_of)) -> dict[str, Any]:
    return experiment_summary(state.reader.view(name))


def experiment_summary(view: ExperimentView) -> dict[str, Any]:
    """The summary row, the retrained candidates, the winner and the pick."""
    return {
        **view.summary(),
        "final": [
            {"trial": n, **{k: e[k] for k in FINAL_FIELDS if k in e}}
            for n, e in sorted(view.final.items())
        ],
        "winner": view.record.attrs.get("winner"),
        "picked": dict(view.picked) if view.picked else None,
        "exportable": view.exportable,
    }
