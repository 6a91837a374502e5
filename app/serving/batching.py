"""Dynamic micro-batching: concurrent callers' inputs run through a model as one batch, as Triton and TF Serving do.

One worker thread runs every model, one batch at a time, so a batch gets all the cores (TF's intra-op pool) instead of
several small calls fighting over them. Callers block on a future; they are threadpool threads, never the event loop.
"""

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

import numpy as np

from app.serving.runtime import LoadedModels, Predict

log = logging.getLogger(__name__)
# (model name, rows in the batch, rows still queued behind it), called as each batch starts
BatchObserver = Callable[[str, int, int], None]
CLOSED_MESSAGE = "the batcher is closed"


@dataclass
class _Request:
    model: str
    predict: Predict
    inputs: np.ndarray
    enqueued: float = field(default_factory=time.monotonic)
    future: Future = field(default_factory=Future)

    def joins(self, other: "_Request") -> bool:
        """Only inputs for the same model with the same per-row shape and dtype can be stacked."""
        same_model = self.predict is other.predict
        return same_model and (self.inputs.shape[1:], self.inputs.dtype) == (other.inputs.shape[1:], other.inputs.dtype)


class MicroBatcher:
    """Queues (N, ...) inputs per model and runs them as batches of at most `max_batch_size` rows.

    A batch starts when it is full or when its oldest request has waited `max_delay_s`; under load the queue fills while
    the previous batch runs, so batches form without waiting at all. The batcher keeps no models of its own: a reload
    wraps the new callables in the same batcher, and the old models are freed once no request holds them.
    """

    def __init__(self, max_batch_size: int, max_delay_s: float, observer: BatchObserver | None = None):
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
        if max_delay_s < 0:
            raise ValueError(f"max_delay_s must not be negative, got {max_delay_s}")
        self.max_batch_size, self.max_delay_s, self._observer = max_batch_size, max_delay_s, observer
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._pending: deque[_Request] = deque()  # taken off the queue but not yet run: other model, or no room
        self._closed = False
        self._lock = threading.Lock()  # a request is either queued before the stop sentinel or refused
        self._queued_rows = 0
        self._thread = threading.Thread(target=self._serve, name="micro-batcher", daemon=True)
        self._thread.start()

    @property
    def queued_rows(self) -> int:
        """Rows submitted and not yet running."""
        return self._queued_rows

    @property
    def closed(self) -> bool:
        return self._closed

    def wrap(self, name: str, predict: Predict) -> Predict:
        """A drop-in `Predict` for `predict` whose calls are batched with other callers'; `name` labels metrics."""
        return lambda inputs: self.submit(name, predict, inputs)

    def submit(self, name: str, predict: Predict, inputs: np.ndarray) -> np.ndarray:
        """Blocks until the rows of `inputs` have been run, possibly alongside other callers' rows."""
        inputs = np.asarray(inputs)
        if inputs.ndim == 0 or len(inputs) == 0:
            raise ValueError(f"inputs must have at least one row, got shape {inputs.shape}")
        # A long series is cut into batches: memory stays bounded and other callers' slices interleave with it.
        step = self.max_batch_size
        requests = [_Request(name, predict, inputs[i : i + step]) for i in range(0, len(inputs), step)]
        with self._lock:
            if self._closed:
                raise RuntimeError(CLOSED_MESSAGE)
            for request in requests:
                self._queue.put(request)
            self._queued_rows += len(inputs)
        outputs = [request.future.result() for request in requests]
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)

    def close(self, timeout: float | None = None) -> None:
        """Runs what was already submitted, then stops the worker; later submits raise CLOSED_MESSAGE."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        self._thread.join(timeout)

    def _next(self) -> _Request | None:
        return self._pending.popleft() if self._pending else self._queue.get()

    def _collect(self, first: _Request) -> list[_Request]:
        batch, rows = [first], len(first.inputs)
        waiting = list(self._pending)
        self._pending.clear()
        for request in waiting:
            if request.joins(first) and rows + len(request.inputs) <= self.max_batch_size:
                batch.append(request)
                rows += len(request.inputs)
            else:
                self._pending.append(request)
        deadline = first.enqueued + self.max_delay_s
        while rows < self.max_batch_size:
            remaining = deadline - time.monotonic()
            try:
                request = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if request is None:
                self._queue.put(None)  # seen again by _serve once this batch has run
                break
            if request.joins(first) and rows + len(request.inputs) <= self.max_batch_size:
                batch.append(request)
                rows += len(request.inputs)
            else:
                self._pending.append(request)
                if request.joins(first):
                    break  # the batch is as full as this model's queue allows
        return batch

    def _run(self, batch: list[_Request]) -> None:
        model, rows = batch[0].model, sum(len(r.inputs) for r in batch)
        with self._lock:
            self._queued_rows -= rows
            waiting = self._queued_rows
        if self._observer is not None:
            try:
                self._observer(model, rows, waiting)
            except Exception:  # metrics must never stop inference
                log.exception("batch observer failed")
        inputs = batch[0].inputs if len(batch) == 1 else np.concatenate([r.inputs for r in batch])
        try:
            outputs = np.asarray(batch[0].predict(inputs))
            if len(outputs) != rows:
                raise ValueError(f"model {model!r} returned {len(outputs)} rows for a batch of {rows}")
        except Exception as e:  # noqa: BLE001 - every caller in the batch sees the error; the worker lives on
            for request in batch:
                request.future.set_exception(e)
            return
        start = 0
        for request in batch:
            stop = start + len(request.inputs)
            request.future.set_result(outputs[start:stop])
            start = stop

    def _serve(self) -> None:
        while True:
            first = self._next()
            if first is None:
                break
            self._run(self._collect(first))


def record_batch_metrics(model: str, rows: int, waiting: int) -> None:
    """A BatchObserver feeding the service's Prometheus metrics."""
    from app.metrics import BATCH_SIZE, QUEUE_DEPTH

    BATCH_SIZE.observe(rows)
    QUEUE_DEPTH.set(waiting)


def batched_models(models: LoadedModels, batcher: MicroBatcher) -> LoadedModels:
    """The same models with each callable routed through `batcher`; the pipeline cannot tell the difference."""
    return replace(
        models,
        classifier=batcher.wrap("classifier", models.classifier),
        segmenter=batcher.wrap("segmenter", models.segmenter),
    )
