"""app.pipeline.prefetch: items in order, never more than `depth` ahead, the worker's errors raised where they
happened, and no worker left once the consumer stops."""

import threading
import time

import pytest

from app.pipeline.prefetch import prefetch


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "prefetch"]


def test_items_arrive_in_order():
    assert list(prefetch(iter(range(50)), 3)) == list(range(50))


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_the_worker_runs_at_most_depth_items_ahead(depth):
    produced = []

    def items():
        for k in range(12):
            produced.append(k)
            yield k

    for consumed, item in enumerate(prefetch(items(), depth)):
        time.sleep(0.02)  # a slow consumer: the worker has had time to fill the queue
        # the queue holds `depth`, and the worker may hold one more, made but not yet placed
        assert len(produced) - consumed <= depth + 2
        assert item == consumed
    assert len(produced) == 12


def test_a_failure_in_the_worker_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("slice 3 is corrupt")

    received = []
    with pytest.raises(ValueError, match="slice 3 is corrupt"):
        for item in prefetch(items(), 2):
            received.append(item)
    assert received == [1, 2]
    assert prefetch_threads() == []


def test_a_consumer_that_stops_early_stops_the_worker():
    produced = []

    def endless():
        while True:
            produced.append(1)
            yield len(produced)

    ready = prefetch(endless(), 2)
    assert next(ready) == 1
    ready.close()
    assert prefetch_threads() == []
    count = len(produced)
    time.sleep(0.1)
    assert len(produced) == count


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth must be at least 1, got 0"):
        next(prefetch(iter([1]), 0))
