"""Additive attention gates for U-Net skip connections (Oktay et al. 2018, "Attention U-Net").

Keras layers only, so a model using them trains on any Keras backend (TensorFlow or JAX).
"""

from keras import layers


def attention_gate(skip, gating, inter_channels: int):
    """Weight skip features (N, H, W, C) by a per-pixel coefficient in [0, 1].

    The gating signal is the decoder's upsampled features at the skip's resolution: where the
    coarser decoder sees no bleed, the gate can mute encoder features (skull edges, falx) that
    would otherwise pass straight through the skip into the mask.
    """
    # Project skip and gate into one space; their sum is large where both respond.
    theta = layers.Conv2D(inter_channels, 1, use_bias=False)(skip)
    phi = layers.Conv2D(inter_channels, 1)(gating)
    joined = layers.Activation("relu")(layers.Add()([theta, phi]))
    # One coefficient per pixel, broadcast over the skip's channels.
    alpha = layers.Conv2D(1, 1, activation="sigmoid")(joined)
    return layers.Multiply()([skip, alpha])
