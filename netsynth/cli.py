"""The ``netsynth`` command line.

The lifecycle of an experiment, at the top level:

    netsynth run [SPEC | DATA]   run a spec, or search a network for a dataset (an .npz, a
                                 .csv, an image or IDX folder, a built-in name) with the
                                 defaults the data calls for; without either: the quickstart
    netsynth resume NAME         continue a stopped or interrupted experiment
    netsynth validate SPEC       check a spec without running it
    netsynth ls                  list the experiments in a storage
    netsynth show NAME           leaderboard of one experiment (table, json or csv)
    netsynth export NAME --out D write an experiment's model (weights, genotype, ONNX, loader)
    netsynth dashboard           browse a storage's experiments and models in a web browser

Tools, in groups:

    netsynth tapas characterize DATASET   a dataset's DCN and its nearest datasets in the LDE
    netsynth tapas predict NETWORK        rank networks without training them (TAP scores)
    netsynth admin reap NAME              fail trials whose worker stopped sending heartbeats

The flat names of netsynth 0.1 (``netsynth reap``, ``netsynth characterize``, ``netsynth
predict``) still work until netsynth 0.3, with a note on stderr.

Exit codes: 0 done, 1 the experiment failed, 2 bad input, 128+N stopped by signal N.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from netsynth.deprecation import NetsynthDeprecationWarning, deprecation_message
from netsynth.experiment_record import ExperimentState

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("netsynth")


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _storage_url(args: argparse.Namespace) -> str:
    from netsynth.storage.url import DEFAULT_STORAGE_URL

    return str(args.storage or os.environ.get("NETSYNTH_STORAGE") or DEFAULT_STORAGE_URL)


def _open_existing(url: str, read_only: bool = False) -> Any:
    """Open a storage that must already exist (reading must not create an empty database)."""
    from sqlalchemy.engine import make_url

    from netsynth.storage.url import open_storage

    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            raise UsageError(f"no netsynth storage at {database} (use --storage URL)")
    return open_storage(url, read_only=read_only)


def _default_spec() -> Path:
    return Path(str(resources.files("netsynth") / "builtin" / "quickstart.yaml"))


def _configure_logging(verbose: bool) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    # On stderr: stdout carries the leaderboard, which --format json / csv must keep parseable.
    handler = RichHandler(
        console=Console(stderr=True), show_path=False, show_time=False, markup=False
    )
    logging.basicConfig(level=logging.WARNING, format="%(message)s", handlers=[handler])
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    # What a run decides about its time (the settled time plan) is always shown.
    logging.getLogger("netsynth.plan").setLevel(logging.INFO)


# -- commands --------------------------------------------------------------------------------


def _check_data_fits_space(spec: Any, source: str) -> None:
    """Load the data (as PREPARING would) and let the space refuse inputs its candidates
    cannot take, e.g. a convolutional zoo family on tabular data."""
    if spec.architecture is None or spec.data is None:
        return
    from netsynth.data.dataset import DataError
    from netsynth.data.registry import load_dataset
    from netsynth.space.architecture_space import make_architecture_space
    from netsynth.space.genotype import GenotypeError
    from netsynth.spec import SpecError

    try:
        dataset = load_dataset(
            spec.data.dataset,
            seed=spec.data.seed,
            options=spec.data.options,
            base_dir=Path(source).parent,
        )
    except DataError as exc:
        raise SpecError(source, [("data.dataset", str(exc))]) from None
    check_input = getattr(
        make_architecture_space(spec.architecture_config(Path(source).parent)),
        "check_input",
        None,
    )
    if callable(check_input):
        try:
            check_input(tuple(dataset.x.shape[1:]))
        except GenotypeError as exc:
            raise SpecError(source, [("architecture", str(exc))]) from None


def cmd_validate(args: argparse.Namespace) -> int:
    from netsynth.spec import check_spec, load_spec
    from netsynth.spec.auto import resolve_auto

    spec = resolve_auto(load_spec(args.spec), args.spec, Path(args.spec).parent).spec
    check_spec(spec, args.spec, Path(args.spec).parent)
    _check_data_fits_space(spec, args.spec)
    objective = spec.resolved_objective
    if spec.architecture is not None and spec.data is not None:
        what = f"{spec.architecture.type} space on {spec.data.dataset}"
    else:
        what = "parameters: " + (
            ", ".join(f"{p.name}:{p.type}" for p in spec.parameters) or "defined by the objective"
        )
    print(f"{args.spec}: OK — {objective.direction} {objective.metric}; {what}")
    return EXIT_OK


def _finish(experiment: Any, state: ExperimentState, fmt: str, top: int) -> int:
    from netsynth.display.leaderboard import print_leaderboard

    experiment.refresh()
    print_leaderboard(experiment, top=top, fmt=fmt)
    if fmt == "table":
        reason = experiment.record.reason
        print(f"experiment {experiment.name}: {state.value}" + (f" ({reason})" if reason else ""))
        trials = experiment.trials()
        repaired = sum("cost_repair" in t.attrs for t in trials)
        skipped = sum(t.skipped for t in trials)
        if repaired or skipped:
            print(
                f"{repaired} candidate(s) made cheaper to fit the time limit, {skipped} "
                "skipped as too slow"
            )
    # Another process sharing the experiment may be finishing its later states.
    failed = state in (ExperimentState.FAILED, ExperimentState.STOPPED)
    return EXIT_FAILED if failed else EXIT_OK


def _run_options(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "time_limit": _duration(args.time) if getattr(args, "time", None) else None,
        "max_trials": args.max_trials,
        "max_failed_trials": args.max_failed_trials,
        "workers": args.workers,
        "executor": args.executor,
    }
    if args.ray_address:
        overrides["executor_options"] = {
            **options.get("executor_options", {}),
            "address": args.ray_address,
        }
    return {**options, **{k: v for k, v in overrides.items() if v is not None}}


_SPEC_SUFFIXES = (".yaml", ".yml")


def _data_name(target: str) -> str:
    """An experiment name from a dataset path or name: its stem, made a valid name."""
    stem = Path(target.rstrip("/\\")).stem or "data"
    name = re.sub(r"[^A-Za-z0-9_.\-]", "-", stem)
    return name if re.match(r"^[A-Za-z_]", name) else f"data-{name}"


def _load_run_spec(args: argparse.Namespace) -> tuple[Any, str, Path, str | None]:
    """The spec ``netsynth run`` runs, its source, its folder and the default name: a spec
    file; a dataset (path or built-in name) searched with the defaults (the spec ``{data:
    PATH}``); or the quickstart. The ``--set PATH=VALUE`` overrides are applied to the spec's
    data before it is validated, so a bad override reads as a bad spec."""
    from netsynth.data.registry import BUILTIN
    from netsynth.spec import parse_spec
    from netsynth.spec.loader import read_yaml
    from netsynth.spec.overrides import apply_overrides

    overrides = list(getattr(args, "set", None) or [])

    def spec_of(data: Any, source: str, base_dir: Path) -> Any:
        if overrides and isinstance(data, dict):
            data = apply_overrides(data, overrides, source)
        return parse_spec(data, source, base_dir)

    target = args.spec
    if target is None:
        path = _default_spec()
        return spec_of(read_yaml(path), str(path), path.parent), str(path), path.parent, None
    if Path(target).suffix.lower() in _SPEC_SUFFIXES:
        spec = spec_of(read_yaml(target), target, Path(target).parent)
        return spec, target, Path(target).parent, None
    if target not in BUILTIN and not Path(target).exists():
        raise UsageError(
            f"{target!r} is neither a spec (.yaml), an existing dataset path (.npz, .csv, a "
            f"folder of images or IDX files) nor a built-in dataset ({', '.join(sorted(BUILTIN))})"
        )
    spec = spec_of({"data": target}, target, Path.cwd())
    return spec, target, Path.cwd(), _data_name(target)


def cmd_run(args: argparse.Namespace) -> int:
    from netsynth.spec import compile_spec
    from netsynth.spec.compile import with_time_limit

    spec, source, base_dir, default_name = _load_run_spec(args)
    if args.time is not None:
        spec = with_time_limit(spec, source, _duration(args.time))
    elif spec.budget is None and spec.searches_architectures:
        print("no time limit given (--time): using 10 minutes", file=sys.stderr)
    from netsynth.experiment_factory import SearchChangedError

    try:
        compiled = compile_spec(
            spec,
            source=source,
            base_dir=base_dir,
            storage=args.storage or os.environ.get("NETSYNTH_STORAGE"),
            name=args.name or default_name,
        )
    except SearchChangedError as exc:
        raise UsageError(_search_changed(exc, list(args.set or []))) from None
    experiment = compiled.experiment
    print(f"experiment {experiment.name} in {experiment.storage_url}", file=sys.stderr)
    for note in compiled.notes:
        print(f"  {note}", file=sys.stderr)
    return _run(experiment, args, compiled.estimator, compiled.run_options)


def _search_changed(exc: Any, overrides: list[str]) -> str:
    """Why ``netsynth run`` will not join an existing experiment, and how to run anyway."""
    changed = ", ".join(exc.names)
    if overrides:
        sets = " ".join(f"--set {o}" for o in overrides)
        return (
            f"experiment {exc.name!r} exists with different {changed}: {sets} changes what "
            "it searches. Run the change as a new experiment with --name NEW_NAME, or leave "
            f"out the --set that changes its {changed} to continue {exc.name!r}"
        )
    return (
        f"experiment {exc.name!r} exists with different {changed} than this spec. Run the "
        f"spec as a new experiment with --name NEW_NAME, or restore its {changed} to continue "
        f"{exc.name!r}"
    )


def _duration(text: str) -> float:
    from netsynth.time_limit import DurationError, parse_duration

    try:
        return parse_duration(text)
    except DurationError as exc:
        raise UsageError(f"--time: {exc}") from None


def _announce_time(experiment: Any, options: dict[str, Any]) -> None:
    """Say how the time limit will be spent, before anything runs."""
    from netsynth.runner.run_clock import describe_plan
    from netsynth.time_limit import DurationError

    try:
        text = describe_plan(experiment, options)
    except DurationError as exc:
        raise UsageError(str(exc)) from None
    if text:
        print(text, file=sys.stderr)


def _run(experiment: Any, args: argparse.Namespace, estimator: Any, options: dict[str, Any]) -> int:
    from netsynth.runner.interrupts import RunInterrupted

    worker = bool(getattr(args, "worker", False))
    options = _run_options(args, options)
    if not worker:
        _announce_time(experiment, options)
    try:
        state = experiment.run(
            estimator,
            progress=not args.no_progress,
            worker=worker,
            **options,
        )
    except RunInterrupted as exc:
        again = (
            "Start the worker again"
            if worker
            else f"Continue with: netsynth resume {experiment.name}"
        )
        print(
            f"\nstopped by {exc.signal_name}; finished trials are kept. {again}",
            file=sys.stderr,
        )
        return exc.exit_code
    if worker:
        # The search is over for this worker; the main driver takes the remaining states.
        print(f"worker: the search of {experiment.name} ended ({state.value})", file=sys.stderr)
        return (
            EXIT_FAILED if state in (ExperimentState.FAILED, ExperimentState.STOPPED) else EXIT_OK
        )
    return _finish(experiment, state, args.format, args.top)


def cmd_resume(args: argparse.Namespace) -> int:
    from netsynth.experiment_factory import load_experiment

    experiment = load_experiment(args.name, storage=_open_existing(_storage_url(args)))
    return _run(experiment, args, None, {})


def cmd_export(args: argparse.Namespace) -> int:
    from netsynth.experiment import export_experiment
    from netsynth.experiment_factory import load_experiment

    experiment = load_experiment(args.name, storage=_open_existing(_storage_url(args)))
    folder = export_experiment(experiment, Path(args.out), trial=args.trial)
    print(f"exported to {folder}")
    return EXIT_OK


def cmd_reap(args: argparse.Namespace) -> int:
    from netsynth.runner.heartbeat import FaultTolerance

    storage = _open_existing(_storage_url(args))
    record = storage.get_experiment(args.name)
    grace = args.grace
    if grace is None:
        grace = FaultTolerance.from_config(record.config).lost_after_seconds
    if grace < 0:
        raise UsageError(f"--grace must be >= 0 seconds, got {grace:g}")
    reaped = storage.reap(record.id, grace)
    for trial in reaped:
        print(f"trial {trial.number}: {trial.reason}")
    print(f"{len(reaped)} trial(s) of {record.name} failed as lost (grace period {grace:g}s)")
    return EXIT_OK


def cmd_ls(args: argparse.Namespace) -> int:
    from netsynth.display.experiments import print_experiments

    print_experiments(_open_existing(_storage_url(args)), args.format)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from netsynth.display.leaderboard import print_leaderboard
    from netsynth.experiment_factory import load_experiment

    experiment = load_experiment(args.name, storage=_open_existing(_storage_url(args)))
    if args.what is not None and args.format == "json":
        raise UsageError(
            "--what picks the table for --format csv or table; --format json holds both "
            "(its keys 'trials' and 'final_models')"
        )
    if args.trial is not None:
        from netsynth.display.trial_detail import trial_lines

        storage = experiment.storage
        found = [
            o.id for o in storage.outlines(experiment.id, metrics=False) if o.number == args.trial
        ]
        if not found:
            raise UsageError(f"experiment {args.name!r} has no trial {args.trial}")
        print("\n".join(trial_lines(experiment, storage.trials_by_id(found)[0])))
        return EXIT_OK
    print_leaderboard(experiment, top=args.top, fmt=args.format, what=args.what)
    return EXIT_OK


def cmd_dashboard(args: argparse.Namespace) -> int:
    from netsynth.dashboard.security import check_bind
    from netsynth.dashboard.serve import EXTRA, missing_dependencies, serve

    missing = missing_dependencies()
    if missing:
        raise UsageError(f"the dashboard needs {', '.join(missing)}: {EXTRA}")
    try:
        check_bind(args.host, args.token)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    storage = _open_existing(_storage_url(args), read_only=True)
    serve(
        storage,
        host=args.host,
        port=args.port,
        token=args.token,
        out=args.out,
        hosts=args.allow_host,
    )
    return EXIT_OK


# -- parsing ---------------------------------------------------------------------------------

# The flat command names of netsynth 0.1 -> where they live now (kept until netsynth 0.3).
MOVED_COMMANDS = {
    "reap": ("admin", "reap"),
    "characterize": ("tapas", "characterize"),
    "predict": ("tapas", "predict"),
}


def _add_storage_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage",
        help="storage URL (default: $NETSYNTH_STORAGE or sqlite:///netsynth.db)",
    )


def _add_output_options(p: argparse.ArgumentParser, top: int) -> None:
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help="how the leaderboard is printed (default: table; json and csv for programs)",
    )
    p.add_argument("--top", type=int, default=top, help=f"rows of the leaderboard ({top})")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``resume`` share: the storage, how the run goes, and how its
    leaderboard is printed."""
    _add_storage_option(p)
    p.add_argument("--workers", type=int, help="trials at once, each in its own process")
    p.add_argument(
        "--executor",
        choices=["inline", "process", "ray"],
        help="where trials run: in this process, in local worker processes, or on Ray "
        "(default: inline for one worker, process for several)",
    )
    p.add_argument(
        "--ray-address",
        help="Ray cluster for --executor ray, e.g. ray://HEAD:10001 (default: a local Ray)",
    )
    p.add_argument(
        "--time",
        help="time limit for the whole run: search, retraining, test and export "
        "(90s, 10m, 1h or seconds; default for a dataset: 10m)",
    )
    p.add_argument("--max-trials", type=int, help="override the trial budget")
    p.add_argument(
        "--max-failed-trials",
        type=int,
        help="fail the experiment once more trials than this have failed",
    )
    p.add_argument("--no-progress", action="store_true", help="no live progress bar")
    _add_output_options(p, 10)


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="search a network for a dataset, or run an experiment from a spec"
    )
    run.add_argument(
        "spec",
        nargs="?",
        metavar="SPEC_OR_DATA",
        help="a YAML spec, or a dataset (.npz, .csv, a folder of images or IDX files, or a "
        "built-in name: mnist1d, digits) searched with defaults chosen from the data "
        "(default: the built-in quickstart)",
    )
    run.add_argument("--name", help="experiment name (default: the spec's, or its file name)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override one field of the spec (repeatable): a dotted PATH and a YAML VALUE, "
        "e.g. --set architecture.training.epochs=2 --set final.epochs=1 "
        "--set 'architecture.widths=[16,32]'",
    )
    run.add_argument(
        "--worker",
        action="store_true",
        help="only serve trials of the experiment's search in a shared storage; a main "
        "driver (netsynth run without --worker) prepares and finishes it",
    )
    _add_run_options(run)
    run.set_defaults(handler=cmd_run)

    resume = commands.add_parser("resume", help="continue a stopped or interrupted experiment")
    resume.add_argument("name", help="the experiment's name (netsynth ls lists them)")
    _add_run_options(resume)
    resume.set_defaults(handler=cmd_resume)

    validate = commands.add_parser("validate", help="check a spec without running it")
    validate.add_argument("spec", help="the YAML spec to check")
    validate.set_defaults(handler=cmd_validate)


