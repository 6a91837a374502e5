"""Request ids, the JSON access log, and what it must never contain."""

import json
import logging
import sys

import pytest

from app.logging_config import JsonFormatter, RequestIdFilter
from app.middleware.request_id import choose_request_id
from tests.reliability.bad_files import good_png

UPSTREAM = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def logs(caplog):
    """Records as the service's handler sees them: request id stamped at creation, formatted as JSON."""
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.DEBUG)
    return caplog


def access_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "app.access"]


def test_each_response_carries_a_new_request_id_that_the_access_log_names(client_with, logs):
    client = client_with()
    first = client.post("/v1/predict", files={"image": ("a.png", good_png())})
    second = client.get("/v1/models")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    records = access_records(logs)
    assert [r.request_id for r in records] == ids
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == ids[0]
    assert line["endpoint"] == "/v1/predict" and line["method"] == "POST" and line["status"] == 200
    assert line["bytes_in"] > len(good_png()) and line["bytes_out"] > 0 and line["duration_ms"] > 0


def test_upstream_request_id_is_kept_when_it_is_an_opaque_id(client_with):
    response = client_with().get("/v1/models", headers={"X-Request-ID": UPSTREAM})
    assert response.headers["x-request-id"] == UPSTREAM


@pytest.mark.parametrize("upstream", ["Doe^John", "ACC-2024-0001234", "x" * 32, UPSTREAM + "0"])
def test_free_text_request_ids_are_replaced(client_with, logs, upstream):
    response = client_with().get("/v1/models", headers={"X-Request-ID": upstream})
    assert response.headers["x-request-id"] != upstream
    assert upstream not in logs.text and upstream not in str([r.__dict__ for r in logs.records])


def test_unknown_paths_are_logged_as_unmatched_not_verbatim(client_with, logs):
    response = client_with().get("/v1/patients/Doe^John/studies")
    assert response.status_code == 404
    (record,) = access_records(logs)
    assert record.endpoint == "<unmatched>"
    assert "Doe" not in str(record.__dict__)


def test_probes_log_at_debug_so_they_do_not_drown_the_log(client_with, logs):
    client_with().get("/health/live")
    (record,) = access_records(logs)
    assert record.levelno == logging.DEBUG


def test_log_calls_inside_a_request_carry_its_id(client_with, logs):
    def classifier_that_logs(batch):
        logging.getLogger("test.model").info("classifying")
        return classify(batch)

    client = client_with()
    models = client.app.state.runtime.models
    classify, models.classifier = models.classifier, classifier_that_logs
    response = client.post("/v1/predict", files={"image": ("a.png", good_png())})
    (record,) = [r for r in logs.records if r.name == "test.model"]
    assert record.request_id == response.headers["x-request-id"]  # logged from a worker thread


def test_formatter_writes_one_json_object_with_extras_and_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed %s", ("once",), sys.exc_info())
    record.__dict__.update(request_id="abc", stage="decode")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed once" and line["level"] == "ERROR" and line["request_id"] == "abc"
    assert line["stage"] == "decode"
    assert "ValueError: boom" in line["exception"]


@pytest.mark.parametrize(
    ("upstream", "kept"),
    [
        (UPSTREAM, True),
        (UPSTREAM.upper(), True),
        ("123e4567-e89b-12d3-a456-426614174000", True),
        ("", False),
        (None, False),
    ],
)
def test_choose_request_id(upstream, kept):
    chosen = choose_request_id(upstream)
    assert (chosen == upstream.lower()) if kept else len(chosen) == 32


def test_a_crash_is_one_json_500_with_the_request_id_and_no_internals(client_with, logs):
    def broken_classifier(batch):
        raise RuntimeError("secret internals at /srv/models")

    client = client_with()
    client.app.state.runtime.models.classifier = broken_classifier
    response = client.post("/v1/predict", files={"image": ("a.png", good_png())})
    request_id = response.headers["x-request-id"]
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "internal_error",
        "message": f"internal error; quote request id {request_id}",
        "field": None,
    }
    assert "secret" not in response.text
    (crash,) = [r for r in logs.records if r.levelno == logging.ERROR]
    assert crash.request_id == request_id and crash.endpoint == "/v1/predict"
    assert "secret internals" in json.loads(JsonFormatter().format(crash))["exception"]
    assert access_records(logs)[-1].status == 500
    assert client.post("/v1/predict", files={"image": ("a.png", b"x")}).status_code == 415  # still serving
