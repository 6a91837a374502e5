"""The event loop keeps answering probes while batched inference is busy, over real HTTP (uvicorn in a thread)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import numpy as np
import pytest
import uvicorn

from app.config import Settings
from app.main import create_app
from app.serving.batching import MicroBatcher, batched_models
from app.serving.runtime import ModelRuntime
from bench.inputs import series_inputs
from tests.app.conftest import fake_models, fake_segmenter
from tests.app.images import brain_window_slice, png
from tests.live_server import free_port

WAIT_S = 20  # bound for threads to reach a point; never a speed check
CONCURRENT_REQUESTS = 6
SERIES_SLICES = 3


class GatedSegmenter:
    """The fake segmenter, held until the test opens the gate: a stand-in for a long series on a slow CPU."""

    def __init__(self):
        self.gate, self.entered = threading.Event(), threading.Event()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.entered.set()
        assert self.gate.wait(WAIT_S), "test never opened the gate"
        return fake_segmenter(batch)


@pytest.fixture
def gated_server(tmp_path):
    segmenter = GatedSegmenter()
    batcher = MicroBatcher(max_batch_size=4, max_delay_s=0.002)
    runtime = ModelRuntime(lambda: batched_models(replace(fake_models(), segmenter=segmenter), batcher))
    segmenter.gate.set()  # let the warm-up through, then hold every request from here on
    runtime.load()
    segmenter.gate.clear()
    segmenter.entered.clear()
    app = create_app(Settings(model_store=tmp_path), runtime)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT_S
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield base, segmenter
    finally:
        segmenter.gate.set()
        server.should_exit = True
        thread.join(WAIT_S)
        batcher.close(WAIT_S)


def post_slice(base: str) -> httpx.Response:
    files = {"image": ("slice.png", png(brain_window_slice()), "image/png")}
    return httpx.post(f"{base}/v1/predict", files=files, timeout=WAIT_S * 2)


def test_probes_answer_while_inference_is_blocked(gated_server):
    base, segmenter = gated_server
    with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
        requests = [pool.submit(post_slice, base) for _ in range(CONCURRENT_REQUESTS)]
        assert segmenter.entered.wait(WAIT_S), "no request reached the model"
        live = httpx.get(f"{base}/health/live", timeout=WAIT_S)
        ready = httpx.get(f"{base}/health/ready", timeout=WAIT_S)
        still_running = [not r.done() for r in requests]
        segmenter.gate.set()
        answers = [r.result(WAIT_S * 2) for r in requests]
    assert (live.status_code, live.json()["status"]) == (200, "live")
    assert (ready.status_code, ready.json()["status"]) == (200, "ready")
    assert all(still_running), "the probes must have been answered while every prediction was still in the model"
    assert [a.status_code for a in answers] == [200] * CONCURRENT_REQUESTS
    assert all(a.json()["area_pixels"] > 0 for a in answers)


def test_probes_answer_while_a_series_is_in_the_model(gated_server):
    base, segmenter = gated_server
    _, dicoms = series_inputs(SERIES_SLICES, matrix=256)
    upload = [("files", (f"{i}.dcm", data, "application/dicom")) for i, data in enumerate(dicoms)]
    with ThreadPoolExecutor(1) as pool:
        series = pool.submit(httpx.post, f"{base}/v1/series", files=upload, timeout=WAIT_S * 2)
        assert segmenter.entered.wait(WAIT_S), "the series never reached the model"
        live = httpx.get(f"{base}/health/live", timeout=WAIT_S)
        still_running = not series.done()
        segmenter.gate.set()
        answer = series.result(WAIT_S * 2)
    assert (live.status_code, still_running) == (200, True)
    assert answer.status_code == 200 and len(answer.json()["slices"]) == SERIES_SLICES
