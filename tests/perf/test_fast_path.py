"""The fast-path loader: models warmed at full batch, batched with a batch sized for their device, one batcher for reloads."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from app.config import Settings
from app.pipeline.flows.slice_flow import predict_slice
from app.serving import fast_path
from app.serving.device import CPU_BATCH_SIZE, GPU_BATCH_SIZE
from tests.app.conftest import FAKE_SIZE, fake_classifier, fake_models, fake_segmenter
from tests.app.images import brain_window_slice, png


class Recorder:
    def __init__(self, predict):
        self.predict, self.batches = predict, []

    def __call__(self, batch):
        self.batches.append(len(batch))
        return self.predict(batch)


def recording_loader(device: str = "cpu"):
    loads = []

    def load():
        models = replace(
            fake_models(),
            classifier=Recorder(fake_classifier),
            segmenter=Recorder(fake_segmenter),
            runtime_info={"device": device},
        )
        loads.append(models)
        return models

    return load, loads


def test_models_are_warmed_at_full_batch_and_batched(tmp_path):
    settings = Settings(model_store=tmp_path, batch_max_size=3, batch_max_delay_ms=1)
    load, loads = recording_loader()
    models = fast_path.accelerated(load, settings)()
    raw = loads[0]
    assert raw.classifier.batches == [3] and raw.segmenter.batches == [3]
    image = png(brain_window_slice())
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: predict_slice(models, image), range(6)))
    direct = predict_slice(raw, image)
    assert all(
        np.array_equal(r.mask, direct.mask) and np.allclose(r.probabilities, direct.probabilities) for r in results
    )
    assert max(raw.segmenter.batches[1:-1]) <= 3 and sum(raw.segmenter.batches[1:]) == 7  # 6 batched + 1 direct


def test_openvino_models_are_not_warmed_again_at_full_batch(tmp_path):
    """They are compiled for one slice, so a full batch would only run that shape eight times more at start-up."""
    load, loads = recording_loader()

    def openvino_load():
        return replace(load(), engine="openvino")

    models = fast_path.accelerated(openvino_load, Settings(model_store=tmp_path, batch_max_size=3))()
    assert loads[0].segmenter.batches == [] and models.engine == "openvino"


def test_batching_off_serves_the_loaded_callables_unchanged(tmp_path):
    load, loads = recording_loader()
    models = fast_path.accelerated(load, Settings(model_store=tmp_path, batching=False))()
    assert models is loads[0] and models.classifier.batches == []


@pytest.mark.parametrize(("device", "size"), [("cpu", CPU_BATCH_SIZE), ("gpu", GPU_BATCH_SIZE)])
def test_the_default_batch_size_comes_from_the_device(tmp_path, device, size):
    load, loads = recording_loader(device)
    fast_path.accelerated(load, Settings(model_store=tmp_path))()
    assert loads[0].segmenter.batches == [size]


def test_a_reload_reuses_the_batcher_and_serves_the_new_models(tmp_path):
    load, loads = recording_loader()
    accelerated = fast_path.accelerated(load, Settings(model_store=tmp_path, batch_max_size=2))
    workers_before = batcher_threads()
    accelerated()
    second = accelerated()
    assert batcher_threads() == workers_before + 1  # one worker thread for both loads
    second.segmenter(np.zeros((1, FAKE_SIZE, FAKE_SIZE, 3), np.float32))
    assert loads[1].segmenter.batches == [2, 1] and loads[0].segmenter.batches == [2]


def batcher_threads() -> int:
    return sum(thread.name == "micro-batcher" for thread in threading.enumerate())
