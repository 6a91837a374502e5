"""Write a trained model as a TensorFlow SavedModel in model_store/NAME/VERSION/ with its model card."""

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import keras

from core.windowing import WINDOWS

CARD_FILE = "model_card.json"
NOTICE = "Research prototype trained on synthetic phantoms. Not for clinical use."


def input_spec(img_size: tuple[int, int], context_slices: int = 0) -> dict:
    offsets = range(-context_slices, context_slices + 1)
    return {
        "shape": [None, *img_size, len(WINDOWS) * len(offsets)],
        "dtype": "float32",
        "layout": "NHWC",
        "context_slices": context_slices,
        "channels": [
            {"slice_offset": offset, "window": w.name, "center": w.center, "width": w.width} for offset in offsets for w in WINDOWS
        ],
        "preprocessing": (
            "HU resized to the model size (area averaging when shrinking, bilinear when enlarging), "
            "then each window maps [center - width/2, center + width/2] HU linearly to [0, 1], clipped. "
            "Implemented once in core.model_input.to_model_input. With context_slices = k > 0 (2.5D) the "
            "k slices above and below are stacked the same way, top first; at the ends of a stack the edge "
            "slice repeats (core.model_input.slice_with_context)."
        ),
        "brain_window_inputs": "8-bit brain-window images are mapped back to 0..80 HU (core.windowing.brain_window_to_hu)",
    }


def export_model(model: keras.Model, store: Path, name: str, version: int, card: dict) -> Path:
    """Export `model` for serving (fixed spatial size from card['input']) and write its card beside it."""
    import tensorflow as tf  # export needs TensorFlow whatever backend trained the model

    target = store / name / str(version)
    if target.exists():
        raise FileExistsError(f"{target} exists; model versions are immutable, pick a new --version")
    shape = card["input"]["shape"]
    model.export(str(target), format="tf_saved_model", input_signature=[tf.TensorSpec(shape, tf.float32)], verbose=False)
    full_card = {
        "name": name,
        "version": version,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "notice": NOTICE,
        "framework": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": platform.python_version()},
        **card,
    }
    (target / CARD_FILE).write_text(json.dumps(full_card, indent=2) + "\n")
    return target
