"""API tests run against fake models, so they need no TensorFlow and no trained weights."""

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.serving.runtime import LoadedModels, ModelRuntime
from core.model_store import ModelVersion
from tests.model_cards import model_card

FAKE_SIZE = 64
SATURATED = 0.98  # 78.4 HU: bone and anything else clipped at the window's top


# A blood patch of 1 % of the slice gives P(any) 0.5: a bleed the test draws is flagged at the cards' thresholds.
BLOOD_SHARE_FOR_HALF = 0.01


def fake_classifier(batch: np.ndarray) -> np.ndarray:
    """P(any) rises with the share of pixels near, not at, the top of the brain window (blood, not saturated bone);
    subtypes half."""
    brain_window = batch[..., 0]
    share = ((brain_window >= 0.8) & (brain_window < SATURATED)).mean(axis=(1, 2))
    p_any = share / (share + BLOOD_SHARE_FOR_HALF)
    return np.stack([p_any] + [p_any / 2] * 5, axis=1).astype(np.float32)


def fake_segmenter(batch: np.ndarray) -> np.ndarray:
    """Bleed = brain-window channel at or over 0.8 (>= 64 HU)."""
    return (batch[..., :1] >= 0.8).astype(np.float32)


def fake_models() -> LoadedModels:
    return LoadedModels(
        classifier=fake_classifier,
        segmenter=fake_segmenter,
        classifier_version=ModelVersion(
            "fake_classifier",
            7,
            Path("."),
            model_card("fake_classifier", 7, size=(FAKE_SIZE, FAKE_SIZE), threshold=0.05),
        ),
        segmenter_version=ModelVersion(
            "fake_segmenter", 3, Path("."), model_card("fake_segmenter", 3, size=(FAKE_SIZE, FAKE_SIZE), segmenter=True)
        ),
    )


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(model_store=tmp_path, max_upload_bytes=2_000_000, max_image_pixels=2048 * 2048)


@pytest.fixture
def runtime() -> ModelRuntime:
    runtime = ModelRuntime(fake_models)
    runtime.load()
    return runtime


@pytest.fixture
def client(settings, runtime):
    with TestClient(create_app(settings, runtime)) as client:
        yield client
