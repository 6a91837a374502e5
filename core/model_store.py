"""The model store: TF Serving's layout, model_store/NAME/VERSION/ with a SavedModel and its card.

The one implementation of the layout for training (which writes versions), serving and the evaluation tools
(which resolve and read them). A version counts only with its saved_model.pb; its card must validate.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from core.model_card import InputSpec, ModelCard

CARD_FILE = "model_card.json"
SAVED_MODEL_FILE = "saved_model.pb"


class StoreError(Exception):
    """The store lacks a model or a version, or a card is missing or does not validate."""


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: int
    path: Path
    card: ModelCard


def available_versions(store: Path, name: str) -> list[int]:
    folder = Path(store) / name
    if not folder.is_dir():
        return []
    return sorted(
        int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and (p / SAVED_MODEL_FILE).exists()
    )


def read_card(path: Path) -> ModelCard:
    """The validated card of the version folder `path`."""
    card_path = Path(path) / CARD_FILE
    try:
        data = json.loads(card_path.read_text())
    except (OSError, ValueError) as e:
        raise StoreError(f"{card_path}: missing or not JSON") from e
    try:
        return ModelCard.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'card'}: {err['msg']}" for err in e.errors())
        raise StoreError(f"{card_path} does not validate: {problems}") from e


def write_card(path: Path, card: ModelCard | dict) -> ModelCard:
    """Validate `card` and write it into the version folder `path`; a card that does not validate is not written."""
    try:
        valid = card if isinstance(card, ModelCard) else ModelCard.model_validate(card)
    except ValidationError as e:
        raise StoreError(f"refusing to write an invalid card to {path}: {e}") from e
    (Path(path) / CARD_FILE).write_text(json.dumps(valid.as_dict(), indent=2) + "\n")
    return valid


def resolve(store: Path, name: str, pinned: int | None = None) -> ModelVersion:
    """The pinned version, or else the highest one, as TF Serving does; its card validated and matching."""
    versions = available_versions(store, name)
    if not versions:
        raise StoreError(f"no SavedModel versions of {name!r} in {store}")
    version = pinned if pinned is not None else versions[-1]
    if version not in versions:
        raise StoreError(f"{name!r} has no version {version}; available: {versions}")
    path = Path(store) / name / str(version)
    card = read_card(path)
    if (card.name, card.version) != (name, version):
        raise StoreError(f"{path}: its card describes {card.name!r} version {card.version}")
    return ModelVersion(name, version, path, card)


def paired_input(*cards: ModelCard) -> InputSpec:
    """The input that models used together take: one array feeds them all, so shape, neighbouring slices (2.5D)
    and confinement must agree."""
    inputs = {(card.input.shape, card.input.context_slices, card.input.confinement) for card in cards}
    if len(inputs) > 1:
        described = ", ".join(
            f"{c.name} v{c.version}: {list(c.input.shape)}, context {c.input.context_slices},"
            f" confinement {c.input.confinement}"
            for c in cards
        )
        raise StoreError(f"the models take different inputs ({described}); pair models trained alike")
    return cards[0].input
