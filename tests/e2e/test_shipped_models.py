"""The shipped models, served over real HTTP, on phantoms they never saw (seeds outside training's 1, 2, 3)."""

import os

import httpx
import numpy as np
import pytest
import tensorflow as tf

from app.serving.device import nvidia_gpus
from core.dice import dice_score
from core.model_input import to_model_input
from core.model_store import paired_input, resolve
from core.resize import resize_image
from core.slice_assessment import assess_slice
from tests.e2e.conftest import SHIPPED_STORE
from tests.e2e.phantom_files import brain_window_png, decoded_mask, hu_png, mask_png, predict
from training.metrics import roc_auc
from training.phantoms.generator import generate_phantom, phantom_seeds

FRESH_SEED = 40
FRESH_COUNT = 80  # 35 of them positive
# How far the served figures may fall under the served card's held-out ones (600 slices, 306 positive) on this much
# smaller set before it counts as a regression. AUC: one positive ranked under one negative costs 1/(35*45) here, so
# 0.02 allows about 30 such pairs. Dice: per-slice Dice spreads by ~0.16 (a missed small bleed scores 0), so the mean
# of 35 carries a standard error of ~0.03; 0.06 is two of those.
AUC_MARGIN = 0.02
DICE_MARGIN = 0.06
# Where the service runs the ResUNet in bf16 (OpenVINO on a CPU with AMX, the default there), its mask may differ from
# the fp32 SavedModel's by a few pixels whose fp32 probability lies this close to the card's mask threshold.
BF16_EDGE = 0.05
BF16_PIXELS_PER_MILLE = 5


@pytest.fixture(scope="module")
def fresh_phantoms():
    return [generate_phantom(seed) for seed in phantom_seeds(FRESH_SEED, FRESH_COUNT)]


@pytest.fixture(scope="module")
def served_cards(base_url) -> dict[str, dict]:
    return {card["name"]: card for card in httpx.get(f"{base_url}/v1/models").json()["models"]}


def test_probes_and_cards(base_url):
    assert httpx.get(f"{base_url}/health/live").status_code == 200
    assert httpx.get(f"{base_url}/v2/health/ready").json()["status"] == "ready"
    cards = httpx.get(f"{base_url}/v1/models").json()["models"]
    assert [c["name"] for c in cards] == ["ich_classifier", "ich_segmenter"]
    for card in cards:
        assert "Not for clinical use" in card["notice"]
        assert "phantoms" in card["training_data"]["source"]
        assert card["metrics"]["held_out"]["hu"]


def test_detection_and_dice_on_fresh_phantoms_are_close_to_the_served_cards(base_url, fresh_phantoms, served_cards):
    bodies = [predict(base_url, hu_png(p.hu), mask_png(p.mask)) for p in fresh_phantoms]
    labels = np.array([p.positive for p in fresh_phantoms])
    scores = np.array([b["probability"] for b in bodies])
    dice = [b["dice"] for b, positive in zip(bodies, labels) if positive]
    card_auc = served_cards["ich_classifier"]["metrics"]["held_out"]["hu"]["auc"]
    card_dice = served_cards["ich_segmenter"]["metrics"]["held_out"]["hu"]["mean_dice_positive_slices"]
    assert roc_auc(labels, scores) >= card_auc - AUC_MARGIN
    assert np.mean(dice) >= card_dice - DICE_MARGIN


def test_hu_and_brain_window_png_get_about_the_same_answer(base_url, fresh_phantoms):
    """A slice sent as DICOM-like HU and as an 8-bit brain-window PNG: same call, same mask, give or take."""
    gaps, agreements = [], []
    for phantom in fresh_phantoms[:16]:
        from_hu = predict(base_url, hu_png(phantom.hu))
        from_png = predict(base_url, brain_window_png(phantom.hu))
        assert from_png["input"]["interpretation"] == "brain_window_8bit"
        gaps.append(abs(from_hu["probability"] - from_png["probability"]))
        if phantom.positive:
            agreements.append(dice_score(decoded_mask(from_hu), decoded_mask(from_png)))
    assert np.median(gaps) < 0.1
    assert np.median(agreements) > 0.7


def test_no_skew_between_service_and_offline_savedmodels(base_url, fresh_phantoms):
    phantom = next(p for p in fresh_phantoms if p.positive)
    body = predict(base_url, hu_png(phantom.hu))
    hu = np.clip(np.round(phantom.hu), -1024, 65535 - 1024).astype(np.float32)  # what the 16-bit PNG carries
    # The versions the service serves: the highest in the store, fed as their cards say.
    served = [resolve(SHIPPED_STORE, name) for name in ("ich_classifier", "ich_segmenter")]
    batch = to_model_input(hu, confinement=paired_input(*(m.card for m in served)).confinement)[None]
    classifier, segmenter = (tf.saved_model.load(str(m.path)) for m in served)
    assert body["probability"] == pytest.approx(float(classifier.serve(batch).numpy()[0, 0]), abs=1e-5)
    # The service confines masks to the intracranial space with the same core function.
    offline_p = resize_image(segmenter.serve(batch).numpy()[0, ..., 0], hu.shape)
    threshold = served[1].card.mask_threshold
    offline_mask = assess_slice(hu, None).confine(offline_p >= threshold)
    differ = decoded_mask(body) != offline_mask
    if httpx.get(f"{base_url}/v1/info").json()["runtime"]["precisions"]["segmenter"] == "fp32":
        assert differ.sum() == 0
    else:  # a bf16 ResUNet (CPUs with AMX) may flip pixels at the threshold's edge, never elsewhere
        assert differ.sum() <= BF16_PIXELS_PER_MILLE * offline_mask.sum() / 1000
        assert np.all(np.abs(offline_p[differ] - threshold) < BF16_EDGE)


def test_info_reports_this_hosts_gpus_and_a_consistent_engine_and_device(base_url):
    body = httpx.get(f"{base_url}/v1/info").json()
    runtime = body["runtime"]
    host_gpus = nvidia_gpus()  # what the NVIDIA driver exposes on this host; TensorFlow must find the same
    assert runtime["gpus"] == host_gpus
    # ICH_ENGINE=auto: TensorFlow (installed here) where there is a GPU, OpenVINO on a CPU. The skew test above
    # compares either engine with TensorFlow's own answer.
    requested = os.environ.get("ICH_ENGINE", "auto")
    assert runtime["engine"] == (("tensorflow" if host_gpus else "openvino") if requested == "auto" else requested)
    if runtime["engine"] == "tensorflow":
        assert runtime["tensorflow"] == "loaded"
        assert body["device"] == ("gpu" if host_gpus else "cpu")
    else:
        assert runtime["tensorflow"] == "not loaded"
        assert body["device"] == "cpu"  # OpenVINO runs on the CPU whatever GPUs the host has
