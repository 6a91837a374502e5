"""Integration tests: the real app with the job store in a temporary data folder, fake models, fast polling.

Tests marked `slow_integration` (a few minutes together on two cores) run with ICH_SLOW_INTEGRATION=1, which
`make integration-test` sets; CI runs the rest.
"""

import os
import time

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.integration import multipart
from app.main import create_app
from tests.app.conftest import runtime  # noqa: F401 (the fake-model runtime fixture)
from tests.integration.replicas import postgres, postgres_available

API_KEY = "integration-test-key-0123"
SLOW = os.environ.get("ICH_SLOW_INTEGRATION") == "1"
slow_integration = pytest.mark.skipif(not SLOW, reason="slow: run with make integration-test")


def integration_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        model_store=tmp_path,
        integration=True,
        data_dir=tmp_path / "data",
        worker_poll_s=0.05,
        delivery_backoff_s=0.1,
        max_image_pixels=2048 * 2048,
    )
    return Settings(**(values | overrides))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return integration_settings(tmp_path)


@pytest.fixture
def client(settings, runtime):  # noqa: F811 (the imported fixture)
    with TestClient(create_app(settings, runtime)) as client:
        yield client


def wait_for_job(client, job_url: str, until=("done", "failed"), timeout_s: float = 60, headers=None) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(job_url, headers=headers).json()
        if job["status"] in until and all(d["status"] in ("delivered", "failed") for d in job["deliveries"]):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_url} still {job['status']} after {timeout_s} s: {job}")


def stow(client, objects: list[bytes]):
    """POST /dicomweb/studies with the files as one multipart/related application/dicom body."""
    body, content_type = multipart.build(objects)
    return client.post("/dicomweb/studies", content=body, headers={"Content-Type": content_type})


@pytest.fixture(scope="session")
def database_url():
    """A throwaway PostgreSQL for the tests that ask for it, started once."""
    if not postgres_available():
        pytest.skip("apt install postgresql")
    with postgres() as url:
        yield url
