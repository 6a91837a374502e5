"""Transfer learning from a local .keras file: the encoder starts from it, the rest does not."""

import numpy as np
import pytest

from training.models.classifier import get_classifier
from training.models.resunet import get_resunet
from training.transfer import encoder_layers, transfer_encoder


def _weights(layers):
    return [w for layer in layers for w in layer.get_weights()]


@pytest.fixture(scope="module")
def donor_file(tmp_path_factory):
    donor = get_resunet((None, None), base_width=4, depth=2)
    path = tmp_path_factory.mktemp("donor") / "segmenter.keras"
    donor.save(path)
    return donor, path


def test_the_encoder_is_copied_and_the_decoder_left_fresh(donor_file):
    donor, path = donor_file
    model = get_resunet((None, None), base_width=4, depth=2)
    decoder_before = _weights(x for x in model.layers if x not in encoder_layers(model))
    report = transfer_encoder(model, path)
    assert report["layers_copied"] == len(encoder_layers(model)) and report["layers_skipped"] == 0
    for ours, theirs in zip(_weights(encoder_layers(model)), _weights(encoder_layers(donor))):
        np.testing.assert_array_equal(ours, theirs)
    for after, before in zip(_weights(x for x in model.layers if x not in encoder_layers(model)), decoder_before):
        np.testing.assert_array_equal(after, before)


def test_an_attention_resunet_starts_from_a_plain_one(donor_file):
    _, path = donor_file
    model = get_resunet((None, None), base_width=4, depth=2, attention=True)
    assert transfer_encoder(model, path)["layers_skipped"] == 0


def test_a_2_5d_model_keeps_a_fresh_first_convolution(donor_file):
    _, path = donor_file
    model = get_resunet((None, None), channels=9, base_width=4, depth=2)
    report = transfer_encoder(model, path)
    assert report["layers_skipped"] == 1 and report["layers_copied"] == len(encoder_layers(model)) - 1


def test_the_classifier_head_is_not_copied(tmp_path):
    donor = get_classifier((32, 32), widths=(4, 8))
    donor.save(tmp_path / "classifier.keras")
    model = get_classifier((32, 32), widths=(4, 8))
    transfer_encoder(model, tmp_path / "classifier.keras")
    assert not np.array_equal(model.layers[-1].get_weights()[0], donor.layers[-1].get_weights()[0])
    np.testing.assert_array_equal(model.layers[1].get_weights()[0], donor.layers[1].get_weights()[0])


def test_an_unrelated_or_missing_file_is_refused(tmp_path, donor_file):
    _, path = donor_file
    with pytest.raises(ValueError, match=".keras file"):
        transfer_encoder(get_resunet((None, None), base_width=4, depth=2), tmp_path / "weights.h5")
    with pytest.raises(ValueError, match="no encoder layer matches"):
        transfer_encoder(get_classifier((32, 32), widths=(8, 16)), path)


def _export(model, directory):
    import tensorflow as tf

    model.export(
        str(directory), format="tf_saved_model", input_signature=[tf.TensorSpec((None, 32, 32, 3), tf.float32)]
    )
    return directory


def test_a_store_version_starts_the_whole_model_so_it_answers_as_the_export_does(tmp_path):
    donor = get_classifier((32, 32), widths=(4, 8))
    saved = _export(donor, tmp_path / "ich_classifier" / "1")
    model = get_classifier((32, 32), widths=(4, 8))
    report = transfer_encoder(model, saved)
    assert report["fine_tuned"] and report["weights_copied"] == len(model.weights)
    batch = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(model(batch, training=False)), np.asarray(donor(batch, training=False)), atol=1e-6
    )


def test_a_store_version_of_another_architecture_is_refused(tmp_path):
    saved = _export(get_classifier((32, 32), widths=(4, 8)), tmp_path / "ich_classifier" / "1")
    with pytest.raises(ValueError, match="do not match"):
        transfer_encoder(get_classifier((32, 32), widths=(4, 8, 16)), saved)


def test_a_frozen_encoder_keeps_its_weights_while_the_head_learns(tmp_path):
    import keras

    from training.transfer import freeze_encoder

    saved = _export(get_classifier((32, 32), widths=(4, 8)), tmp_path / "ich_classifier" / "1")
    model = get_classifier((32, 32), widths=(4, 8))
    transfer_encoder(model, saved)
    assert freeze_encoder(model) == len(encoder_layers(model))
    encoder_before, head_before = _weights(encoder_layers(model)), model.layers[-1].get_weights()[0].copy()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    rng = np.random.default_rng(1)
    model.fit(rng.random((8, 32, 32, 3)).astype(np.float32), np.ones((8, 6), np.float32), epochs=2, verbose=0)
    for after, before in zip(_weights(encoder_layers(model)), encoder_before):
        np.testing.assert_array_equal(after, before)  # BatchNormalization's moving statistics included
    assert not np.array_equal(model.layers[-1].get_weights()[0], head_before)
