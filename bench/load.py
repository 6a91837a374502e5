"""HTTP load on loopback: closed-loop clients spread over several processes, a burst, and sequential latency.

The clients share the two cores with the server they measure, so they must cost it as little as possible: each
request body is multipart-encoded once (by httpx) and sent over a plain `http.client` connection. httpx's own request
path took ~5 ms of client CPU per request against ~0.7 ms for this (bench/load.py's CPU accounting, docs/performance.md).
"""

import http.client
import json
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

MAX_PROCESSES = 4  # client processes; threads within each make up the rest of the concurrency
TIMEOUT_S = 120
PREDICT = "/v1/predict"


@dataclass(frozen=True)
class Upload:
    """A request body encoded ahead of time, with the Content-Type that names its multipart boundary."""

    content_type: str
    body: bytes


def upload(files: list[tuple[str, tuple[str, bytes, str]]]) -> Upload:
    """httpx's multipart encoder, used once per payload; the body is then resent as bytes."""
    request = httpx.Request("POST", "http://encode.invalid", files=files)
    return Upload(request.headers["content-type"], request.read())


def slice_upload(payload: bytes) -> Upload:
    return upload([("image", ("slice.png", payload, "image/png"))])


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
    client_cpu_s: float = 0.0  # CPU the client processes used, when measured (closed_loop)

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def throughput(self) -> float:
        return len(self.ok) / self.window_s

    @property
    def client_cpu_ms_per_request(self) -> float:
        return 1000 * self.client_cpu_s / max(1, len(self.samples))


def connect(url: str) -> http.client.HTTPConnection:
    """A keep-alive connection; after an error it reconnects on the next request by itself."""
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)


def post(connection: http.client.HTTPConnection, path: str, request: Upload) -> Sample:
    started = time.time()
    try:
        connection.request("POST", path, request.body, {"Content-Type": request.content_type})
        response = connection.getresponse()
        status, body = response.status, response.read()
    except (OSError, http.client.HTTPException):
        connection.close()
        status, body = 0, b""
    timings = json.loads(body).get("timings_ms", {}) if status == 200 else {}
    return Sample(started, time.time(), status, timings)


def _loop(url: str, uploads: list[Upload], offset: int, stop_at: float) -> list[Sample]:
    connection, samples, index = connect(url), [], offset
    while time.time() < stop_at:
        samples.append(post(connection, PREDICT, uploads[index % len(uploads)]))
        index += 1
    connection.close()
    return samples


def _client_process(url, uploads, offsets, seconds, ready, results) -> None:
    ready.wait()  # every process is up before the window opens
    cpu_started, stop_at = time.process_time(), time.time() + seconds
    with ThreadPoolExecutor(len(offsets)) as pool:
        runs = list(pool.map(lambda offset: _loop(url, uploads, offset, stop_at), offsets))
    results.put(([sample for run in runs for sample in run], time.process_time() - cpu_started))


def closed_loop(url: str, payloads: list[bytes], concurrency: int, seconds: float) -> Load:
    """`concurrency` clients each send the next request as soon as the last answers, for `seconds`."""
    uploads = [slice_upload(p) for p in payloads]
    # forkserver: children fork from a clean single-threaded server, never from this process with its threads and
    # their locks (a plain fork deadlocked in OpenSSL's context creation).
    context = multiprocessing.get_context("forkserver")
    processes = min(concurrency, MAX_PROCESSES)
    ready, results = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(
            target=_client_process,
            args=(url, uploads, list(range(p, concurrency, processes)), seconds, ready, results),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    ready.wait()
    start_at = time.time()
    parts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    samples = [sample for part, _ in parts for sample in part]
    # Every request started in the window counts, and the window stretches to the last answer: exact at c=1, slightly
    # conservative above it (clients that finished early sit idle at the end), and never empty for a slow server.
    window = max(s.finished for s in samples) - start_at
    return Load(samples, window, sum(cpu for _, cpu in parts))


def burst(url: str, payloads: list[bytes], concurrency: int) -> tuple[float, Load]:
    """All payloads at once through `concurrency` connections, as a scanner pushing a series slice by slice."""
    lock, queue = threading.Lock(), [slice_upload(p) for p in reversed(payloads)]

    def worker() -> list[Sample]:
        connection, samples = connect(url), []
        while True:
            with lock:
                if not queue:
                    connection.close()
                    return samples
                request = queue.pop()
            samples.append(post(connection, PREDICT, request))

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = [s for part in pool.map(lambda _: worker(), range(concurrency)) for s in part]
    wall = time.perf_counter() - started
    return wall, Load(samples, wall)


def sequential(url: str, payloads: list[bytes], count: int) -> Load:
    """One request at a time: latency without queueing."""
    uploads, connection = [slice_upload(p) for p in payloads], connect(url)
    samples = [post(connection, PREDICT, uploads[i % len(uploads)]) for i in range(count)]
    connection.close()
    return Load(samples, sum(s.latency_s for s in samples))


def series(url: str, files: list[bytes]) -> tuple[float, int, dict[str, float]]:
    """One /v1/series request carrying every DICOM file of the series."""
    request = upload([("files", (f"slice{i:03d}.dcm", data, "application/dicom")) for i, data in enumerate(files)])
    connection = connect(url)
    sample = post(connection, "/v1/series", request)
    connection.close()
    return sample.latency_s, sample.status, sample.timings_ms
