"""TF-Serving layout: model_store/NAME/VERSION/ with a SavedModel and model_card.json."""

import json
from dataclasses import dataclass
from pathlib import Path

CARD_FILE = "model_card.json"


class StoreError(Exception):
    """The store lacks a model or a version, or a card is unreadable."""


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: int
    path: Path
    card: dict


def available_versions(store: Path, name: str) -> list[int]:
    folder = store / name
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and (p / "saved_model.pb").exists()
    )


def resolve(store: Path, name: str, pinned: int | None = None) -> ModelVersion:
    """The pinned version, or else the highest one, as TF Serving does."""
    versions = available_versions(store, name)
    if not versions:
        raise StoreError(f"no SavedModel versions of {name!r} in {store}")
    version = pinned if pinned is not None else versions[-1]
    if version not in versions:
        raise StoreError(f"{name!r} has no version {version}; available: {versions}")
    path = store / name / str(version)
    try:
        card = json.loads((path / CARD_FILE).read_text())
    except (OSError, ValueError) as e:
        raise StoreError(f"model card of {name!r} version {version} is missing or not JSON") from e
    return ModelVersion(name, version, path, card)
