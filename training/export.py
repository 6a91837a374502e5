"""Write a trained model as a TensorFlow SavedModel in model_store/NAME/VERSION/ with its model card."""

import platform
from datetime import UTC, datetime
from pathlib import Path

import keras

from core.model_card import NOTICE, ModelCard
from core.model_store import write_card


def export_model(model: keras.Model, store: Path, name: str, version: int, card: dict) -> Path:
    """Export `model` for serving (fixed spatial size from card['input']) and write its card beside it.

    The card is validated (core.model_card.ModelCard) before anything is exported: a model never lands in a
    store without a card that serving accepts."""
    import tensorflow as tf  # export needs TensorFlow whatever backend trained the model

    target = store / name / str(version)
    if target.exists():
        raise FileExistsError(f"{target} exists; model versions are immutable, pick a new --version")
    full_card = ModelCard.model_validate(
        {
            "name": name,
            "version": version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "notice": NOTICE,
            "framework": {
                "keras": keras.__version__,
                "tensorflow": tf.__version__,
                "python": platform.python_version(),
            },
            **card,
        }
    )
    shape = list(full_card.input.shape)
    model.export(
        str(target), format="tf_saved_model", input_signature=[tf.TensorSpec(shape, tf.float32)], verbose=False
    )
    write_card(target, full_card)
    return target
