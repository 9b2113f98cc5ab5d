"""The HTML pages, and the fragments of them the pages fetch to update in place.

GET /                                             Experiments
GET /experiments/{name}?sort=&order=&state=&stage=&q=&page=&size=   Experiment
GET /experiments/{name}/trials/{number}           Model
GET /experiments/{name}/compare?trials=1,2[,3,4]  Compare
GET /fragments/experiments                        the experiments table's rows
GET /fragments/experiments/{name}/trials?...      the trial table, as on the page
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from netsynth.dashboard.comparison import comparison
from netsynth.dashboard.dashboard_state import DashboardState, state_of
from netsynth.dashboard.model_detail import model_detail
from netsynth.dashboard.reader import ExperimentView
from netsynth.dashboard.routes_api import compared_numbers, experiment_summary
from netsynth.dashboard.security import TOKEN_COOKIE
from netsynth.dashboard.trial_table import COLUMNS, parse_query, select

router = APIRouter()


def _table(state: DashboardState, view: ExperimentView, request: Request) -> dict[str, Any]:
    """The trial table's context: one page of rows, each with its thumbnail."""
    query = parse_query(request.query_params)
    page = select(state.reader.rows(view), query)
    drawn = {row["id"] for row in page.rows if row["has_genotype"]}
    by_id = {t.id: t for t in view.trials if t.id in drawn}
    thumbnails = {
        row["id"]: state.reader.graphs.svg(view.record, by_id[row["id"]], compact=True)
        for row in page.rows
        if row["has_genotype"]
    }
    return {
        "view": view,
        "page": page,
        "query": query,
        "columns": COLUMNS,
        "thumbnails": thumbnails,
        "staged": any(row["stage"] == "tuning" for row in page.rows)
        or "tuning" in view.record.config,
        "rungs": any(t.rung is not None for t in view.trials),
    }


@router.get("/")
def experiments_page(request: Request, state: DashboardState = Depends(state_of)) -> Response:
    return state.page(request, "experiments.html", experiments=state.reader.experiments())


@router.get("/fragments/experiments")
def experiments_rows(request: Request, state: DashboardState = Depends(state_of)) -> Response:
    return state.page(request, "experiments_rows.html", experiments=state.reader.experiments())


@router.get("/fragments/experiments/{name:path}/trials")
def trial_table(name: str, request: Request, state: DashboardState = Depends(state_of)) -> Response:
    view = state.reader.view(name)
    return state.page(request, "trial_table.html", **_table(state, view, request))


@router.get("/experiments/{name:path}/trials/{number:int}")
def model_page(
    name: str, number: int, request: Request, state: DashboardState = Depends(state_of)
) -> Response:
    view = state.reader.view(name)
    trial = view.trial(number)
    return state.page(
        request,
        "model.html",
        view=view,
        detail=model_detail(view, trial),
        diagram=state.reader.graphs.svg(view.record, trial),
        has_token=TOKEN_COOKIE in request.cookies,
    )


@router.get("/experiments/{name:path}/compare")
def compare_page(
    name: str, request: Request, state: DashboardState = Depends(state_of)
) -> Response:
    view = state.reader.view(name)
    numbers = compared_numbers(request.query_params.getlist("trials"))
    compared = comparison(view, numbers)
    diagrams = [state.reader.graphs.svg(view.record, view.trial(n)) for n in numbers]
    return state.page(request, "compare.html", view=view, compared=compared, diagrams=diagrams)


@router.get("/experiments/{name:path}")
def experiment_page(
    name: str, request: Request, state: DashboardState = Depends(state_of)
) -> Response:
    view = state.reader.view(name)
    return state.page(
        request,
        "experiment.html",
        summary=experiment_summary(view),
        running=view.running,
        **_table(state, view, request),
    )
