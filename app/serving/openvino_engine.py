"""The CPU inference engine: the same SavedModel, compiled by OpenVINO for this CPU.

OpenVINO reads the SavedModel that TensorFlow would load (no second model file to keep in step, and no TensorFlow
import: its own TensorFlow frontend parses the files) and runs it with fused kernels that keep every activation in one
channels-last layout: 1.4x TensorFlow's forward speed in fp32, with outputs equal to 2e-6 (docs/performance.md;
tests/perf/test_engine_equivalence.py).
"""

import threading
from functools import cache

import numpy as np

from app.serving.runtime import Predict
from core.model_store import ModelVersion

# Always set: left to itself OpenVINO would run both models in bf16 on AMX CPUs, which fails the equivalence check
# for the classifier; the loader asks bf16 only for the models that pass it (loading.bf16_models).
PRECISIONS = {False: "f32", True: "bf16"}


@cache  # one runtime per process: both models and every reload share its plugins and thread pool
def _core():
    import openvino as ov  # imported here so that a TensorFlow-only deployment never loads it

    return ov.Core()


def one_slice_model(core, version: ModelVersion):
    """The model with its batch dimension fixed at 1, so OpenVINO plans its buffers once, at load, for one shape: a
    dynamic batch keeps larger ones (~400 MiB more peak RSS) and runs a slice ~6% slower (docs/performance.md). On
    this CPU a slice costs the same alone as in a batch, so a batch runs slice by slice."""
    model = core.read_model(str(version.path))
    shape = model.input().get_partial_shape()
    shape[0] = 1
    model.reshape(shape)
    return model


def openvino_predictor(version: ModelVersion, bf16: bool = False) -> Predict:
    core = _core()
    compiled = core.compile_model(
        one_slice_model(core, version),
        "CPU",
        {"INFERENCE_PRECISION_HINT": PRECISIONS[bf16], "PERFORMANCE_HINT": "LATENCY"},
    )
    request = compiled.create_infer_request()
    row_shape = tuple(compiled.output(0).get_shape())[1:]
    lock = threading.Lock()  # one request object, reused; OpenVINO requests are not thread-safe

    def predict(batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, np.float32)
        outputs = np.empty((len(batch), *row_shape), np.float32)
        with lock:
            for row, output in zip(batch, outputs):
                request.infer({0: row[np.newaxis]})
                # Copied out once: the request's output buffer is overwritten by the next call.
                output[...] = request.get_output_tensor(0).data[0]
        return outputs

    return predict
