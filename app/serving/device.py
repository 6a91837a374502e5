"""Which device serves (an NVIDIA GPU or the CPU) and which engines are installed, found without importing
TensorFlow: the CPU image has none, and importing it costs seconds and hundreds of MB that OpenVINO never uses."""

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

DEV = Path("/dev")
NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")  # one folder per GPU the driver has bound
# Batch sizes that keep each device busy without holding requests too long (see docs/performance.md).
CPU_BATCH_SIZE, GPU_BATCH_SIZE = 8, 32
HIDDEN = {"", "-1", "none", "void"}  # CUDA_VISIBLE_DEVICES values that hide every GPU from CUDA


def nvidia_gpus(dev: Path = DEV, proc: Path = NVIDIA_PROC, environ: Mapping[str, str] = os.environ) -> int:
    """GPUs the NVIDIA driver exposes to this process: its device nodes (/dev/nvidia0...), which the container
    runtime passes in, or the driver's /proc entries; none where CUDA_VISIBLE_DEVICES hides them all."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip().lower() in HIDDEN:
        return 0
    nodes = [path for path in dev.glob("nvidia[0-9]*") if path.name[len("nvidia") :].isdigit()]
    bound = list(proc.iterdir()) if proc.is_dir() else []
    return max(len(nodes), len(bound))


def detect_device(dev: Path = DEV, proc: Path = NVIDIA_PROC, environ: Mapping[str, str] = os.environ) -> str:
    return "gpu" if nvidia_gpus(dev, proc, environ) else "cpu"


def installed(module: str) -> bool:
    """Whether `module` could be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules (blocked)
        return False


def default_batch_size(device: str) -> int:
    return GPU_BATCH_SIZE if device == "gpu" else CPU_BATCH_SIZE
