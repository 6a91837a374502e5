"""Valid model cards for tests that build stores or fake models: the contract is core.model_card's."""

import json
from pathlib import Path

from core.model_card import NOTICE, ModelCard, input_spec
from core.model_store import CARD_FILE, SAVED_MODEL_FILE

SUBTYPES = ["epidural", "subdural", "subarachnoid", "intraparenchymal", "intraventricular"]


def card_data(
    name: str,
    version: int,
    *,
    segmenter: bool = False,
    size: tuple[int, int] = (256, 256),
    threshold: float = 0.5,
    context_slices: int = 0,
    confinement: str = "none",
    **extra,
) -> dict:
    """A minimal card as training writes one; `extra` adds or replaces top-level keys."""
    output = (
        {"name": "mask", "mask_threshold": 0.5}
        if segmenter
        else {"name": "probabilities", "columns": ["any", *SUBTYPES]}
    )
    return {
        "name": name,
        "version": version,
        "created": "2026-12-01T00:00:00+00:00",
        "notice": NOTICE,
        "framework": {"keras": "test"},
        "task": "segmentation" if segmenter else "slice classification",
        "reproduce": "tests",
        "input": input_spec(size, context_slices, confinement).model_dump(mode="json"),
        "output": output,
        "threshold": threshold,
        "training_data": {"source": "tests"},
        "metrics": {},
        "training": {},
        **extra,
    }


def model_card(name: str, version: int, **options) -> ModelCard:
    return ModelCard.model_validate(card_data(name, version, **options))


def make_version(store: Path, name: str, version: int, card: dict | None = None, saved_model: bool = True) -> Path:
    """store/name/version with an empty saved_model.pb (unless not wanted) and a card (a valid one by default)."""
    folder = store / name / str(version)
    folder.mkdir(parents=True)
    if saved_model:
        (folder / SAVED_MODEL_FILE).write_bytes(b"")
    (folder / CARD_FILE).write_text(json.dumps(card if card is not None else card_data(name, version)))
    return folder
