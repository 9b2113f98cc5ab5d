"""End to end: the commands a user types, in fresh processes, read back from storage."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from netsynth.cli import MOVED_COMMANDS, _parser, current_argv, main
from tests.conftest import EXAMPLES, cli, cli_env, show_json


@pytest.fixture(scope="module")
def quadratic(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The storage URL and output of one run of the example spec, shared by the tests below."""
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('quadratic') / 'netsynth.db'}"
    result = cli("run", str(EXAMPLES / "hpo-quadratic.yaml"), "--storage", sqlite_url)
    assert result.returncode == 0, result.stderr
    return sqlite_url, result.stdout


def test_run_example_spec_to_completed_and_read_leaderboard(quadratic: tuple[str, str]) -> None:
    sqlite_url, stdout = quadratic
    assert "hpo-quadratic: COMPLETED" in stdout
    rows = show_json("hpo-quadratic", sqlite_url)
    assert len(rows) == 60
    assert [row["rank"] for row in rows] == list(range(1, 61))
    losses = [row["loss"] for row in rows if row["state"] == "COMPLETE"]
    assert losses == sorted(losses)
    for row in rows:  # the conditional parameter appears exactly under its parent value
        assert ("curvature" in row["params"]) == (row["params"]["shape"] == "bowl")
    listing = json.loads(cli("ls", "--storage", sqlite_url, "--format", "json").stdout)
    assert listing[0]["name"] == "hpo-quadratic"
    assert listing[0]["state"] == "COMPLETED"
    assert listing[0]["done"] == 60


def test_show_formats(quadratic: tuple[str, str]) -> None:
    sqlite_url, _ = quadratic
    csv_out = cli("show", "hpo-quadratic", "--storage", sqlite_url, "--format", "csv", "--top", "3")
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0].startswith("rank,trial,state,loss,curvature,shape,x,y")
    assert len(lines) == 4
    table = cli("show", "hpo-quadratic", "--storage", sqlite_url, "--top", "3")
    assert "hpo-quadratic — COMPLETED" in table.stdout


def test_builtin_default_runs_without_a_spec(tmp_path: Path) -> None:
    # The quickstart (search, 40-epoch retrain, export), its search cut from 8 trials to 2
    # and its 10-minute limit to 2 (a shorter calibration; the retrain may be cut by time).
    # The subprocess timeout only guards against a hang.
    result = cli(
        "run", "--no-progress", "--max-trials", "2", "--time", "2m", cwd=tmp_path, timeout=400
    )
    assert result.returncode == 0, result.stderr
    assert "time limit 2m" in result.stderr
    assert (tmp_path / "netsynth.db").exists()
    assert "quickstart: COMPLETED" in result.stdout
    assert (tmp_path / "netsynth-models" / "quickstart" / "model" / "model.onnx").is_file()


def test_command_trials_read_metrics_from_output(sqlite_url: str) -> None:
    result = cli("run", str(EXAMPLES / "hpo-command.yaml"), "--storage", sqlite_url)
    assert result.returncode == 0, result.stderr
    rows = show_json("hpo-command", sqlite_url)
    assert len(rows) == 12 and all(row["state"] == "COMPLETE" for row in rows)
    assert all(0 < row["val_acc"] < 1 for row in rows)


def test_python_example_runs_and_continues(tmp_path: Path) -> None:
    script = str(EXAMPLES / "hpo_function.py")
    for _ in range(2):  # the second run finds the experiment complete and keeps it
        result = subprocess.run(
            [sys.executable, script], cwd=tmp_path, env=cli_env(), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "hpo-function — COMPLETED" in result.stdout
    rows = show_json("hpo-function", f"sqlite:///{tmp_path / 'netsynth.db'}")
    assert len(rows) == 50


def test_validate_and_spec_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    good = cli("validate", str(EXAMPLES / "hpo-quadratic.yaml"))
    assert good.returncode == 0 and "OK" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "objective: {direction: minimize}\ntrial: {function: x.py:f}\n"
        "parameters: [{name: lr, type: float, low: 0, high: 1, log: true}]\n"
        "budget: {max_trials: 3}\n"
    )
    storage = f"sqlite:///{tmp_path / 'x.db'}"
    for args in (("validate", str(bad)), ("run", str(bad), "--storage", storage)):
        result = cli(*args)
        assert result.returncode == 2
        assert "parameters[0]" in result.stderr and "log scale needs low > 0" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was created for a bad spec


def test_rerunning_a_spec_with_a_different_search_under_the_same_name_is_refused(
    tmp_path: Path, sqlite_url: str
) -> None:
    first = cli(
        "run", str(EXAMPLES / "hpo-quadratic.yaml"), "--storage", sqlite_url, "--max-trials", "3"
    )
    assert first.returncode == 0
    changed = tmp_path / "changed.yaml"
    text = (EXAMPLES / "hpo-quadratic.yaml").read_text().replace("low: -5.0", "low: -4.0")
    text = text.replace("quadratic.py:objective", f"{EXAMPLES / 'quadratic.py'}:objective")
    changed.write_text(text)
    result = cli("run", str(changed), "--storage", sqlite_url)
    assert result.returncode == 2
    assert "exists with different parameters" in result.stderr
    assert "--name NEW_NAME" in result.stderr


