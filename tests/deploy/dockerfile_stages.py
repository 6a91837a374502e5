"""Reads the Dockerfile into build stages (via dockerfile-parse) and resolves what a target inherits from its parents."""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
PRAGMA = re.compile(r"^\s*#\s*hadolint\s+ignore=", re.IGNORECASE)


@dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]


def read_stages(path: Path = DOCKERFILE) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults (before the first FROM) and the stages in file order."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for item in DockerfileParser(path=str(path)).structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "COMMENT":
            continue
        if instruction == "FROM":
            parent, _, name = value.partition(" AS ")
            stages.append(Stage(name=name.strip(), parent=parent.strip()))
        elif not stages and instruction == "ARG":
            key, _, default = value.partition("=")
            global_args[key] = default
        else:
            stages[-1].instructions.append((instruction, value))
    return global_args, stages


def lineage(stages: list[Stage], target: str) -> list[Stage]:
    """The target stage and its ancestors inside this Dockerfile, root first."""
    by_name = {stage.name: stage for stage in stages}
    chain = [by_name[target]]
    while chain[-1].parent in by_name:
        chain.append(by_name[chain[-1].parent])
    return chain[::-1]


def dependencies(stages: list[Stage], target: str) -> set[str]:
    """Every stage the target needs: its parents and the stages it copies from, transitively."""
    by_name = {stage.name: stage for stage in stages}
    needed, pending = set(), [target]
    while pending:
        stage = by_name[pending.pop()]
        needed.add(stage.name)
        sources = [
            value.split()[0].removeprefix("--from=") for value in stage.values("COPY") if value.startswith("--from=")
        ]
        pending += [name for name in [stage.parent, *sources] if name in by_name and name not in needed]
    return needed


def effective(stages: list[Stage], target: str, instruction: str) -> str | None:
    """The last value of a single-valued instruction (USER, CMD, HEALTHCHECK) that the target ends up with."""
    found = [value for stage in lineage(stages, target) for value in stage.values(instruction)]
    return found[-1] if found else None


def effective_env(stages: list[Stage], target: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for stage in lineage(stages, target):
        for value in stage.values("ENV"):
            env.update(pair.split("=", 1) for pair in shlex.split(value))
    return env


def unjustified_ignores(text: str) -> list[int]:
    """Line numbers of `# hadolint ignore=` pragmas not directly preceded by a comment saying why.

    hadolint rejects text after the rule list, so the justification has to sit on the line above.
    """
    lines = text.splitlines()
    bad = []
    for number, line in enumerate(lines, start=1):
        if not PRAGMA.match(line):
            continue
        above = lines[number - 2].strip() if number > 1 else ""
        if not above.startswith("#") or PRAGMA.match(above) or not above.lstrip("#").strip():
            bad.append(number)
    return bad
