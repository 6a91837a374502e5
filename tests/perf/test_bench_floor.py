"""FLOPs counted from an exported graph match the textbook count for a model small enough to count by hand."""

import keras
import pytest
import tensorflow as tf
from keras import layers

from bench.floor import frozen_graph, graph_flops, matmul_flops, peak_matmul

SIDE, CHANNELS = 16, 3


@pytest.fixture(scope="module")
def tiny_saved_model(tmp_path_factory):
    inputs = keras.Input((SIDE, SIDE, CHANNELS))
    x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = layers.SeparableConv2D(8, 3, padding="same", use_bias=False)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(2)(x)
    path = tmp_path_factory.mktemp("tiny") / "model"
    signature = [tf.TensorSpec((None, SIDE, SIDE, CHANNELS), tf.float32)]
    keras.Model(inputs, outputs).export(str(path), format="tf_saved_model", input_signature=signature, verbose=False)
    return path


def test_graph_flops_are_two_per_multiply_add(tiny_saved_model):
    pixels = SIDE * SIDE
    conv = 2 * pixels * (3 * 3 * CHANNELS) * 4
    pointwise = 2 * pixels * 4 * 8
    depthwise = 2 * pixels * 4 * (3 * 3)
    dense = 2 * 8 * 2
    flops = graph_flops(frozen_graph(tiny_saved_model, shape=(1, SIDE, SIDE, CHANNELS)))
    pooling, bias = pixels * 8, 2  # one per element averaged or added
    expected = {"Conv2D": conv + pointwise, "DepthwiseConv2dNative": depthwise, "MatMul": dense}
    assert flops == {**expected, "Mean": pooling, "BiasAdd": bias}
    assert matmul_flops(flops) == conv + pointwise + depthwise + dense


def test_flops_scale_with_the_batch(tiny_saved_model):
    one = graph_flops(frozen_graph(tiny_saved_model, shape=(1, SIDE, SIDE, CHANNELS)))
    four = graph_flops(frozen_graph(tiny_saved_model, shape=(4, SIDE, SIDE, CHANNELS)))
    assert four == {op: 4 * value for op, value in one.items()}


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_peak_matmul_is_the_better_engine_at_each_precision(monkeypatch, precision):
    monkeypatch.setattr("bench.floor.MATMUL_SIZES", (64,))
    result = peak_matmul(precision)
    engines = result["by_engine"]
    assert set(engines) == {"tensorflow", "openvino"} and result["sizes"] == [64]
    assert all(e["peak_flops"] >= e["median_flops"] > 0 for e in engines.values())
    assert result["peak_flops"] == max(e["peak_flops"] for e in engines.values())