def _add_read(commands: Any) -> None:
    ls = commands.add_parser("ls", help="list the experiments in a storage")
    _add_storage_option(ls)
    ls.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="how the list is printed (default: table; json for programs)",
    )
    ls.set_defaults(handler=cmd_ls)

    show = commands.add_parser("show", help="show an experiment's leaderboard")
    show.add_argument("name", help="the experiment's name (netsynth ls lists them)")
    show.add_argument("--trial", type=int, help="one trial in full, its architecture as text")
    show.add_argument(
        "--what",
        choices=["trials", "final"],
        help="the one table to show: the trials (CSV's default) or the retrained and tested "
        "models (final); a table shows both unless told, JSON always holds both",
    )
    _add_storage_option(show)
    _add_output_options(show, 20)
    show.set_defaults(handler=cmd_show)

    export = commands.add_parser("export", help="export an experiment's model")
    export.add_argument("name", help="the experiment's name (netsynth ls lists them)")
    export.add_argument("--out", required=True, help="folder to write the model to")
    export.add_argument(
        "--trial", type=int, help="export this trial (retrained from scratch if needed)"
    )
    _add_storage_option(export)
    export.set_defaults(handler=cmd_export)

    dashboard = commands.add_parser("dashboard", help="browse experiments and models")
    _add_storage_option(dashboard)
    dashboard.add_argument("--host", default="127.0.0.1", help="address to serve on")
    dashboard.add_argument("--port", type=int, default=8765, help="port to serve on (8765)")
    dashboard.add_argument(
        "--token", help="what writes (Pick) must carry; needed off loopback (default: random)"
    )
    dashboard.add_argument(
        "--out",
        default=str(Path("netsynth-models") / "picked"),
        help="folder picked models are exported into (default: ./netsynth-models/picked)",
    )
    dashboard.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a further Host name browsers may use to reach the dashboard (repeatable)",
    )
    dashboard.set_defaults(handler=cmd_dashboard)


