"""Spec errors a user can act on: each names the field and says what is allowed, and
``netsynth validate`` prints it (exit code 2) without a traceback."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from netsynth.cli import main
from netsynth.estimation.command import CommandEstimator
from netsynth.spec import SpecError, check_spec, load_spec, parse_spec

OBJECTIVE_PY = "def objective(trial):\n    return trial.params['x'] ** 2\n"
NOT_RUN = 'raise SystemExit("must not run")\n'


def valid_spec() -> dict[str, Any]:
    return {
        "name": "errors",
        "objective": {"metric": "loss", "direction": "minimize"},
        "trial": {"function": "objective.py:objective"},
        "parameters": [
            {"name": "x", "type": "float", "low": -1.0, "high": 1.0},
            {"name": "n", "type": "int", "low": 1, "high": 64, "log": True},
            {"name": "opt", "type": "categorical", "choices": ["sgd", "adam"]},
        ],
        "strategy": {"name": "random"},
        "budget": {"max_trials": 5},
    }


def write(folder: Path, data: Any, objective: str | None = OBJECTIVE_PY) -> Path:
    if objective is not None:
        (folder / "objective.py").write_text(objective)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["validate", str(path)])
    except BaseException as exc:  # noqa: BLE001 - any escape is a bug: the CLI must report it
        pytest.fail(f"netsynth validate raised {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    return code, out, err


def assert_cli_rejects(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    code, out, err = run_validate(path, capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def problem(problems: list[tuple[str, str]], path: str) -> str:
    """The message of the problem at ``path`` (exactly one expected)."""
    messages = [message for where, message in problems if where == path]
    assert len(messages) == 1, (path, problems)
    return messages[0]


def reject(
    data: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], *cli_fragments: str
) -> list[tuple[str, str]]:
    """``parse_spec`` raises SpecError and ``netsynth validate`` on the same file exits 2."""
    with pytest.raises(SpecError) as info:
        parse_spec(data, source="test")
    assert info.value.problems
    assert str(info.value).startswith("test: invalid spec")
    assert_cli_rejects(write(tmp_path, data), capsys, *cli_fragments)
    return info.value.problems


def mutated(change) -> dict[str, Any]:
    data = copy.deepcopy(valid_spec())
    change(data)
    return data


# -- positive -----------------------------------------------------------------------------------


def test_valid_spec_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, valid_spec())
    spec = load_spec(path)
    check_spec(spec, str(path), tmp_path)
    assert [p.name for p in spec.parameters] == ["x", "n", "opt"]
    code, out, err = run_validate(path, capsys)
    assert code == 0, err
    assert "OK" in out
    assert "minimize loss" in out
    assert "x:float, n:int, opt:categorical" in out


def test_builtin_quickstart_validates(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(str(resources.files("netsynth") / "builtin" / "quickstart.yaml"))
    spec = load_spec(path)
    check_spec(spec, str(path), path.parent)
    assert spec.objective is None  # an architecture search defaults to maximizing val_acc
    assert spec.resolved_objective.direction == "maximize"
    code, out, err = run_validate(path, capsys)
    assert code == 0, err
    assert "OK — maximize val_acc; chain space on mnist1d" in out


def test_function_file_is_found_without_running_it(tmp_path: Path) -> None:
    path = write(tmp_path, valid_spec(), objective=NOT_RUN + OBJECTIVE_PY)
    check_spec(load_spec(path), str(path), tmp_path)  # SystemExit here would fail the test


# -- unknown keys ---------------------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problems = reject(mutated(lambda d: d.update(max_trails=10)), tmp_path, capsys, "max_trails")
    message = problem(problems, "")
    assert "unknown key 'max_trails'" in message
    assert (
        "allowed: architecture, budget, data, estimator, execution, fidelity, final, mode, "
        "name, objective, parameters, scheduler, seed, stopping, storage, strategy, trial, "
        "tuning" in message
    )


def test_unknown_nested_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][1].update(logscale=True))
    problems = reject(data, tmp_path, capsys, "parameters[1]", "logscale")
    message = problem(problems, "parameters[1]")
    assert "unknown key 'logscale'" in message
    assert "allowed: condition, high, log, low, name, step, type" in message


def test_unknown_key_in_objective(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["objective"].update(goal="min"))
    problems = reject(data, tmp_path, capsys, "objective")
    assert "allowed: constraints, direction, metric, pareto" in problem(problems, "objective")


# -- wrong types ----------------------------------------------------------------------------------


def test_wrong_type_for_low(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][0].update(low="abc"))
    problems = reject(data, tmp_path, capsys, "parameters[0].low")
    message = problem(problems, "parameters[0].low")
    assert "valid number" in message and "'abc'" in message


def test_wrong_type_for_max_trials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["budget"].update(max_trials="ten"))
    problems = reject(data, tmp_path, capsys, "budget.max_trials")
    message = problem(problems, "budget.max_trials")
    assert "valid integer" in message and "'ten'" in message


def test_fractional_int_bound(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][1].update(high=6.5))
    problems = reject(data, tmp_path, capsys, "parameters[1].high")
    assert "integer" in problem(problems, "parameters[1].high")


# -- ranges ---------------------------------------------------------------------------------------


def test_float_low_above_high(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][0].update(low=2.0, high=1.0))
    problems = reject(data, tmp_path, capsys, "parameters[0]", "low must be <= high")
    assert problem(problems, "parameters[0]") == "low must be <= high, got low=2.0 > high=1.0"


def test_int_low_above_high(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][1].update(low=100, high=64))
    problems = reject(data, tmp_path, capsys, "parameters[1]", "low must be <= high")
    assert problem(problems, "parameters[1]") == "low must be <= high, got low=100 > high=64"


@pytest.mark.parametrize(("index", "low"), [(0, 0.0), (0, -1.0), (1, 0)])
def test_log_scale_needs_positive_low(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int, low: float
) -> None:
    data = mutated(lambda d: d["parameters"][index].update(low=low, log=True))
    problems = reject(data, tmp_path, capsys, f"parameters[{index}]", "log scale needs low > 0")
    assert "log scale needs low > 0" in problem(problems, f"parameters[{index}]")


def test_non_positive_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][0].update(step=0))
    problems = reject(data, tmp_path, capsys, "parameters[0].step")
    assert "greater than 0" in problem(problems, "parameters[0].step")


def test_empty_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][2].update(choices=[]))
    problems = reject(data, tmp_path, capsys, "parameters[2].choices")
    assert "at least 1 item" in problem(problems, "parameters[2].choices")


def test_duplicate_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][2].update(choices=["sgd", "sgd"]))
    problems = reject(data, tmp_path, capsys, "parameters[2]")
    assert "distinct" in problem(problems, "parameters[2]")


# -- parameters as a whole ------------------------------------------------------------------------


def test_duplicate_parameter_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(
        lambda d: d["parameters"].append({"name": "x", "type": "int", "low": 0, "high": 3})
    )
    problems = reject(data, tmp_path, capsys, "parameters[3]", "duplicate name 'x'")
    # The field path is carried in the message (the check runs on the whole spec).
    assert any(
        "parameters[3]" in f"{where}: {message}" and "duplicate name 'x'" in message
        for where, message in problems
    ), problems


def test_unknown_parameter_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][0].update(type="double"))
    problems = reject(data, tmp_path, capsys, "parameters[0]", "'double'")
    message = problem(problems, "parameters[0]")
    assert "'float', 'int', 'categorical'" in message
    assert "'double'" in message


def test_missing_parameter_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["parameters"][0].pop("type"))
    problems = reject(data, tmp_path, capsys, "parameters[0]")
    messages = [message for where, message in problems if where.startswith("parameters[0]")]
    assert len(messages) == 1, problems
    # Says which key is missing and what it may be (not pydantic's "discriminator" jargon).
    assert "type" in messages[0]
    assert all(kind in messages[0] for kind in ("float", "int", "categorical")), messages[0]


def test_condition_on_unknown_parent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(
        lambda d: d["parameters"][0].update(condition={"parent": "optimizer", "values": ["sgd"]})
    )
    problems = reject(data, tmp_path, capsys, "'x'", "'optimizer'")
    text = "\n".join(f"{where}: {message}" for where, message in problems)
    assert "'x' depends on unknown parameter 'optimizer'" in text
    assert "declared parameters: x, n, opt" in text


def test_condition_on_value_the_parent_never_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(
        lambda d: d["parameters"].append(
            {
                "name": "momentum",
                "type": "float",
                "low": 0.0,
                "high": 0.9,
                "condition": {"parent": "opt", "values": ["nadam"]},
            }
        )
    )
    problems = reject(data, tmp_path, capsys, "'momentum'", "opt='nadam'")
    assert any("can never take" in message for _, message in problems), problems


# -- objective, trial, budget ---------------------------------------------------------------------


def test_missing_direction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["objective"].pop("direction"))
    problems = reject(data, tmp_path, capsys, "objective.direction")
    assert problem(problems, "objective.direction") == "required field is missing"


def test_bad_direction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["objective"].update(direction="min"))
    problems = reject(data, tmp_path, capsys, "objective.direction")
    message = problem(problems, "objective.direction")
    assert "'minimize' or 'maximize'" in message and "'min'" in message


def test_trial_with_function_and_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(lambda d: d["trial"].update(command=["python", "train.py"]))
    problems = reject(data, tmp_path, capsys, "trial", "exactly one of")
    assert problem(problems, "trial") == "give exactly one of 'function' or 'command'"


def test_trial_with_neither(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.update(trial={}))
    problems = reject(data, tmp_path, capsys, "trial", "exactly one of")
    assert problem(problems, "trial") == "give exactly one of 'function' or 'command'"


def test_missing_trial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.pop("trial"))
    problems = reject(data, tmp_path, capsys, "trial")
    assert problem(problems, "trial") == (
        "required: a function or command (or use architecture + data)"
    )


def test_command_uses_unknown_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(
        lambda d: d.update(trial={"command": ["python", "train.py", "--lr", "${lr}", "-x=$x"]})
    )
    problems = reject(data, tmp_path, capsys, "trial.command", "${lr}")
    text = "\n".join(f"{where}: {message}" for where, message in problems)
    assert "trial.command[3]: ${lr} is not a parameter; parameters: n, opt, x" in text
    assert "parameters: n, opt, x" in text


def test_command_with_known_parameters_and_escaped_dollar_is_fine() -> None:
    data = mutated(lambda d: d.update(trial={"command": ["echo", "${x}", "$n", "$$lr"]}))
    assert parse_spec(data).trial.command == ["echo", "${x}", "$n", "$$lr"]


@pytest.mark.parametrize("arg", ["--lr=${a.b}", "cost:5$"])
def test_command_placeholder_is_rejected_or_substituted(arg: str) -> None:
    """What validation lets through, the command estimator must be able to fill in."""
    data = mutated(lambda d: d.update(trial={"command": ["python", "train.py", arg]}))
    data["parameters"].append({"name": "a.b", "type": "float", "low": 0.0, "high": 1.0})
    try:
        spec = parse_spec(data)
    except SpecError as exc:
        assert "trial.command" in str(exc)
        return
    assert spec.trial.command is not None
    params = {"x": 0.5, "n": 4, "opt": "sgd", "a.b": 0.25}
    try:
        CommandEstimator(spec.trial.command).argv(params)
    except ValueError as exc:
        pytest.fail(f"validated command {spec.trial.command} cannot be filled in: {exc}")


def test_budget_without_an_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.update(budget={"max_failed_trials": 3}))
    problems = reject(
        data, tmp_path, capsys, "budget", "max_trials, max_wall_seconds or max_compute_seconds"
    )
    message = problem(problems, "budget")
    assert "set time, max_trials, max_wall_seconds or max_compute_seconds" in message


def test_missing_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.pop("budget"))
    problems = reject(data, tmp_path, capsys, "budget")
    assert problem(problems, "budget") == "required: e.g. {max_trials: 50} or {time: 10m}"


def test_every_problem_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change(d: dict[str, Any]) -> None:
        d["objective"]["direction"] = "up"
        d["budget"]["max_trials"] = 0
        d["parameters"][0]["low"] = "abc"

    problems = reject(mutated(change), tmp_path, capsys, "objective.direction")
    paths = {where for where, _ in problems}
    assert {"objective.direction", "budget.max_trials", "parameters[0].low"} <= paths


# -- file-level problems --------------------------------------------------------------------------


def load_rejects(path: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.problems
    assert info.value.source == str(path)
    assert_cli_rejects(path, capsys, *fragments)
    return info.value


def test_duplicate_yaml_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "objective: {direction: minimize}\n"
        "trial: {function: objective.py:objective}\n"
        "budget: {max_trials: 3}\n"
        "budget: {max_trials: 4}\n"
    )
    error = load_rejects(path, capsys, "duplicate key 'budget'", "line 4")
    [(where, message)] = error.problems
    assert where == "line 4, column 1"
    assert message == "duplicate key 'budget' (first on line 3)"


def test_duplicate_nested_yaml_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "objective: {direction: minimize}\n"
        "trial: {function: objective.py:objective}\n"
        "budget: {max_trials: 3}\n"
        "parameters:\n"
        "  - name: x\n"
        "    type: float\n"
        "    low: 0\n"
        "    high: 1\n"
        "    low: 2\n"
    )
    error = load_rejects(path, capsys, "duplicate key 'low'")
    [(where, message)] = error.problems
    assert where.startswith("line 9,")
    assert "first on line 7" in message


def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("objective: {direction: minimize\ntrial: [\n")
    error = load_rejects(path, capsys, "line 2, column 6")
    [(where, message)] = error.problems
    assert where == "line 2, column 6"
    assert message


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.yaml"
    error = load_rejects(path, capsys, "file not found", "nope.yaml")
    assert error.problems == [("", "file not found")]


def test_directory_instead_of_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = load_rejects(tmp_path, capsys, "file not found")
    assert error.problems == [("", "file not found")]


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    error = load_rejects(path, capsys, "not a text file")
    assert error.problems == [("", "not a text file (expected YAML)")]


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "list"), ("", "NoneType"), ("42\n", "int")]
)
def test_top_level_not_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, kind: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    error = load_rejects(path, capsys, "a spec is a mapping of keys")
    assert error.problems == [("", f"a spec is a mapping of keys, got {kind}")]


# -- check_spec: components and the objective function --------------------------------------------


def check_rejects(
    data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], **write_args: Any
) -> SpecError:
    path = write(tmp_path, data, **write_args)
    spec = load_spec(path)  # the schema is fine; the check needs to look further
    with pytest.raises(SpecError) as info:
        check_spec(spec, str(path), tmp_path)
    assert info.value.problems
    assert_cli_rejects(path, capsys, *{where for where, _ in info.value.problems})
    return info.value


def test_unknown_strategy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.update(strategy={"name": "bayesian-magic"}))
    error = check_rejects(data, tmp_path, capsys)
    message = problem(error.problems, "strategy")
    assert "unknown strategy 'bayesian-magic'" in message
    assert "available: " in message and "random" in message


def test_strategy_setting_it_does_not_take(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(lambda d: d.update(strategy={"name": "random", "temperature": 3}))
    error = check_rejects(data, tmp_path, capsys)
    assert "temperature" in problem(error.problems, "strategy")


def test_unknown_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d.update(scheduler={"name": "hyperband-ish"}))
    error = check_rejects(data, tmp_path, capsys)
    message = problem(error.problems, "scheduler")
    assert "unknown scheduler 'hyperband-ish'" in message and "fifo" in message


@pytest.mark.parametrize(
    ("scheduler", "fragment"),
    [
        ({"name": "asha", "max_resource": 9, "reduction_factor": 1}, "reduction_factor (η)"),
        ({"name": "hyperband", "max_resource": 3, "min_resource": 9}, "larger than max_resource"),
        ({"name": "asha", "max_resource": 9, "resource": "pixels"}, "unknown fidelity 'pixels'"),
        ({"name": "asha"}, "set max_resource"),
        ({"name": "curve", "threshold": 2}, "threshold must be a probability"),
        ({"name": "median", "patience": 3}, "patience"),
    ],
)
def test_bad_scheduler_settings_are_refused_before_the_search(
    scheduler: dict[str, Any], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(lambda d: d.update(scheduler=scheduler))
    error = check_rejects(data, tmp_path, capsys)
    assert fragment in problem(error.problems, "scheduler")


def test_inheritance_needs_an_architecture_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(lambda d: d.update(estimator={"type": "inheritance", "epochs": 2}))
    problems = reject(data, tmp_path, capsys, "estimator")
    assert "needs an architecture search" in problem(problems, "estimator")


# Trial function references that the check refuses, and what it says of each; the last is one
# of the library bugs below.
BAD_FUNCTION_REFERENCES = {
    "file_missing": ("missing.py:objective", "missing.py does not exist"),
    "reference_malformed": ("objective", "must look like 'package.module:function'"),
    "module_not_installed": ("netsynth_no_such_module:objective", "cannot be imported"),
    "in_package_that_does_not_exist": (
        "netsynth_no_such_pkg.train:objective",
        "cannot be imported",
    ),
}


@pytest.mark.parametrize(
    ("function", "fragment"), BAD_FUNCTION_REFERENCES.values(), ids=BAD_FUNCTION_REFERENCES.keys()
)
def test_bad_function_reference(
    function: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = mutated(lambda d: d["trial"].update(function=function))
    error = check_rejects(data, tmp_path, capsys)
    assert fragment in problem(error.problems, "trial.function")


def test_function_not_defined_in_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = mutated(lambda d: d["trial"].update(function="objective.py:train"))
    error = check_rejects(
        data, tmp_path, capsys, objective=NOT_RUN + "def objective(trial):\n    return 0.0\n"
    )
    message = problem(error.problems, "trial.function")
    assert "defines no top-level 'train'" in message


# Library bugs: check_ref lets these escape as non-SpecError exceptions (traceback, exit 1).


def test_function_file_with_syntax_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    error = check_rejects(valid_spec(), tmp_path, capsys, objective="def objective(:\n")
    assert "objective.py" in problem(error.problems, "trial.function")


def test_function_file_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, valid_spec(), objective=None)
    (tmp_path / "objective.py").write_bytes(b"\xff\xfe\x00 def objective(t): pass\n")
    with pytest.raises(SpecError) as info:
        check_spec(load_spec(path), str(path), tmp_path)
    assert problem(info.value.problems, "trial.function")
    assert_cli_rejects(path, capsys, "trial.function")
