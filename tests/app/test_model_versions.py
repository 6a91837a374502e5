import threading

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.serving.runtime import ModelRuntime
from core.model_store import StoreError
from tests.app.conftest import fake_models

KEY = "k" * 24


class SwitchingLoader:
    """Serves version 1, then whatever `next_version` says; `fail` makes the next load raise."""

    def __init__(self):
        self.next_version, self.fail = 1, False

    def __call__(self):
        if self.fail:
            raise StoreError("ich_classifier has no version 9; available: [1, 2]")
        models = fake_models()
        models.classifier_version = models.classifier_version.__class__(
            "fake_classifier", self.next_version, models.classifier_version.path, models.classifier_version.card
        )
        return models


@pytest.fixture
def switching(tmp_path):
    loader = SwitchingLoader()
    runtime = ModelRuntime(loader)
    runtime.load()
    settings = Settings(model_store=tmp_path, api_key=KEY)
    with TestClient(create_app(settings, runtime)) as client:
        yield loader, runtime, client


def test_reload_switches_versions_and_responses_name_them(switching):
    loader, runtime, client = switching
    headers = {"X-API-Key": KEY}
    loader.next_version = 2
    response = client.post("/v1/admin/reload", headers=headers)
    assert response.status_code == 200
    assert response.json()["models"][0] == {"name": "fake_classifier", "version": 2}
    assert runtime.models.classifier_version.version == 2


def test_failed_reload_keeps_old_version_serving(switching):
    loader, runtime, client = switching
    loader.fail = True
    response = client.post("/v1/admin/reload", headers={"X-API-Key": KEY})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "model loading failed: ich_classifier has no version 9; available: [1, 2]; "
        "still serving fake_classifier 1, fake_segmenter 3"
    )
    assert client.get("/health/ready").status_code == 200
    assert runtime.models.classifier_version.version == 1


def test_reload_needs_the_api_key(switching):
    _, _, client = switching
    assert client.post("/v1/admin/reload").status_code == 401


def test_admin_is_disabled_without_an_api_key(client):
    response = client.post("/v1/admin/reload")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "admin endpoints are disabled: set ICH_API_KEY to enable them"


def test_in_flight_work_keeps_the_models_it_started_with():
    loader = SwitchingLoader()
    runtime = ModelRuntime(loader)
    runtime.load()
    held = runtime.models  # what a request captured when it started
    loader.next_version = 5
    assert runtime.load()
    assert held.classifier_version.version == 1
    assert runtime.models.classifier_version.version == 5


def test_store_poll_reloads_when_a_new_version_appears():
    loader = SwitchingLoader()
    runtime = ModelRuntime(loader)
    runtime.load()
    stop = threading.Event()
    loader.next_version = 2
    thread = threading.Thread(target=runtime.poll_store, args=(lambda: (2, 3), 0.01, stop))
    thread.start()
    for _ in range(200):
        if runtime.models.classifier_version.version == 2:
            break
        stop.wait(0.01)
    stop.set()
    thread.join()
    assert runtime.models.classifier_version.version == 2
