"""Declarative experiments: a YAML spec, validated with pydantic, compiled to an Experiment."""

from netsynth.spec.compile import CompiledSpec, check_spec, compile_spec
from netsynth.spec.errors import SpecError
from netsynth.spec.loader import load_spec, parse_spec
from netsynth.spec.schema import ExperimentSpec

__all__ = [
    "CompiledSpec",
    "ExperimentSpec",
    "SpecError",
    "check_spec",
    "compile_spec",
    "load_spec",
    "parse_spec",
]
