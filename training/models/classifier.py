"""Slice classifier: P(any hemorrhage) and P(each subtype) from the windowed stack."""

import keras
from keras import layers

from training.outputs import OUTPUT_NAMES, SUBTYPES  # noqa: F401 (re-exported for the model's importers)


def get_classifier(img_size: tuple[int, int], channels: int = 3, widths=(16, 32, 64, 128, 192)) -> keras.Model:
    """Residual separable-conv CNN, after keras.io's classification-from-scratch example.

    Output: (N, 6) sigmoid probabilities in OUTPUT_NAMES order; column 0 is "any".
    """
    inputs = keras.Input(shape=(*img_size, channels), name="window_stack")

    # Entry block
    x = layers.Conv2D(widths[0], 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous = x

    for width in widths[1:]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(width, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(width, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        # Project residual
        residual = layers.Conv2D(width, 1, strides=2, padding="same")(previous)
        x = layers.add([x, residual])
        previous = x

    # Max pooling keeps a small bleed's evidence; average pooling would dilute it over the slice.
    x = layers.Concatenate()([layers.GlobalMaxPooling2D()(x), layers.GlobalAveragePooling2D()(x)])
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(len(OUTPUT_NAMES), activation="sigmoid", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="classifier")
