"""Per-stage latency histograms at /metrics: every stage of a slice request is observed once."""

from prometheus_client import REGISTRY

from tests.reliability.bad_files import good_png

SLICE_STAGES = ("decode", "preprocess", "classify", "segment", "postprocess", "encode")


def observed(stage: str) -> float:
    return REGISTRY.get_sample_value("ich_stage_duration_seconds_count", {"stage": stage}) or 0.0


def test_a_slice_request_observes_each_stage_once(client_with):
    client = client_with()
    before = {stage: observed(stage) for stage in SLICE_STAGES}
    assert client.post("/v1/predict", files={"image": ("a.png", good_png())}).status_code == 200
    assert {stage: observed(stage) - before[stage] for stage in SLICE_STAGES} == dict.fromkeys(SLICE_STAGES, 1.0)
    text = client.get("/metrics").text
    assert 'ich_stage_duration_seconds_bucket{le="0.01",stage="decode"}' in text


def test_a_refused_image_observes_decode_only(client_with):
    client = client_with()
    before = {stage: observed(stage) for stage in SLICE_STAGES}
    assert client.post("/v1/predict", files={"image": ("a.png", b"not an image")}).status_code == 415
    deltas = {stage: observed(stage) - before[stage] for stage in SLICE_STAGES}
    assert deltas == {"decode": 1.0} | dict.fromkeys(SLICE_STAGES[1:], 0.0)
