"""The physical floor: FLOPs per slice counted from the exported graphs, and this machine's peak matmul rate.

Run as its own process (`python -m bench.floor STORE`) so that its TensorFlow never shares a process with the load
clients; it prints one JSON object.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from app.serving.tf_setup import TFOptions, configure_tensorflow

MODELS = ("ich_classifier", "ich_segmenter")
INPUT_SHAPE = (1, 256, 256, 3)
MATMUL_SIZES = (2048, 4096)
MATMUL_REPEATS = 5
PRECISIONS = {"fp32": "float32", "bf16": "bfloat16"}
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
    from app.serving.store import resolve

    return {name: graph_flops(frozen_graph(resolve(store, name).path)) for name in MODELS}


def peak_matmul(precision: str) -> dict:
    """Best rate of square matmuls at this precision; TensorFlow's oneDNN kernels use AMX for bf16 where present."""
    import tensorflow as tf

    dtype = getattr(tf, PRECISIONS[precision])
    rates = []
    for n in MATMUL_SIZES:
        a = tf.cast(tf.random.uniform((n, n)), dtype)
        b = tf.cast(tf.random.uniform((n, n)), dtype)
        tf.matmul(a, b).numpy()  # kernel selection and allocation happen outside the timing
        for _ in range(MATMUL_REPEATS):
            started = time.perf_counter()
            tf.matmul(a, b).numpy()
            rates.append(2.0 * n**3 / (time.perf_counter() - started))
    return {"peak_flops": max(rates), "median_flops": float(np.median(rates)), "sizes": list(MATMUL_SIZES)}


def forward_pass(store: Path, batches=FORWARD_BATCHES, rounds: int = MATMUL_REPEATS) -> dict:
    """Both models alone, as the service loads them, in ms per slice: the model-only side of the efficiency."""
    from app.serving.runtime import saved_model_predictor
    from app.serving.store import resolve

    models = [saved_model_predictor(resolve(store, name)) for name in MODELS]
    rng = np.random.default_rng(0)
    inputs = {size: rng.random((size, *INPUT_SHAPE[1:]), np.float32) for size in batches}
    times: dict[int, list[float]] = {size: [] for size in batches}
    for round_index in range(rounds + 1):
        for size in batches:  # rounds over the sizes, so background load touches each alike
            started = time.perf_counter()
            for model in models:
                model(inputs[size])
            if round_index:  # round 0 creates the kernels for each shape
                times[size].append((time.perf_counter() - started) * 1000 / size)
    return {str(size): {"median_ms": float(np.median(t)), "min_ms": min(t)} for size, t in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("store", type=Path)
    parser.add_argument("--precisions", default="fp32,bf16")
    args = parser.parse_args(argv)
    setup = configure_tensorflow(TFOptions())  # the service's thread pools
    result = {
        "flops": model_flops(args.store),
        "matmul": {p: peak_matmul(p) for p in args.precisions.split(",")},
        "forward_fp32": forward_pass(args.store),
        "threads": {"intra_op": setup.intra_op_threads, "inter_op": setup.inter_op_threads},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
