"""TensorFlow runtime options for serving: thread pools, oneDNN, bf16 on AMX, XLA, and GPU memory growth.

`configure_tensorflow` must run before TensorFlow executes its first op; the model loader calls it only when
TensorFlow is the engine, so the OpenVINO path never imports TensorFlow.
"""

import logging
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from app.config import TFOptions
from app.serving.device import default_batch_size
from core.cpuinfo import CPUINFO, cpu_flags

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TFSetup:
    """What was applied, for the logs and the benchmark report."""

    device: str  # "gpu" or "cpu"
    gpus: int
    cpu_bf16: bool
    gpu_mixed_precision: bool
    xla: bool
    intra_op_threads: int
    inter_op_threads: int

    @property
    def batch_size(self) -> int:
        return default_batch_size(self.device)

    def as_dict(self) -> dict:
        return asdict(self)


def has_amx_bf16(cpuinfo: Path = CPUINFO) -> bool:
    return "amx_bf16" in cpu_flags(cpuinfo)


def set_environment(options: TFOptions) -> None:
    """Options TensorFlow reads only when it is imported; a no-op on what the operator already set."""
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1" if options.onednn else "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if options.xla:
        # Auto-clustering reaches the SavedModels' functions without rewrapping them; on CPU it needs the global flag.
        os.environ.setdefault("TF_XLA_FLAGS", "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit")


@cache  # once per process and options: a model reload must not try to reconfigure a running TensorFlow
def configure_tensorflow(options: TFOptions, cpuinfo: Path = CPUINFO) -> TFSetup:
    set_environment(options)
    import tensorflow as tf  # after set_environment, which must precede the import

    gpus = tf.config.list_physical_devices("GPU")
    try:
        # Without memory growth TensorFlow maps the whole card, and a second process or replica cannot start.
        for gpu in gpus:
            tf.config.experimental.set_memory_growth(gpu, options.gpu_memory_growth)
        tf.config.threading.set_intra_op_parallelism_threads(options.intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(options.inter_op_threads)
    except RuntimeError as e:  # the runtime already started in this process (tests, a second app): keep its settings
        log.warning("TensorFlow was already initialised; thread and GPU memory options left as they were: %s", e)
    cpu_bf16 = options.cpu_bf16 and not gpus and options.onednn and has_amx_bf16(cpuinfo)
    if options.cpu_bf16 and not cpu_bf16:
        log.warning("cpu_bf16 requested but unavailable (needs oneDNN, no GPU and a CPU with amx_bf16); serving fp32")
    gpu_mixed_precision = options.gpu_mixed_precision and bool(gpus)
    # Grappler rewrites each function graph as it is instantiated, so this reaches models loaded from SavedModels.
    tf.config.optimizer.set_experimental_options(
        {"auto_mixed_precision_onednn_bfloat16": cpu_bf16, "auto_mixed_precision": gpu_mixed_precision}
    )
    tf.config.optimizer.set_jit("autoclustering" if options.xla else False)
    setup = TFSetup(
        device="gpu" if gpus else "cpu",
        gpus=len(gpus),
        cpu_bf16=cpu_bf16,
        gpu_mixed_precision=gpu_mixed_precision,
        xla=options.xla,
        intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
        inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
    )
    log.info("tensorflow configured: %s", setup.as_dict())
    return setup
