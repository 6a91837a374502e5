"""Prometheus metrics of the service, on the process-wide registry that `/metrics` exposes.

Other modules import these objects and feed them (the batcher: BATCH_SIZE, QUEUE_DEPTH); label values are
route templates and status codes, never anything taken from a request's content.
"""

from prometheus_client import Counter, Enum, Gauge, Histogram

LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
MODEL_STATES = ["loading", "ready", "failed"]

REQUESTS = Counter(
    "ich_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "ich_http_request_duration_seconds",
    "Time from request start to the end of the response, by route template.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS_S,
)
IN_FLIGHT = Gauge("ich_http_requests_in_flight", "Requests being handled now (probes and /metrics excluded).")
REJECTED = Counter(
    "ich_http_requests_rejected_total", "Requests refused before reaching a handler, by reason.", ["reason"]
)
STAGE_LATENCY = Histogram(
    "ich_stage_duration_seconds",
    "Wall time of one pipeline stage (decode, preprocess, classify, segment, postprocess, encode...):"
    " once per slice request, once per chunk of a series.",
    ["stage"],
    buckets=LATENCY_BUCKETS_S,
)
BATCH_SIZE = Histogram("ich_batch_size", "Slices per model call.", buckets=BATCH_BUCKETS)
QUEUE_DEPTH = Gauge("ich_batch_queue_depth", "Slices waiting for a model call.")
MODEL_STATE = Enum("ich_model_load", "Load state of the served models.", states=MODEL_STATES)
MODEL_INFO = Gauge("ich_model_info", "1 for each loaded model version.", ["name", "version"])


def model_state(ready: bool, error: str | None) -> str:
    if ready:
        return "ready"
    return "failed" if error else "loading"


def update_model_metrics(runtime) -> None:
    """Read the runtime's state at scrape time, so the gauges cannot lag behind the loader thread."""
    MODEL_STATE.state(model_state(runtime.ready, runtime.error))
    if runtime.ready:
        for version in (runtime.models.classifier_version, runtime.models.segmenter_version):
            MODEL_INFO.labels(version.name, str(version.version)).set(1)
