"""Transfer learning: start a model's encoder from a local .keras file, e.g. an earlier run on other data.

Nothing is downloaded. Layers are matched in build order, which names cannot do (Keras numbers
layer names per process), and copied only where the class and every weight shape agree; a first
convolution that saw a different number of channels (2.5D) is left at its fresh initialisation.
"""

from pathlib import Path

import keras


def encoder_layers(model: keras.Model) -> list:
    """The layers before the first upsampling (a ResUNet's encoder and bridge), or all but the
    output head for a classifier, which has no upsampling."""
    layers = [layer for layer in model.layers if layer.weights]
    for index, layer in enumerate(model.layers):
        if isinstance(layer, keras.layers.UpSampling2D):
            kept = {id(x) for x in model.layers[:index]}
            return [x for x in layers if id(x) in kept]
    return layers[:-1]


def transfer_encoder(model: keras.Model, source: Path) -> dict:
    """Copy encoder weights from the model saved at `source` into `model`; returns what was copied."""
    if source.suffix != ".keras" or not source.is_file():
        raise ValueError(f"--init-weights wants a .keras file written by an earlier run, not {source}")
    donor = keras.saving.load_model(source, compile=False)
    copied = skipped = 0
    for target, origin in zip(encoder_layers(model), encoder_layers(donor)):
        same = type(target) is type(origin) and [w.shape for w in target.weights] == [w.shape for w in origin.weights]
        if same:
            target.set_weights(origin.get_weights())
            copied += 1
        else:
            skipped += 1
    if not copied:
        raise ValueError(f"{source}: no encoder layer matches this model; is it the same architecture?")
    return {"source": str(source), "layers_copied": copied, "layers_skipped": skipped}
