from fastapi.testclient import TestClient

from app.main import create_app
from app.serving.runtime import ModelRuntime
from tests.app.conftest import fake_models


def test_live_and_ready_with_kserve_aliases(client):
    for path in ("/health/live", "/v2/health/live"):
        assert client.get(path).json() == {"status": "live", "detail": None}
    for path in ("/health/ready", "/v2/health/ready"):
        response = client.get(path)
        assert response.status_code == 200 and response.json()["status"] == "ready"


def test_not_ready_until_loaded_and_predict_says_why(settings):
    runtime = ModelRuntime(fake_models)  # never loaded
    app = create_app(settings, runtime)
    runtime.load_in_background = lambda: None  # keep it unloaded through start-up
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200
        ready = client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["detail"] == "loading"
        response = client.post("/v1/predict", files={"image": ("a.png", b"x")})
        assert response.status_code == 503
        assert response.json()["error"]["message"] == "models are still loading"
        assert response.headers["retry-after"] == "5"


def test_failed_load_reports_not_ready(settings):
    def broken():
        raise OSError("disk gone")

    runtime = ModelRuntime(broken)
    runtime.load()
    with TestClient(create_app(settings, runtime)) as client:
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["detail"] == "model loading failed: OSError"


def test_models_endpoint_returns_cards(client):
    cards = client.get("/v1/models").json()["models"]
    assert [c["name"] for c in cards] == ["fake_classifier", "fake_segmenter"]


def test_info_names_the_device_and_versions(client):
    body = client.get("/v1/info").json()
    assert body["device"] == "unknown"  # the fake models were not loaded through TensorFlow's set-up
    assert body["models"] == [{"name": "fake_classifier", "version": 7}, {"name": "fake_segmenter", "version": 3}]


def test_unknown_paths_and_methods_get_the_error_envelope(client):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "not_found", "message": "Not Found", "field": None}
    wrong_method = client.get("/v1/predict")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["message"] == "Method Not Allowed"
    assert "POST" in wrong_method.headers["allow"]
