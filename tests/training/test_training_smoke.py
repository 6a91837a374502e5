"""A tiny training run end to end: phantoms -> fit -> export -> serve over HTTP, with no train/serve skew."""

import base64
import json
import subprocess
import sys

import cv2
import httpx
import numpy as np
import pytest
import tensorflow as tf

from core.model_input import to_model_input
from core.resize import resize_mask
from core.slice_assessment import assess_slice
from core.windowing import brain_window_to_hu, hu_to_brain_window_pixels
from tests.live_server import ROOT, live_server
from training.phantoms import generate_phantom


@pytest.fixture(scope="module")
def smoke_store(tmp_path_factory):
    run = tmp_path_factory.mktemp("run")
    store = run / "store"
    command = ["--smoke", "--store", str(store), "--version", "3", "--workers", "1", "--run-dir", str(run / "work")]
    result = subprocess.run(
        [sys.executable, "-m", "training", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return store


def test_export_writes_savedmodels_and_cards(smoke_store):
    for name in ("ich_classifier", "ich_segmenter"):
        version = smoke_store / name / "3"
        assert (version / "saved_model.pb").exists()
        card = json.loads((version / "model_card.json").read_text())
        assert card["version"] == 3 and card["name"] == name
        assert "Not for clinical use" in card["notice"]
        assert card["input"]["shape"] == [None, 256, 256, 3] and card["input"]["context_slices"] == 0
        assert card["training_data"]["augmentation"]["max_rotation_degrees"] > 0
        assert {"hu", "brain_window_8bit"} <= set(card["metrics"]["held_out"])
    classifier_card = json.loads((smoke_store / "ich_classifier" / "3" / "model_card.json").read_text())
    assert 0.0 <= classifier_card["threshold"] <= 1.0
    assert "validation sensitivity" in classifier_card["operating_point"]["rule"]


def test_service_answer_equals_offline_savedmodel(smoke_store, tmp_path):
    """The service and a plain offline call of the exported models agree for the same file."""
    phantom = generate_phantom(21, matrix=512, positive=True)
    image_png = cv2.imencode(".png", hu_to_brain_window_pixels(phantom.hu))[1].tobytes()

    # Offline: read the file, shared preprocessing, SavedModels called directly.
    pixels = cv2.imdecode(np.frombuffer(image_png, np.uint8), cv2.IMREAD_UNCHANGED)
    hu = brain_window_to_hu(pixels)
    batch = to_model_input(hu)[None]
    classifier = tf.saved_model.load(str(smoke_store / "ich_classifier" / "3"))
    segmenter = tf.saved_model.load(str(smoke_store / "ich_segmenter" / "3"))
    offline_probability = float(classifier.serve(batch).numpy()[0, 0])
    # The service confines masks to the intracranial space of an assessed slice with the same core function.
    assessment = assess_slice(hu, None)
    assert assessment.assessed
    offline_mask = assessment.confine(resize_mask(segmenter.serve(batch).numpy()[0, ..., 0], pixels.shape))

    with live_server(smoke_store) as base:
        body = httpx.post(f"{base}/v1/predict", files={"image": ("s.png", image_png)}, timeout=60).json()
    served_mask = cv2.imdecode(np.frombuffer(base64.b64decode(body["mask_png_base64"]), np.uint8), 0) > 0
    assert body["probability"] == pytest.approx(offline_probability, abs=1e-5)
    assert served_mask.shape == offline_mask.shape == (512, 512)
    assert (served_mask != offline_mask).sum() == 0
    assert body["models"] == [{"name": "ich_classifier", "version": 3}, {"name": "ich_segmenter", "version": 3}]


def test_models_option_trains_and_exports_only_the_named_model(tmp_path):
    """`--models segmenter` retrains the ResUNet alone; the service pairs it with the classifier already stored."""
    store = tmp_path / "store"
    command = ["--smoke", "--models", "segmenter", "--store", str(store), "--version", "4", "--workers", "1"]
    command += ["--run-dir", str(tmp_path / "work")]
    done = subprocess.run([sys.executable, "-m", "training", *command], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert [p.name for p in store.iterdir()] == ["ich_segmenter"]
    card = json.loads((store / "ich_segmenter" / "4" / "model_card.json").read_text())
    assert card["reproduce"].startswith("python -m training --smoke --models segmenter")
    assert {"hu", "brain_window_8bit"} <= set(card["metrics"]["held_out"])
    assert card["training"]["epochs"] == 1
