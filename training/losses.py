"""Training-time segmentation loss and metric on backend tensors (keras.ops, any backend).

Held-out reports use core.dice.dice_score on thresholded masks; this soft form exists only
because a loss must be differentiable.
"""

import keras
from keras import ops

SMOOTH = 1.0


def soft_dice(y_true, y_pred):
    """Soft Dice over the whole batch, so slices with no bleed do not dominate."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    intersection = ops.sum(y_true * y_pred)
    return (2.0 * intersection + SMOOTH) / (ops.sum(y_true) + ops.sum(y_pred) + SMOOTH)


@keras.saving.register_keras_serializable(package="ich")
def dice_loss(y_true, y_pred):
    return 1.0 - soft_dice(y_true, y_pred)


@keras.saving.register_keras_serializable(package="ich")
def dice_bce_loss(y_true, y_pred):
    """Dice plus binary cross-entropy: an option for steadier early training."""
    bce = ops.mean(keras.losses.binary_crossentropy(ops.cast(y_true, "float32"), ops.cast(y_pred, "float32")))
    return dice_loss(y_true, y_pred) + bce


# Tversky's weight on false positives (on misses: 1 minus it); 0.5 is Dice. The ResUNet's errors on real scans are
# masks on normal slices, mostly along the inner table, so false positives are weighted above misses.
TVERSKY_FALSE_POSITIVE_WEIGHT = 0.7


@keras.saving.register_keras_serializable(package="ich")
def tversky_loss(y_true, y_pred):
    """1 - the Tversky index over the whole batch (Salehi et al. 2017): Dice with false positives and misses weighed
    apart."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    hits = ops.sum(y_true * y_pred)
    false_positives = ops.sum((1.0 - y_true) * y_pred)
    misses = ops.sum(y_true * (1.0 - y_pred))
    beta = TVERSKY_FALSE_POSITIVE_WEIGHT
    return 1.0 - (hits + SMOOTH) / (hits + (1.0 - beta) * misses + beta * false_positives + SMOOTH)


@keras.saving.register_keras_serializable(package="ich")
def dice_coefficient(y_true, y_pred):
    """Dice of the masks thresholded at 0.5, for progress output."""
    return soft_dice(y_true, ops.cast(y_pred >= 0.5, "float32"))


@keras.saving.register_keras_serializable(package="ich")
def masked_binary_crossentropy(y_true, y_pred):
    """Mean BCE over the labels a dataset gives; -1 marks a label the source does not record
    (for instance subtypes in a folder dataset), which then adds no gradient."""
    y_true = ops.cast(y_true, "float32")
    known = ops.cast(y_true >= 0.0, "float32")
    y_pred = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1.0 - 1e-7)
    target = ops.clip(y_true, 0.0, 1.0)
    bce = -(target * ops.log(y_pred) + (1.0 - target) * ops.log(1.0 - y_pred))
    return ops.sum(bce * known, axis=-1) / ops.maximum(ops.sum(known, axis=-1), 1.0)


class AnyHemorrhageAUC(keras.metrics.AUC):
    """ROC AUC of column 0 ("any"), the detection figure, during training."""

    def __init__(self, name="auc", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(y_true[:, 0], y_pred[:, 0], sample_weight)


LOSSES = {"dice": dice_loss, "dice_bce": dice_bce_loss, "tversky": tversky_loss}
