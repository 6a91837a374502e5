"""HTTP load on loopback: closed-loop clients spread over several processes, a burst, and sequential latency."""

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

MAX_PROCESSES = 4  # client processes; threads within each make up the rest of the concurrency
TIMEOUT_S = 120
PREDICT = "/v1/predict"


@dataclass
class Sample:
    started: float  # time.time(), comparable across processes
    finished: float
    status: int
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def latency_s(self) -> float:
        return self.finished - self.started


@dataclass
class Load:
    samples: list[Sample]
    window_s: float

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def throughput(self) -> float:
        return len(self.ok) / self.window_s


def post(client: httpx.Client, url: str, payload: bytes) -> Sample:
    started = time.time()
    try:
        response = client.post(url + PREDICT, files={"image": ("slice.png", payload, "image/png")})
        status = response.status_code
        timings = response.json().get("timings_ms", {}) if status == 200 else {}
    except httpx.HTTPError:
        status, timings = 0, {}
    return Sample(started, time.time(), status, timings)


def _loop(client: httpx.Client, url: str, payloads: list[bytes], offset: int, stop_at: float) -> list[Sample]:
    samples, index = [], offset
    while time.time() < stop_at:
        samples.append(post(client, url, payloads[index % len(payloads)]))
        index += 1
    return samples


def _client_process(url, payloads, offsets, seconds, ready, results) -> None:
    clients = [httpx.Client(timeout=TIMEOUT_S) for _ in offsets]
    ready.wait()  # every process has its clients before the window opens
    stop_at = time.time() + seconds
    with ThreadPoolExecutor(len(offsets)) as pool:
        runs = pool.map(lambda pair: _loop(pair[0], url, payloads, pair[1], stop_at), zip(clients, offsets))
        results.put([sample for run in runs for sample in run])
    for client in clients:
        client.close()


def closed_loop(url: str, payloads: list[bytes], concurrency: int, seconds: float) -> Load:
    """`concurrency` clients each send the next request as soon as the last answers, for `seconds`."""
    # forkserver: children fork from a clean single-threaded server, never from this process with its threads and
    # their locks (a plain fork deadlocked in OpenSSL's context creation).
    context = multiprocessing.get_context("forkserver")
    processes = min(concurrency, MAX_PROCESSES)
    ready, results = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(
            target=_client_process,
            args=(url, payloads, list(range(p, concurrency, processes)), seconds, ready, results),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    start_at = time.time()
    samples = [sample for _ in workers for sample in results.get()]
    for worker in workers:
        worker.join()
    # Every request started in the window counts, and the window stretches to the last answer: exact at c=1, slightly
    # conservative above it (clients that finished early sit idle at the end), and never empty for a slow server.
    return Load(samples, max(s.finished for s in samples) - start_at)


def burst(url: str, payloads: list[bytes], concurrency: int) -> tuple[float, Load]:
    """All payloads at once through `concurrency` connections, as a scanner pushing a series slice by slice."""
    lock, queue = threading.Lock(), list(reversed(payloads))

    def worker() -> list[Sample]:
        samples = []
        with httpx.Client(timeout=TIMEOUT_S) as client:
            while True:
                with lock:
                    if not queue:
                        return samples
                    payload = queue.pop()
                samples.append(post(client, url, payload))

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = [s for part in pool.map(lambda _: worker(), range(concurrency)) for s in part]
    wall = time.perf_counter() - started
    return wall, Load(samples, wall)


def sequential(url: str, payloads: list[bytes], count: int) -> Load:
    """One request at a time: latency without queueing."""
    with httpx.Client(timeout=TIMEOUT_S) as client:
        samples = [post(client, url, payloads[i % len(payloads)]) for i in range(count)]
    return Load(samples, sum(s.latency_s for s in samples))


def series(url: str, files: list[bytes]) -> tuple[float, int, dict[str, float]]:
    """One /v1/series request carrying every DICOM file of the series."""
    upload = [("files", (f"slice{i:03d}.dcm", data, "application/dicom")) for i, data in enumerate(files)]
    with httpx.Client(timeout=TIMEOUT_S) as client:
        started = time.perf_counter()
        response = client.post(url + "/v1/series", files=upload)
        wall = time.perf_counter() - started
    timings = response.json().get("timings_ms", {}) if response.status_code == 200 else {}
    return wall, response.status_code, timings
