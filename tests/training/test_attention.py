"""Attention gates on the ResUNet skips: an option that changes the model, and leaves the default alone."""

import keras
import numpy as np
import pytest
from keras import layers

from training.models.attention import attention_gate
from training.models.resunet import get_resunet

# Parameters of the plain get_resunet((64, 64), base_width=4, depth=2): the default must stay exactly that model.
PLAIN_TINY_PARAMS = 8385


def layer_types(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_default_resunet_is_the_plain_model():
    keras.backend.clear_session()
    plain = get_resunet((64, 64), base_width=4, depth=2)
    keras.backend.clear_session()
    explicit = get_resunet((64, 64), base_width=4, depth=2, attention=False)
    assert plain.count_params() == PLAIN_TINY_PARAMS
    assert "Multiply" not in layer_types(plain)
    assert plain.get_config() == explicit.get_config()


@pytest.mark.parametrize("img_size", [(64, 64), (None, None)])
def test_attention_gates_every_skip_and_keeps_the_output_shape(img_size):
    model = get_resunet(img_size, base_width=4, depth=2, attention=True)
    assert layer_types(model).count("Multiply") == 2  # one gate per skip: depth skips
    assert model.count_params() > PLAIN_TINY_PARAMS
    assert "Lambda" not in layer_types(model)  # keras layers only: any backend can run it
    output = model.predict(np.random.default_rng(0).random((2, 64, 64, 3), np.float32), verbose=0)
    assert output.shape == (2, 64, 64, 1)
    assert 0.0 <= output.min() and output.max() <= 1.0


def test_attention_model_survives_a_save_and_load(tmp_path):
    model = get_resunet((32, 32), base_width=4, depth=2, attention=True)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    batch = np.random.default_rng(1).random((1, 32, 32, 3), np.float32)
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6)


@pytest.mark.parametrize(("psi_bias", "expected_share"), [(-30.0, 0.0), (30.0, 1.0)])
def test_gate_passes_or_mutes_the_skip_by_its_coefficient(psi_bias, expected_share):
    skip_in, gate_in = keras.Input((8, 8, 5)), keras.Input((8, 8, 6))
    model = keras.Model([skip_in, gate_in], attention_gate(skip_in, gate_in, 4))
    psi = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D) and layer.filters == 1)
    kernel, _ = psi.get_weights()
    psi.set_weights([np.zeros_like(kernel), np.array([psi_bias], np.float32)])
    skip = np.random.default_rng(2).random((1, 8, 8, 5), np.float32)
    gated = model.predict([skip, np.ones((1, 8, 8, 6), np.float32)], verbose=0)
    np.testing.assert_allclose(gated, expected_share * skip, atol=1e-6)
