"""MkDocs hook: the reference pages generated from the code at build time.

A page that contains ``<!-- generated: spec -->`` gets the spec's keys, rendered from the
pydantic models' JSON Schema (``ExperimentSpec.model_json_schema()``); ``<!-- generated: cli -->``
gets every command and option, read from the argparse parser (``netsynth.cli._parser()``). So
the reference cannot drift from the code: a key or an option added there appears here on the
next build.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import typing
from typing import Any

MARKERS = {
    "<!-- generated: spec -->": "spec_reference",
    "<!-- generated: cli -->": "cli_reference",
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace each marker on a page with the reference it names."""
    for marker, function in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, globals()[function]())
    return markdown


# --- the spec -------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return name.lower()


def schema_type(schema: dict[str, Any]) -> str:
    """A JSON Schema type in a few words: ``number``, ``list of string``, a link to a model."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{_anchor(name)})"
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " | ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    for combination in ("anyOf", "oneOf", "allOf"):
        if combination in schema:
            parts = [schema_type(part) for part in schema[combination]]
            return " or ".join(dict.fromkeys(part for part in parts if part))
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"list of {schema_type(items)}" if items else "list"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and values:
            return f"mapping to {schema_type(values)}"
        return "mapping"
    if isinstance(kind, list):
        return " or ".join(kind)
    return str(kind or "any")


def _default(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return ""
    return f"`{json.dumps(schema['default'])}`"


def pydantic_models(root: type) -> dict[str, type]:
    """``root`` and every pydantic model its fields use, by class name (the JSON Schema's
    ``$defs`` keys)."""
    from pydantic import BaseModel

    found: dict[str, type] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ in found:
                return
            found[annotation.__name__] = annotation
            for field in annotation.model_fields.values():
                visit(field.annotation)
        for argument in typing.get_args(annotation):
            visit(argument)

    visit(root)
    return found


def field_comments(model: type) -> dict[str, str]:
    """The comments the source gives a model's fields: on the field's line, or on the comment
    lines right above it. They are the fields' documentation where pydantic has none."""
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    comments: dict[str, str] = {}
    above: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("#").strip())
            continue
        field = re.match(r"^    (\w+): [^#]*?(?:#\s*(.*))?$", line)
        if field and not field.group(1).startswith("_"):
            text = " ".join([*above, field.group(2) or ""]).strip()
            if text:
                comments[field.group(1)] = text
        above = []
    return comments


def _description(schema: dict[str, Any], definitions: dict[str, Any], comment: str = "") -> str:
    """The field's own description, else its source comment, else that of the model it refers
    to (its first paragraph)."""
    if schema.get("description"):
        return str(schema["description"])
    if comment:
        return comment
    refs = [schema, *schema.get("anyOf", [])]
    for part in refs:
        if "$ref" in part:
            described = definitions.get(_ref_name(part["$ref"]), {}).get("description", "")
            return str(described).split("\n\n")[0]
    return ""


def model_table(
    model: dict[str, Any], definitions: dict[str, Any], comments: dict[str, str] | None = None
) -> str:
    """One model's fields as a Markdown table: key, type, default, description."""
    comments = comments or {}
    required = set(model.get("required", []))
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for key, field in model.get("properties", {}).items():
        name = f"`{key}`" + (" (required)" if key in required else "")
        rows.append(
            f"| {name} | {_cell(schema_type(field))} | {_cell(_default(field))} "
            f"| {_cell(_description(field, definitions, comments.get(key, '')))} |"
        )
    if model.get("additionalProperties") is True:
        rows.append("| *(any other key)* | | | a setting passed on to the component |")
    return "\n".join(rows)


def spec_reference() -> str:
    """Every key of a spec file, from ``ExperimentSpec``'s JSON Schema: the top level first,
    then each nested model in alphabetical order."""
    from netsynth.spec import ExperimentSpec

    schema = ExperimentSpec.model_json_schema()
    definitions: dict[str, Any] = schema.get("$defs", {})
    classes = pydantic_models(ExperimentSpec)

    def comments(name: str) -> dict[str, str]:
        return field_comments(classes[name]) if name in classes else {}

    parts = [
        "## ExperimentSpec (the top level)",
        "",
        model_table(schema, definitions, comments("ExperimentSpec")),
        "",
    ]
    for name in sorted(definitions):
        model = definitions[name]
        parts += [f"## {name}", ""]
        if model.get("description"):
            parts += [str(model["description"]).strip(), ""]
        if "properties" in model:
            parts += [model_table(model, definitions, comments(name)), ""]
        else:
            parts += [f"A value of type {schema_type(model)}.", ""]
    return "\n".join(parts)


# --- the command line ---------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_of(parser: argparse.ArgumentParser, name: str) -> str:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name:
                    return choice.help or ""
    return ""


def _option_row(action: argparse.Action) -> str:
    if action.option_strings:
        name = ", ".join(f"`{option}`" for option in action.option_strings)
        if action.nargs != 0:
            name += f" `{action.metavar or action.dest.upper()}`"
    else:
        name = f"`{action.metavar or action.dest.upper()}`"
        if action.nargs == "?":
            name += " (optional)"
    details = action.help or ""
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        details += " (one of: " + ", ".join(f"`{c}`" for c in action.choices) + ")"
    if action.default not in (None, False, [], argparse.SUPPRESS) and action.nargs != 0:
        details += f" (default: `{action.default}`)"
    return f"| {name} | {_cell(details.strip())} |"


def cli_reference() -> str:
    """Every ``netsynth`` command with its arguments and options, from the parser itself."""
    from netsynth.cli import _parser

    parser = _parser()
    parts = [f"`{parser.prog}` — {parser.description or ''}", ""]
    for name, command in _subcommands(parser).items():
        parts += [f"### netsynth {name}", "", _help_of(parser, name), ""]
        parts += ["```text", command.format_usage().strip(), "```", ""]
        rows = [
            _option_row(action)
            for action in command._actions
            if not isinstance(action, argparse._HelpAction)
        ]
        if rows:
            parts += ["| argument | what it does |", "| --- | --- |", *rows, ""]
    return "\n".join(parts)
