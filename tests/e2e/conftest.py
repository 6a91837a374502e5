"""One real uvicorn serving the shipped model_store for the whole e2e session."""

from pathlib import Path

import pytest

from tests.live_server import ROOT, live_server

SHIPPED_STORE = ROOT / "model_store"


@pytest.fixture(scope="session")
def base_url() -> str:
    assert (SHIPPED_STORE / "ich_classifier").is_dir(), "the shipped models are missing from model_store/"
    with live_server(Path(SHIPPED_STORE)) as base:
        yield base
