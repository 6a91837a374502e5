"""Transfer learning: start a model's encoder from a local .keras file, e.g. an earlier run on other data, or
start the whole model from a served SavedModel version (fine-tuning a shipped model on new data).

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


# Keras adds the state of its random seed generators to an export; it is not a weight of the model.
SEED_STATE = "seed_generator"


def warm_start_from_saved_model(model: keras.Model, directory: Path) -> dict:
    """Copy every weight of the SavedModel at `directory` (model_store/NAME/VERSION) into `model`, in build order.

    The export keeps the variables in the order Keras built them, so a model of the same architecture takes them
    one for one; any difference in count or shape means another architecture, and nothing is copied.
    """
    import tensorflow as tf  # a SavedModel is read by TensorFlow whatever backend trains

    variables = [v for v in tf.saved_model.load(str(directory)).variables if SEED_STATE not in v.name]
    shapes = [tuple(v.shape) for v in variables]
    if shapes != [tuple(w.shape) for w in model.weights]:
        raise ValueError(
            f"{directory}: its {len(shapes)} variables do not match this model's {len(model.weights)} weights"
        )
    for weight, variable in zip(model.weights, variables):
        weight.assign(variable.numpy())
    return {"source": str(directory), "fine_tuned": True, "weights_copied": len(variables)}


def transfer_encoder(model: keras.Model, source: Path) -> dict:
    """Copy encoder weights from the model saved at `source` into `model`; returns what was copied.

    A SavedModel directory (a store version) starts the whole model instead: fine-tuning."""
    if (source / "saved_model.pb").is_file():
        return warm_start_from_saved_model(model, source)
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


def freeze_encoder(model: keras.Model) -> int:
    """Train only what follows the encoder: the classifier's output layer (a linear probe on the started features)
    or the ResUNet's decoder. Fine-tuning every layer on phantoms distorts features that held on real scans; a probe
    keeps them. Frozen BatchNormalization layers also keep their statistics. Returns how many layers were frozen."""
    frozen = encoder_layers(model)
    for layer in frozen:
        layer.trainable = False
    return len(frozen)
