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


@keras.saving.register_keras_serializable(package="ich")
def dice_coefficient(y_true, y_pred):
    """Dice of the masks thresholded at 0.5, for progress output."""
    return soft_dice(y_true, ops.cast(y_pred >= 0.5, "float32"))


LOSSES = {"dice": dice_loss, "dice_bce": dice_bce_loss}
