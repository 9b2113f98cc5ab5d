"""The lazy registry every extension point uses: names resolve to their objects on first use,
unknown names fail with the names known, and what is registered later is found like the rest."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from netsynth.registry import Registry, load
from netsynth.schedulers.registry import SCHEDULERS
from netsynth.space.architecture_space import SPACES
from netsynth.strategies.registry import STRATEGIES


def test_resolves_a_name_to_the_object_its_path_names() -> None:
    registry: Registry[object] = Registry("codec", {"json": "json:dumps"})
    import json

    assert registry.resolve("json") is json.dumps
    assert registry["json"] is json.dumps


def test_imports_a_module_only_when_its_name_is_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lazy_plugin_for_registry_test.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry: Registry[int] = Registry("plugin", {"answer": "lazy_plugin_for_registry_test:VALUE"})
    assert "answer" in registry and list(registry) == ["answer"] and len(registry) == 1
    assert "lazy_plugin_for_registry_test" not in sys.modules
    assert registry.resolve("answer") == 42
    assert "lazy_plugin_for_registry_test" in sys.modules
    monkeypatch.delitem(sys.modules, "lazy_plugin_for_registry_test")


def test_an_unknown_name_fails_naming_the_known_ones() -> None:
    registry: Registry[object] = Registry("codec", {"b": "json:dumps", "a": "json:loads"})
    with pytest.raises(ValueError, match=r"unknown codec 'c'; available: a, b"):
        registry.resolve("c")
    with pytest.raises(KeyError):
        registry["c"]
    assert registry.get("c") is None


def test_the_error_class_is_the_callers() -> None:
    class NotFound(ValueError):
        pass

    registry: Registry[object] = Registry("codec", {}, error=NotFound)
    with pytest.raises(NotFound, match=r"unknown codec 'x'; available: $"):
        registry.resolve("x")


def test_register_takes_a_path_or_the_object_and_unregister_removes_it() -> None:
    registry: Registry[object] = Registry("codec", {"json": "json:dumps"})

    def encode(value: object) -> str:
        return repr(value)

    registry.register("repr", encode)
    registry.register("loads", "json:loads")
    assert registry.resolve("repr") is encode
    assert registry.target("repr").endswith(
        ":test_register_takes_a_path_or_the_object_and_unregister_removes_it.<locals>.encode"
    )
    import json

    assert registry.resolve("loads") is json.loads
    assert list(registry) == ["json", "repr", "loads"]
    registry.unregister("repr")
    assert "repr" not in registry


def test_load_rejects_a_path_without_an_attribute() -> None:
    with pytest.raises(ValueError, match=r"'package\.module:attribute'"):
        load("json")


@pytest.mark.parametrize(
    ("registry", "error"),
    [
        (SPACES, "unknown space type"),
        (STRATEGIES, "unknown strategy"),
        (SCHEDULERS, "unknown scheduler"),
    ],
)
def test_every_package_registry_resolves_each_of_its_names(
    registry: Registry[object], error: str
) -> None:
    for name in registry:
        assert callable(registry.resolve(name)), name
    with pytest.raises(ValueError, match=error):
        registry.resolve("no-such-name")
