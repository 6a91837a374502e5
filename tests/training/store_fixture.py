"""A tiny classifier and segmenter exported as SavedModels with minimal cards, for end-to-end report tests."""

import json
from pathlib import Path

import keras
import tensorflow as tf

from training.export import CARD_FILE
from training.models.classifier import get_classifier
from training.models.resunet import get_resunet

SIGNATURE = [tf.TensorSpec((None, 256, 256, 3), tf.float32)]
HISTORY = {"loss": [0.9, 0.6, 0.5], "val_loss": [0.95, 0.7, 0.65], "auc": [0.6, 0.7, 0.8], "val_auc": [0.55, 0.65, 0.7]}


def export_tiny_store(store: Path, classifier_threshold: float = 0.5) -> Path:
    keras.utils.set_random_seed(0)
    models = {
        "ich_classifier": (get_classifier((256, 256), widths=(4, 8)), classifier_threshold),
        "ich_segmenter": (get_resunet((256, 256), base_width=4, depth=2), 0.5),
    }
    for name, (model, threshold) in models.items():
        target = store / name / "1"
        model.export(str(target), format="tf_saved_model", input_signature=SIGNATURE, verbose=False)
        card = {"name": name, "version": 1, "threshold": threshold, "training": {"history": HISTORY}}
        (target / CARD_FILE).write_text(json.dumps(card))
    return store
