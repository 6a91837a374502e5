"""The serving fast path: every model call batched, through one batcher sized for the device the models run on."""

import logging
from collections.abc import Callable

import numpy as np

from app.config import Settings
from app.serving.batching import MicroBatcher, batched_models, record_batch_metrics
from app.serving.device import default_batch_size
from app.serving.runtime import LoadedModels

log = logging.getLogger(__name__)


def warm_batch(models: LoadedModels, rows: int) -> None:
    """Run the largest batch once, so its kernels and buffers exist before the first burst arrives."""
    batch = np.zeros((rows, *models.input_size, models.input_channels), np.float32)
    models.classifier(batch)
    models.segmenter(batch)


def accelerated(load: Callable[[], LoadedModels], settings: Settings) -> Callable[[], LoadedModels]:
    """Wrap a model loader: route the loaded models through one shared batcher.

    The batcher outlives reloads: each reload's models are wrapped in it, and the old ones are freed once idle.
    """
    batcher: MicroBatcher | None = None

    def load_fast() -> LoadedModels:
        nonlocal batcher
        models = load()
        if not settings.batching:
            return models
        if batcher is None:
            size = settings.batch_max_size or default_batch_size(models.runtime_info.get("device", "cpu"))
            batcher = MicroBatcher(size, settings.batch_max_delay_ms / 1000, record_batch_metrics)
            log.info("micro-batching: up to %d slices, %.1f ms delay", size, settings.batch_max_delay_ms)
        if models.engine != "openvino":  # OpenVINO's models take one fixed slice shape, warmed by the load itself
            warm_batch(models, batcher.max_batch_size)
        return batched_models(models, batcher)

    return load_fast
