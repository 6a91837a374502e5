"""Run an iterator ahead on a worker thread, a bounded number of items ahead: decode and preprocess the next chunk
of a series while the models (which release the GIL) run the current one, without holding the whole series twice."""

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
# How often a worker blocked on a full queue looks whether its consumer has gone.
POLL_S = 0.05


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def prefetch(items: Iterable[T], depth: int) -> Iterator[T]:
    """The items of `items`, in order, produced on a worker thread at most `depth` items ahead of the consumer.

    An exception in the worker is raised in the consumer at the item where it happened. A consumer that stops early
    (an exception, or close()) stops the worker before this returns, so no work outlives the request.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            offer(_Failed(e))
            return
        offer(_DONE)

    worker = threading.Thread(target=work, name="prefetch", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()
