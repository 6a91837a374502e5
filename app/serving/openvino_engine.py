"""The CPU inference engine: the same SavedModel, compiled by OpenVINO for this CPU.

OpenVINO reads the SavedModel that TensorFlow would load (no second model file to keep in step) and runs it
fp32 with fused, blocked-layout kernels: 1.4x TensorFlow's forward speed on this machine, with outputs equal to
2e-6 (docs/performance.md; tests/perf/test_engine_equivalence.py).
"""

import threading
from functools import cache

import numpy as np

from app.serving.runtime import Predict
from app.serving.store import ModelVersion

# fp32 unless asked: OpenVINO would otherwise pick bf16 on AMX CPUs, which fails the equivalence check.
PRECISIONS = {False: "f32", True: "bf16"}


@cache  # one runtime per process: both models and every reload share its plugins and thread pool
def _core():
    import openvino as ov  # imported here so that a TensorFlow-only deployment never loads it

    return ov.Core()


def openvino_predictor(version: ModelVersion, bf16: bool = False) -> Predict:
    core = _core()
    compiled = core.compile_model(
        core.read_model(str(version.path)),
        "CPU",
        {"INFERENCE_PRECISION_HINT": PRECISIONS[bf16], "PERFORMANCE_HINT": "LATENCY"},
    )
    request = compiled.create_infer_request()
    lock = threading.Lock()  # one request object, reused; OpenVINO requests are not thread-safe

    def predict(batch: np.ndarray) -> np.ndarray:
        with lock:
            request.infer({0: np.ascontiguousarray(batch, np.float32)})
            # The output buffer belongs to the request and is overwritten by the next call.
            return request.get_output_tensor(0).data.copy()

    return predict
