"""ResUNet: a U-Net whose encoder and decoder blocks are residual, for hemorrhage masks.

Written with keras layers only (no TensorFlow-only ops) so that it also trains on the JAX backend.
"""

import keras
from keras import layers

from training.models.attention import attention_gate


def residual_block(x, filters: int, strides: int = 1):
    """Two 3x3 convolutions with a projected shortcut (pre-activation style)."""
    shortcut = x
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    # Project the residual when the shape changes.
    if strides != 1 or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, padding="same", use_bias=False)(shortcut)
    return layers.Add()([x, shortcut])


def get_resunet(
    img_size: tuple[int, int], channels: int = 3, base_width: int = 16, depth: int = 4, attention: bool = False
) -> keras.Model:
    """ResUNet mapping a windowed stack (H, W, channels) to P(hemorrhage) per pixel (H, W, 1).

    attention=True gates every skip connection (Attention ResUNet); the default builds the
    plain ResUNet, the architecture of the shipped segmenter.
    """
    inputs = keras.Input(shape=(*img_size, channels), name="window_stack")

    # Entry block
    x = layers.Conv2D(base_width, 3, padding="same", use_bias=False)(inputs)
    x = residual_block(x, base_width)
    skips = [x]

    # Encoder: halve resolution, double width
    for level in range(1, depth):
        x = residual_block(x, base_width * 2**level, strides=2)
        skips.append(x)

    # Bridge
    x = residual_block(x, base_width * 2**depth, strides=2)

    # Decoder: upsample, join the skip at the same resolution, refine
    for level in reversed(range(depth)):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        skip = skips[level]
        if attention:
            skip = attention_gate(skip, x, max(base_width * 2**level // 2, 1))
        x = layers.Concatenate()([x, skip])
        x = residual_block(x, base_width * 2**level)

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="mask")(x)
    return keras.Model(inputs, outputs, name="resunet")
