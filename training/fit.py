"""Compile and fit the two models on phantom arrays. Returns the trained models and their histories."""

import time

import keras

from training.batches import ClassifierBatches, SegmentationCrops
from training.losses import LOSSES, dice_coefficient
from training.models.classifier import get_classifier
from training.models.resunet import get_resunet
from training.phantom_data import ArraySet


def _schedule(learning_rate: float, steps: int):
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(steps, 1), alpha=0.05)


def fit_classifier(train: ArraySet, validation: ArraySet, epochs: int, batch_size: int = 32, learning_rate: float = 2e-3):
    model = get_classifier(train.images.shape[1:3])
    batches = ClassifierBatches(train, batch_size, seed=11)
    model.compile(
        optimizer=keras.optimizers.AdamW(_schedule(learning_rate, epochs * len(batches)), weight_decay=1e-4),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(name="auc")],
    )
    started = time.perf_counter()
    history = model.fit(
        batches,
        validation_data=ClassifierBatches(validation, batch_size, augment=False),
        epochs=epochs,
        verbose=2,
    )
    return model, history.history, time.perf_counter() - started


def fit_segmenter(
    train: ArraySet,
    validation: ArraySet,
    epochs: int,
    crop: int = 128,
    batch_size: int = 16,
    base_width: int = 16,
    loss: str = "dice",
    learning_rate: float = 2e-3,
):
    # Spatial size left open: trained on crops, applied to whole slices.
    model = get_resunet((None, None), base_width=base_width)
    batches = SegmentationCrops(train, batch_size, crop, seed=12)
    val_batches = SegmentationCrops(validation, batch_size, crop, seed=13)
    model.compile(
        optimizer=keras.optimizers.AdamW(_schedule(learning_rate, epochs * len(batches)), weight_decay=1e-4),
        loss=LOSSES[loss],
        metrics=[dice_coefficient],
    )
    started = time.perf_counter()
    history = model.fit(batches, validation_data=val_batches, epochs=epochs, verbose=2)
    return model, history.history, time.perf_counter() - started
