"""Loads compose files with Compose's !reset/!override tags, merges overrides and interpolates ${VAR:-default}.

This covers only the Compose rules our files use; an override that changes a sequence without a tag is refused
rather than guessed at, since Compose merges sequences per field.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("schemas") / "compose-spec.json"
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Reset:
    value: Any


@dataclass(frozen=True)
class Override:
    value: Any


class ComposeLoader(yaml.SafeLoader):
    pass


def _tagged(wrapper):
    def construct(loader: yaml.SafeLoader, node: yaml.Node):
        if isinstance(node, yaml.MappingNode):
            return wrapper(loader.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return wrapper(loader.construct_sequence(node, deep=True))
        return wrapper(loader.construct_scalar(node) or None)

    return construct


ComposeLoader.add_constructor("!reset", _tagged(Reset))
ComposeLoader.add_constructor("!override", _tagged(Override))


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=ComposeLoader)


def untagged(node: Any) -> Any:
    """The file as Compose's schema sees it: tags dropped, their values kept."""
    if isinstance(node, Reset | Override):
        return untagged(node.value)
    if isinstance(node, dict):
        return {key: untagged(value) for key, value in node.items()}
    if isinstance(node, list):
        return [untagged(value) for value in node]
    return node


def merge(base: dict, override: dict, where: str = "") -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Reset):
            merged.pop(key, None)
        elif isinstance(value, Override):
            merged[key] = untagged(value.value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value, f"{where}{key}.")
        elif isinstance(value, list) and key in merged:
            raise ValueError(f"{where}{key}: override a sequence with !reset or !override")
        else:
            merged[key] = untagged(value)
    return merged


def merged(*paths: Path) -> dict:
    result = untagged(load(paths[0]))
    for path in paths[1:]:
        result = merge(result, load(path))
    return result


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Resolve ${VAR} and ${VAR:-default} (default when unset or empty), the only forms our files use."""
    if isinstance(node, str):
        return VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), node)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    return node


def schema_errors(document: dict) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))
