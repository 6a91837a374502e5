"""Apps with fake models (no TensorFlow) and tight limits, for the reliability and security tests."""

import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.serving.runtime import ModelRuntime
from tests.app.conftest import fake_models

API_KEY = "test-key-0123456789abcdef"
LIMITS = {"max_upload_bytes": 2_000_000, "max_image_pixels": 2048 * 2048, "max_request_bytes": 3_000_000}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def make_settings(store, **overrides) -> Settings:
    return Settings(model_store=store, **{**LIMITS, **overrides})


def loaded_runtime(gate: threading.Event | None = None) -> ModelRuntime:
    """Fake models; with a gate, the classifier blocks until the test opens it (a request held in flight)."""

    def models():
        loaded = fake_models()
        if gate is not None:
            classify = loaded.classifier
            loaded.classifier = lambda batch: gate.wait(30) and classify(batch)
        return loaded

    runtime = ModelRuntime(models)
    if gate is not None:
        gate.set()  # let warm-up through, then close for the test
    runtime.load()
    if gate is not None:
        gate.clear()
    return runtime


@pytest.fixture
def client_with(tmp_path):
    """client_with(**settings) -> TestClient; closed at teardown."""
    clients = []

    def build(runtime: ModelRuntime | None = None, **overrides) -> TestClient:
        client = TestClient(create_app(make_settings(tmp_path, **overrides), runtime or loaded_runtime()))
        clients.append(client.__enter__())
        return clients[-1]

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def async_client_with(tmp_path):
    """async_client_with(runtime, **settings) -> httpx.AsyncClient over ASGI, for concurrent requests in one loop."""

    def build(runtime: ModelRuntime, **overrides) -> httpx.AsyncClient:
        app = create_app(make_settings(tmp_path, **overrides), runtime)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    return build