def _add_groups(commands: Any) -> None:
    """The tools that are not steps of an experiment's life, each group under its noun."""
    from netsynth.tapas_commands import add_tapas_commands

    tapas = commands.add_parser(
        "tapas", help="TAPAS tools: characterize a dataset, predict networks without training"
    )
    add_tapas_commands(tapas.add_subparsers(dest="tool", required=True, metavar="TOOL"))

    admin = commands.add_parser("admin", help="maintenance of a storage: reap lost trials")
    tools = admin.add_subparsers(dest="tool", required=True, metavar="TOOL")
    reap = tools.add_parser(
        "reap", help="fail trials whose worker sent no heartbeat within the grace period"
    )
    reap.add_argument("name", help="the experiment's name (netsynth ls lists them)")
    reap.add_argument(
        "--grace",
        type=float,
        help="seconds of silence before a trial counts as lost (default: the experiment's "
        "lost_after_seconds, 60 unless set)",
    )
    _add_storage_option(reap)
    reap.set_defaults(handler=cmd_reap)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netsynth",
        description="Neural architecture search and hyperparameter optimization.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(commands)
    _add_read(commands)
    _add_groups(commands)
    return parser


def current_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` with a flat command name of netsynth 0.1 (``reap``, ``characterize``,
    ``predict``) moved into its group, and a note on stderr that says so."""
    argv = list(argv)
    first = next((i for i, arg in enumerate(argv) if not arg.startswith("-")), None)
    if first is not None and argv[first] in MOVED_COMMANDS:
        old = argv[first]
        new = MOVED_COMMANDS[old]
        message = deprecation_message(f"netsynth {old}", f"netsynth {' '.join(new)}")
        print(f"deprecated: {message}", file=sys.stderr)
        argv[first : first + 1] = new
    return argv


@contextmanager
def _deprecations_on_stderr() -> Iterator[None]:
    """Print each of netsynth's deprecation warnings as one ``deprecated: ...`` line on
    stderr (once per message), other warnings as usual."""
    shown = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, NetsynthDeprecationWarning):
            print(f"deprecated: {message}", file=sys.stderr)
        else:
            shown(message, category, *args, **kwargs)

    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=NetsynthDeprecationWarning)
        warnings.showwarning = show
        yield


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(current_argv(sys.argv[1:] if argv is None else argv))
    _configure_logging(args.verbose)
    from netsynth.data.dataset import DataError
    from netsynth.estimation.function import ObjectiveRefError
    from netsynth.experiment import ExperimentError
    from netsynth.runner.process_pool import ExecutorError
    from netsynth.space.genotype import GenotypeError
    from netsynth.spec.errors import SpecError
    from netsynth.storage.storage import ExperimentNotFoundError, StorageError
    from netsynth.time_limit import DurationError, TimeLimitTooShort

    try:
        with _deprecations_on_stderr():
            code: int = args.handler(args)
        return code
    except (
        SpecError,
        UsageError,
        ExperimentError,
        ObjectiveRefError,
        DataError,
        GenotypeError,
        ExecutorError,
        DurationError,
        TimeLimitTooShort,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ExperimentNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as exc:
        print(f"error: storage: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