def test_set_overrides_the_spec_and_a_bad_override_reads_as_a_spec_error(
    tmp_path: Path, sqlite_url: str
) -> None:
    spec = str(EXAMPLES / "hpo-quadratic.yaml")
    storage = f"sqlite:///{tmp_path / 'set.db'}"
    for override, expected in (
        ("budget.max_trials=many", "budget.max_trials"),
        ("budget.max_trails=3", "max_trails"),
        ("budget.max_trials", "expected PATH=VALUE"),
    ):
        bad = cli("run", spec, "--storage", storage, "--set", override)
        assert bad.returncode == 2 and expected in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr
    assert not (tmp_path / "set.db").exists()  # nothing was created for a bad override
    ran = cli(
        "run", spec, "--storage", sqlite_url, "--no-progress",
        "--set", "budget.max_trials=3", "--set", "stopping.target=null",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert len(show_json("hpo-quadratic", sqlite_url)) == 3
    # An override that changes what the stored experiment searches is refused, naming --name.
    narrower = ("--set", "parameters.0.low=-4.0", "--set", "budget.max_trials=2")
    refused = cli("run", spec, "--storage", sqlite_url, *narrower)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        "different parameters" in refused.stderr and "--set parameters.0.low=-4.0" in refused.stderr
    )
    assert "--name NEW_NAME" in refused.stderr
    renamed = cli("run", spec, "--storage", sqlite_url, "--no-progress", *narrower, "--name", "n")
    assert renamed.returncode == 0, renamed.stderr
    assert len(show_json("n", sqlite_url)) == 2


def test_resume_with_a_larger_total_continues_and_a_smaller_one_is_refused(
    sqlite_url: str,
) -> None:
    spec = str(EXAMPLES / "hpo-quadratic.yaml")
    first = cli("run", spec, "--storage", sqlite_url, "--max-trials", "3", "--no-progress")
    assert first.returncode == 0, first.stderr
    same = cli("resume", "hpo-quadratic", "--storage", sqlite_url, "--no-progress")
    assert same.returncode == 0 and "already COMPLETED with 3 trials" in same.stderr
    smaller = cli("resume", "hpo-quadratic", "--storage", sqlite_url, "--max-trials", "2")
    assert smaller.returncode == 2 and "Traceback" not in smaller.stderr
    assert "COMPLETED with 3 trials" in smaller.stderr and "more than 3" in smaller.stderr
    more = cli(
        "resume", "hpo-quadratic", "--storage", sqlite_url, "--max-trials", "5", "--no-progress"
    )
    assert more.returncode == 0, more.stderr
    assert len(show_json("hpo-quadratic", sqlite_url)) == 5
    (listed,) = json.loads(cli("ls", "--storage", sqlite_url, "--format", "json").stdout)
    assert (listed["state"], listed["done"], listed["budget"]) == ("COMPLETED", 5, 5)


def _unhelped(parser: argparse.ArgumentParser, where: str) -> list[str]:
    """Every command and argument under ``parser`` that has no help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if not helped.get(name):
                    missing.append(f"{where} {name}")
                missing += _unhelped(sub, f"{where} {name}")
        elif not action.help or action.help == argparse.SUPPRESS:
            missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_command_and_argument_has_help() -> None:
    assert _unhelped(_parser(), "netsynth") == []


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def test_the_lifecycle_is_at_the_top_and_the_tools_in_groups() -> None:
    top = _commands(_parser())
    lifecycle = {"run", "resume", "validate", "ls", "show", "export", "dashboard"}
    assert set(top) == lifecycle | {"tapas", "admin"}
    assert set(_commands(top["tapas"])) == {"characterize", "predict"}
    assert set(_commands(top["admin"])) == {"reap"}


@pytest.mark.parametrize(
    ("argv", "current"),
    [
        (["reap", "x", "--grace", "1"], ["admin", "reap", "x", "--grace", "1"]),
        (["-v", "characterize", "digits"], ["-v", "tapas", "characterize", "digits"]),
        (["predict", "net.json"], ["tapas", "predict", "net.json"]),
    ],
)
def test_the_old_flat_command_names_still_work_with_a_note(
    argv: list[str], current: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert current_argv(argv) == current
    moved = next(a for a in argv if not a.startswith("-"))
    group = MOVED_COMMANDS[moved][0]
    note = f"deprecated: netsynth {moved} is deprecated, use netsynth {group} {moved}"
    assert note in capsys.readouterr().err


def test_a_current_command_line_is_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["run", "predict.yaml"], ["show", "reap"], ["tapas", "predict", "n"]):
        assert current_argv(argv) == argv
    assert capsys.readouterr().err == ""


def test_an_old_command_name_runs_the_moved_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["reap", "x", "--storage", missing]) == 2  # admin reap's own refusal
    err = capsys.readouterr().err
    assert "use netsynth admin reap" in err and "no netsynth storage at" in err
