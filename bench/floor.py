"""The physical floor: FLOPs per slice counted from the exported graphs, and this machine's peak matmul rate.

Run as its own process (`python -m bench.floor STORE`) so that its TensorFlow never shares a process with the load
clients; it prints one JSON object. The forward pass is timed with the engine the service picks (and TensorFlow's,
when that is another), and the peak is the better of TensorFlow's and OpenVINO's matmul.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from app.config import Settings
from app.serving.loading import choose_engine
from app.serving.tf_setup import TFOptions, configure_tensorflow

MODELS = ("ich_classifier", "ich_segmenter")
INPUT_SHAPE = (1, 256, 256, 3)
MATMUL_SIZES = (2048, 4096)
MATMUL_REPEATS = 5
PRECISIONS = {"fp32": "float32", "bf16": "bfloat16"}
OPENVINO_PRECISIONS = {"fp32": "f32", "bf16": "bf16"}
FORWARD_BATCHES = (1, 8)  # one slice, and the service's CPU batch
MATMUL_OPS = ("Conv2D", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2")


def frozen_graph(saved_model: Path, shape=INPUT_SHAPE):
    """The serving function with its variables folded in, functions inlined, and a fixed input shape."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    loaded = tf.saved_model.load(str(saved_model))
    concrete = loaded.serve.get_concrete_function(tf.TensorSpec(shape, tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    graph = tf.Graph()
    with graph.as_default():
        placeholder = tf.compat.v1.placeholder(tf.float32, shape)
        # Re-importing with a static input shape lets shape inference reach every op.
        tf.graph_util.import_graph_def(
            frozen.graph.as_graph_def(), input_map={frozen.inputs[0].name: placeholder}, name=""
        )
    return graph


def graph_flops(graph) -> dict[str, float]:
    """FLOPs per op type, from the statistics TensorFlow registers per op (the ones its profiler sums): 2 per
    multiply-add for convolutions and matmuls, 1 per element for elementwise ops such as BiasAdd or Mean."""
    from tensorflow.python.framework import ops as tf_ops

    flops: dict[str, float] = {}
    for op in graph.get_operations():
        try:
            value = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops").value
        except ValueError:  # no statistics registered for this op type
            continue
        if value:
            flops[op.type] = flops.get(op.type, 0.0) + float(value)
    return flops


def matmul_flops(flops: dict[str, float]) -> float:
    """The part a matmul engine executes; the efficiency figure compares only this with the matmul peak."""
    return sum(value for op, value in flops.items() if op in MATMUL_OPS)


def model_flops(store: Path) -> dict[str, dict[str, float]]:
    """FLOPs of the versions the service serves (the highest of each in the store)."""
    from core.model_store import resolve

    return {name: graph_flops(frozen_graph(resolve(store, name).path)) for name in MODELS}


def _best_rate(multiply, n: int) -> list[float]:
    multiply()  # kernel selection and allocation happen outside the timing
    rates = []
    for _ in range(MATMUL_REPEATS):
        started = time.perf_counter()
        multiply()
        rates.append(2.0 * n**3 / (time.perf_counter() - started))
    return rates


def tensorflow_matmul_rates(precision: str, n: int) -> list[float]:
    """TensorFlow's oneDNN kernels, with AMX for bf16 where present."""
    import tensorflow as tf

    dtype = getattr(tf, PRECISIONS[precision])
    a, b = (tf.cast(tf.random.uniform((n, n)), dtype) for _ in range(2))
    return _best_rate(lambda: tf.matmul(a, b).numpy(), n)


def openvino_matmul_rates(precision: str, n: int) -> list[float]:
    """OpenVINO's CPU kernels, at the inference precision the service would ask it for."""
    import openvino as ov
    import openvino.opset13 as ops

    a, b = ops.parameter([n, n], np.float32), ops.parameter([n, n], np.float32)
    model = ov.Model([ops.matmul(a, b, False, False)], [a, b])
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": OPENVINO_PRECISIONS[precision]})
    request = compiled.create_infer_request()
    values = [np.random.default_rng(i).random((n, n), np.float32) for i in range(2)]
    return _best_rate(lambda: request.infer(values), n)


def peak_matmul(precision: str) -> dict:
    """Best rate of square matmuls at this precision, by either engine the service can run: the higher of the two is
    the machine's reachable peak, and a lower peak would flatter the efficiency."""
    by_engine = {}
    for engine, rates_of in (("tensorflow", tensorflow_matmul_rates), ("openvino", openvino_matmul_rates)):
        rates = [rate for n in MATMUL_SIZES for rate in rates_of(precision, n)]
        by_engine[engine] = {"peak_flops": max(rates), "median_flops": float(np.median(rates))}
    return {
        "peak_flops": max(e["peak_flops"] for e in by_engine.values()),
        "by_engine": by_engine,
        "sizes": list(MATMUL_SIZES),
    }


def forward_pass(
    store: Path, engine: str, batches=FORWARD_BATCHES, rounds: int = MATMUL_REPEATS, **settings
) -> dict[str, dict[str, float]]:
    """Both models alone, loaded by the service's own loader (this engine, any other service settings), in ms per
    slice: median, min and max over the rounds, and the first call at each batch size, which creates its kernels."""
    from app.serving.loading import store_loader

    loaded = store_loader(Settings(model_store=store, engine=engine, **settings))()
    rng = np.random.default_rng(0)
    inputs = {size: rng.random((size, *INPUT_SHAPE[1:]), np.float32) for size in batches}

    def per_slice_ms(size: int) -> float:
        started = time.perf_counter()
        loaded.classifier(inputs[size])
        loaded.segmenter(inputs[size])
        return (time.perf_counter() - started) * 1000 / size

    first = {size: per_slice_ms(size) * size for size in batches}
    times: dict[int, list[float]] = {size: [] for size in batches}
    for _ in range(rounds):  # rounds over the sizes, so background load touches each alike
        for size in batches:
            times[size].append(per_slice_ms(size))
    return {
        str(size): {"median_ms": float(np.median(t)), "min_ms": min(t), "max_ms": max(t), "first_call_ms": first[size]}
        for size, t in times.items()
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("store", type=Path)
    parser.add_argument("--precisions", default="fp32,bf16")
    args = parser.parse_args(argv)
    setup = configure_tensorflow(TFOptions())  # the service's thread pools
    engine = choose_engine(Settings.model_fields["engine"].default, setup.device)
    result = {
        "flops": model_flops(args.store),
        "matmul": {p: peak_matmul(p) for p in args.precisions.split(",")},
        "engine": engine,
        "forward_fp32": forward_pass(args.store, engine, cpu_bf16_segmenter=False),
        "threads": {"intra_op": setup.intra_op_threads, "inter_op": setup.inter_op_threads},
    }
    if engine != "tensorflow":  # the engine it replaced, timed alike in the same process
        result["forward_fp32_tensorflow"] = forward_pass(args.store, "tensorflow")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
