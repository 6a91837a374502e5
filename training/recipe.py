"""How each model is compiled, for both training paths (training.fit through tf.data, training.fit_in_memory on any
Keras backend): its loss and progress metric, and the optimiser with its learning-rate schedule."""

import keras

from training.losses import LOSSES, AnyHemorrhageAUC, dice_coefficient, masked_binary_crossentropy


def optimizer(learning_rate: float, steps: int) -> keras.optimizers.Optimizer:
    """AdamW on a cosine decay from `learning_rate` over `steps` to 5 % of it."""
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(steps, 1), alpha=0.05)
    return keras.optimizers.AdamW(schedule, weight_decay=1e-4)


def compile_args(name: str, loss: str = "dice") -> dict:
    """The classifier's masked cross-entropy and AUC, or the ResUNet's `loss` (training.losses.LOSSES) and Dice."""
    if name == "classifier":
        return {"loss": masked_binary_crossentropy, "metrics": [AnyHemorrhageAUC()]}
    return {"loss": LOSSES[loss], "metrics": [dice_coefficient]}
