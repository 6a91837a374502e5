"""The micro-batcher: each caller gets its own rows back, concurrent callers share batches, errors reach every caller."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.serving.batching import CLOSED_MESSAGE, MicroBatcher, record_batch_metrics

WAIT_S = 10  # generous bound for a background thread to reach a point; never a speed check


class RecordingModel:
    """Row-wise model (row -> 2 * row sum) that records its batch sizes and can be held at a gate."""

    def __init__(self, gated: bool = False):
        self.batches: list[int] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        if not gated:
            self.gate.set()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(len(batch))
        self.entered.set()
        assert self.gate.wait(WAIT_S), "test never opened the gate"
        return 2 * batch.reshape(len(batch), -1).sum(axis=1, keepdims=True)


def rows(start: int, count: int = 1) -> np.ndarray:
    return np.arange(start, start + count, dtype=np.float32).reshape(count, 1, 1) * np.ones((1, 2, 2), np.float32)


def expected(inputs: np.ndarray) -> np.ndarray:
    return 2 * inputs.reshape(len(inputs), -1).sum(axis=1, keepdims=True)


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


@pytest.fixture
def batcher():
    batcher = MicroBatcher(max_batch_size=4, max_delay_s=0.001)
    yield batcher
    batcher.close(timeout=WAIT_S)


def test_each_concurrent_caller_gets_its_own_rows(batcher):
    model = RecordingModel()
    predict = batcher.wrap("model", model)
    inputs = [rows(i, 1 + i % 3) for i in range(0, 60, 3)]
    with ThreadPoolExecutor(16) as pool:
        outputs = list(pool.map(predict, inputs))
    for given, got in zip(inputs, outputs):
        np.testing.assert_array_equal(got, expected(given))
    assert sum(model.batches) == sum(len(x) for x in inputs)
    assert max(model.batches) <= 4


def test_requests_queued_behind_a_running_batch_run_together(batcher):
    model = RecordingModel(gated=True)
    predict = batcher.wrap("model", model)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(predict, rows(0))
        assert model.entered.wait(WAIT_S)
        later = [pool.submit(predict, rows(i)) for i in range(1, 7)]
        wait_until(lambda: batcher.queued_rows == 6)
        model.gate.set()
        results = [first.result(WAIT_S)] + [f.result(WAIT_S) for f in later]
    assert model.batches == [1, 4, 2]
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, expected(rows(i)))


def test_a_lone_request_waits_for_a_partner_within_the_delay():
    batcher = MicroBatcher(max_batch_size=2, max_delay_s=WAIT_S)
    model = RecordingModel()
    predict = batcher.wrap("model", model)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(predict, rows(0))
        wait_until(lambda: batcher.queued_rows == 1)
        second = pool.submit(predict, rows(1))
        np.testing.assert_array_equal(first.result(WAIT_S), expected(rows(0)))
        np.testing.assert_array_equal(second.result(WAIT_S), expected(rows(1)))
    batcher.close(timeout=WAIT_S)
    assert model.batches == [2]


def test_a_long_series_is_cut_into_batches_and_reassembled_in_order(batcher):
    model = RecordingModel()
    series = rows(0, 10)
    np.testing.assert_array_equal(batcher.wrap("model", model)(series), expected(series))
    assert model.batches == [4, 4, 2]


def test_models_and_shapes_are_never_mixed_in_one_batch(batcher):
    first, second = RecordingModel(gated=True), RecordingModel()
    predict_first, predict_second = batcher.wrap("first", first), batcher.wrap("second", second)
    big = np.ones((1, 3, 3), np.float32)
    with ThreadPoolExecutor(8) as pool:
        blocker = pool.submit(predict_first, rows(0))
        assert first.entered.wait(WAIT_S)
        futures = []
        for predict, inputs in [
            (predict_second, rows(1)),
            (predict_first, rows(2)),
            (predict_first, big),
            (predict_second, rows(3)),
            (predict_first, rows(4)),
        ]:
            futures.append(pool.submit(predict, inputs))
            wait_until(lambda: batcher.queued_rows == len(futures))  # one at a time, so the queue order is known
        first.gate.set()
        blocker.result(WAIT_S)
        outputs = [f.result(WAIT_S) for f in futures]
    np.testing.assert_array_equal(outputs[2], [[18.0]])
    np.testing.assert_array_equal(outputs[4], expected(rows(4)))
    # oldest first: second model's pair, then first model's 2x2 pair, then the 3x3 input alone
    assert second.batches == [2]
    assert first.batches == [1, 2, 1]


def test_a_model_error_reaches_every_caller_and_the_worker_survives(batcher):
    calls = []

    def failing(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("kernel failed")
        return batch[:, :1, 0]

    predict = batcher.wrap("model", failing)
    with pytest.raises(RuntimeError, match="^kernel failed$"):
        predict(rows(0))
    np.testing.assert_array_equal(predict(rows(5)), [[5.0]])


def test_a_model_returning_the_wrong_number_of_rows_is_an_error(batcher):
    predict = batcher.wrap("broken", lambda batch: batch[:1])
    with pytest.raises(ValueError, match=r"^model 'broken' returned 1 rows for a batch of 3$"):
        predict(rows(0, 3))


def test_close_runs_what_was_queued_then_refuses_new_work():
    batcher = MicroBatcher(max_batch_size=1, max_delay_s=0)
    model = RecordingModel(gated=True)
    predict = batcher.wrap("model", model)
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(predict, rows(i)) for i in range(3)]
        wait_until(lambda: model.entered.is_set() and batcher.queued_rows == 2)
        closer = threading.Thread(target=batcher.close, args=(WAIT_S,))
        closer.start()
        wait_until(lambda: batcher.closed)
        model.gate.set()
        closer.join(WAIT_S)
        outputs = [f.result(WAIT_S) for f in futures]
    assert [float(o[0, 0]) for o in outputs] == [0.0, 8.0, 16.0]
    with pytest.raises(RuntimeError, match=f"^{CLOSED_MESSAGE}$"):
        predict(rows(0))


def test_observer_sees_batch_sizes_and_a_failing_observer_does_not_stop_inference():
    seen = []

    def observer(name, batch_rows, waiting):
        seen.append((name, batch_rows, waiting))
        raise RuntimeError("metrics backend down")

    batcher = MicroBatcher(max_batch_size=4, max_delay_s=0, observer=observer)
    np.testing.assert_array_equal(batcher.wrap("seg", RecordingModel())(rows(1, 6)), expected(rows(1, 6)))
    batcher.close(timeout=WAIT_S)
    assert seen == [("seg", 4, 2), ("seg", 2, 0)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_batch_size": 0, "max_delay_s": 0}, "max_batch_size must be at least 1, got 0"),
        ({"max_batch_size": 1, "max_delay_s": -1}, "max_delay_s must not be negative, got -1"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        MicroBatcher(**kwargs)


def test_empty_inputs_are_refused(batcher):
    with pytest.raises(ValueError, match=r"^inputs must have at least one row, got shape \(0, 2, 2\)$"):
        batcher.wrap("model", RecordingModel())(np.zeros((0, 2, 2), np.float32))


def test_batch_sizes_and_queue_depth_reach_prometheus():
    from prometheus_client import REGISTRY

    def sample(name):
        return REGISTRY.get_sample_value(name) or 0.0

    count, total = sample("ich_batch_size_count"), sample("ich_batch_size_sum")
    batcher = MicroBatcher(max_batch_size=4, max_delay_s=0, observer=record_batch_metrics)
    batcher.wrap("seg", RecordingModel())(rows(0, 6))
    batcher.close(timeout=WAIT_S)
    assert (sample("ich_batch_size_count") - count, sample("ich_batch_size_sum") - total) == (2, 6)
    assert sample("ich_batch_queue_depth") == 0  # 2 rows were waiting at the first batch, none at the second
