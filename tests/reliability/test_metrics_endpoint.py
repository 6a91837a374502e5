"""Prometheus metrics at /metrics: request counts and latency by route, model load state, batcher metrics."""

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.serving.runtime import ModelRuntime
from tests.app.conftest import fake_models
from tests.reliability.bad_files import good_png
from tests.reliability.conftest import API_KEY


def count(endpoint: str, status: str, method: str = "POST") -> float:
    value = REGISTRY.get_sample_value(
        "ich_http_requests_total", {"endpoint": endpoint, "method": method, "status": status}
    )
    return value or 0.0


def scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def test_requests_are_counted_by_route_and_status(client_with):
    client = client_with()
    before = count("/v1/predict", "200"), count("/v1/predict", "415"), count("<unmatched>", "404", "GET")
    latency_before = (
        REGISTRY.get_sample_value(
            "ich_http_request_duration_seconds_count", {"endpoint": "/v1/predict", "method": "POST"}
        )
        or 0.0
    )
    client.post("/v1/predict", files={"image": ("a.png", good_png())})
    client.post("/v1/predict", files={"image": ("a.png", b"not an image")})
    client.get("/no/such/path")
    after = count("/v1/predict", "200"), count("/v1/predict", "415"), count("<unmatched>", "404", "GET")
    assert [b - a for a, b in zip(before, after)] == [1, 1, 1]
    latency_after = REGISTRY.get_sample_value(
        "ich_http_request_duration_seconds_count", {"endpoint": "/v1/predict", "method": "POST"}
    )
    assert latency_after - latency_before == 2


def test_refusals_before_routing_are_counted_under_their_route(client_with):
    client = client_with(api_key=API_KEY)
    before = count("/v1/predict", "401")
    client.post("/v1/predict", files={"image": ("a.png", good_png())})
    assert count("/v1/predict", "401") - before == 1


def test_scrape_lists_batcher_and_latency_metrics(client_with):
    families = scrape(client_with())
    for name in ("ich_batch_size", "ich_batch_queue_depth", "ich_http_request_duration_seconds", "ich_model_load"):
        assert name in families
    buckets = {s.labels["le"] for s in families["ich_batch_size"] if s.name.endswith("_bucket")}
    assert {"1.0", "8.0", "+Inf"} <= buckets


@pytest.mark.parametrize(
    ("runtime_state", "expected"),
    [("loaded", "ready"), ("never_loaded", "loading"), ("failed", "failed")],
)
def test_model_load_state(client_with, runtime_state, expected):
    def broken():
        raise OSError("disk gone")

    runtime = ModelRuntime(broken if runtime_state == "failed" else fake_models)
    if runtime_state != "never_loaded":
        runtime.load()
    runtime.load_in_background = lambda: None
    samples = scrape(client_with(runtime))["ich_model_load"]
    states = {s.labels["ich_model_load"]: s.value for s in samples}
    assert states == {state: float(state == expected) for state in ("loading", "ready", "failed")}


def test_loaded_model_versions_are_listed(client_with):
    samples = scrape(client_with())["ich_model_info"]
    assert {(s.labels["name"], s.labels["version"]) for s in samples} >= {
        ("fake_classifier", "7"),
        ("fake_segmenter", "3"),
    }


def test_metrics_need_the_key_when_one_is_set(client_with):
    client = client_with(api_key=API_KEY)
    assert client.get("/metrics").status_code == 401
    assert "ich_model_load" in scrape(client, **{"X-API-Key": API_KEY})
