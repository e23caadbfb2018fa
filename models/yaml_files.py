"""Reading Komok's YAML data files (vocabularies, deadline rules, forms) strictly.

A key repeated in one mapping is an error (PyYAML would silently keep the last one), and
every failure becomes one translated problem text with the line and column when known,
which the caller puts in its own error type together with the file's path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from translations import _


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key repeated in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: list[Any] = []
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.append(key)
        return super().construct_mapping(node, deep=deep)


class YamlFileProblem(Exception):
    """A data file that cannot be read or is not valid YAML; `str()` says why (translated)."""


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A one-line account of a YAML error, with its line and column when known."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    return str(exc)


def read_yaml(path: Path) -> Any:
    """The data of a UTF-8 YAML file; YamlFileProblem when it cannot be read or parsed."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileProblem(_("cannot be read ({error})").format(error=exc)) from exc
    except yaml.YAMLError as exc:
        problem = _("is not valid YAML ({error})").format(error=yaml_problem(exc))
        raise YamlFileProblem(problem) from exc
