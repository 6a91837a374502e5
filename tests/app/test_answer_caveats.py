"""Answers that stay honest: refusals of what cannot be a CT slice, slices not assessed, the card's calibration
and scan rule, and a warning for every reason to trust an answer less."""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.serving.runtime import ModelRuntime
from core.calibration import apply_temperature
from core.model_store import resolve
from tests.app.conftest import fake_models
from tests.app.dicom_files import block_slice, ct_bytes, ct_dataset, series_bytes, to_bytes, walled_in
from tests.app.images import BLEED, HEIGHT, WIDTH, brain_window_slice, png
from tests.model_cards import make_version


def predict(client, data: bytes) -> dict:
    response = client.post("/v1/predict", files={"image": ("slice", data, "application/octet-stream")})
    assert response.status_code == 200, response.text
    return response.json()


def series(client, files: list[bytes]) -> dict:
    parts = [("files", (f"f{i}.dcm", data, "application/dicom")) for i, data in enumerate(files)]
    response = client.post("/v1/series", files=parts)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict) -> list[str]:
    return [w["code"] for w in body["warnings"]]


def client_with_card(settings, **card):
    """A client whose fake classifier's card carries extra keys (calibration, scan_rule) and is read from a store,
    as the service reads it."""
    models = fake_models()
    name, version = models.classifier_version.name, models.classifier_version.version
    make_version(settings.model_store, name, version, models.classifier_version.card.as_dict() | card)
    runtime = ModelRuntime(lambda: replace(models, classifier_version=resolve(settings.model_store, name, version)))
    runtime.load()
    return TestClient(create_app(settings, runtime))


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((1, 1), "image is 1x1 pixels; a CT slice is at least 64 pixels a side"),
        ((2000, 3), "image is 3x2000 pixels; a CT slice is at least 64 pixels a side"),
        ((48, 200), "image is 200x48 pixels; a CT slice is at least 64 pixels a side"),
        ((64, 300), "image is 300x64 pixels, 4.7 times as long as it is wide; a CT slice is at most 4 times"),
    ],
)
def test_what_cannot_be_a_ct_slice_is_refused(client, shape, message):
    response = client.post("/v1/predict", files={"image": ("s.png", png(np.full(shape, 90, np.uint8)))})
    assert (response.status_code, response.json()["error"]["message"]) == (400, message)


def test_a_normal_assessed_slice_has_no_warnings(client):
    body = predict(client, ct_bytes(block_slice(256)))
    assert body["assessed"] and body["not_assessed_reason"] is None and body["warnings"] == []


def test_an_8bit_export_says_so_and_nothing_else_when_it_is_a_plain_brain_window(client):
    body = predict(client, png(brain_window_slice()))
    assert body["assessed"] and body["not_assessed_reason"] is None and codes(body) == ["eight_bit_export"]
    assert "send the DICOM" in body["warnings"][0]["message"] and body["warnings"][0]["slices"] is None
    assert body["models_agree"] and not body["calibrated"] and body["hemorrhage"]


def test_a_slice_without_a_skull_is_not_assessed_nor_positive(client):
    no_skull = np.full((HEIGHT, WIDTH), 96, np.uint8)
    no_skull[BLEED] = 240  # the fake classifier calls this a bleed
    body = predict(client, png(no_skull))
    assert body["probability"] > body["threshold"]
    assert not body["hemorrhage"] and not body["assessed"] and body["not_assessed_reason"] == "no_skull"
    assert body["area_pixels"] == 0 and codes(body) == ["eight_bit_export", "not_head_slice", "not_brain_window"]


def test_bone_outside_the_skull_never_reaches_the_mask(client):
    hu = block_slice(64)  # at the fake model's own size, so no resampling blurs the count
    body = predict(client, ct_bytes(hu))
    assert body["area_pixels"] == int(((hu >= 64) & (hu < 100)).sum())  # the segmenter also painted the skull


def test_the_cards_calibration_is_applied(settings):
    with client_with_card(settings, calibration={"method": "temperature", "temperature": 2.0}) as calibrated:
        body = predict(calibrated, png(brain_window_slice()))
    with TestClient(create_app(settings, ModelRuntime(fake_models))) as plain:
        raw = predict(plain, png(brain_window_slice()))
    assert body["calibrated"] and not raw["calibrated"]
    assert body["probability"] == pytest.approx(float(apply_temperature(raw["probability"], 2.0)), rel=1e-5)


def test_a_malformed_calibration_is_refused_at_load_a_service_error_not_the_callers(settings):
    with client_with_card(settings, calibration={"method": "isotonic"}) as broken:
        response = broken.post("/v1/predict", files={"image": ("s.png", png(brain_window_slice()))})
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "model_card.json does not validate" in message
    assert "calibration method 'isotonic' is not supported; expected 'temperature'" in message


def test_a_bone_window_export_is_named(client):
    hu = block_slice(128)
    bone_window = np.round(np.clip((hu + 800) / 2800, 0, 1) * 255).astype(np.uint8)
    assert "not_brain_window" in codes(predict(client, png(bone_window)))


def test_heavy_jpeg_compression_is_warned(client):
    heavy = cv2.imencode(".jpg", brain_window_slice(), [cv2.IMWRITE_JPEG_QUALITY, 30])[1].tobytes()
    light = cv2.imencode(".jpg", brain_window_slice(), [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    assert "heavy_compression" in codes(predict(client, heavy))
    assert "heavy_compression" not in codes(predict(client, light))


def test_dicom_tags_for_contrast_body_part_and_lossy_are_warned(client):
    ds = ct_dataset(block_slice(64))
    ds.ContrastBolusAgent, ds.BodyPartExamined, ds.LossyImageCompression = "Iohexol", "CHEST", "01"
    assert {"contrast_enhanced", "not_head_body_part", "lossy_compression"} <= set(codes(predict(client, to_bytes(ds))))
    ds = ct_dataset(block_slice(64))
    ds.BodyPartExamined = "HEAD"
    assert codes(predict(client, to_bytes(ds))) == []


def test_enhancing_vessels_inside_the_head_are_warned(client):
    hu = block_slice(128)
    hu[60:64, 30:100] = 250.0  # a 12 x 210 mm enhancing vessel at 3 mm a pixel
    assert "contrast_enhanced" in codes(predict(client, ct_bytes(hu)))


def test_a_large_mask_with_a_no_is_a_disagreement(settings):
    with client_with_card(settings, threshold=0.9) as strict:
        body = predict(strict, ct_bytes(block_slice(128)))
    assert not body["hemorrhage"] and not body["models_agree"] and codes(body) == ["models_disagree"]


def skull_less(size: int = 64) -> np.ndarray:
    hu = np.full((size, size), -1000.0, np.float32)
    hu[4:-4, 4:-4] = 30.0
    return hu


def test_series_leaves_unassessed_slices_out_of_rule_and_volume(client):
    hu = np.stack([skull_less(), block_slice(), block_slice(), skull_less(), block_slice(bleed_hu=30.0)])
    hu[0][20:30, 20:30] = 75.0  # a "bleed" the models would flag, on a slice with no skull
    body = series(client, series_bytes(hu))
    assert body["not_assessed_slices"] == [0, 3] and body["flagged_slices"] == [1, 2] and body["hemorrhage"]
    first = body["slices"][0]
    assert first["probability"] is None and first["area_pixels"] == 0 and first["not_assessed_reason"] == "no_skull"
    assert body["warnings"] == [{"code": "not_head_slice", "message": body["warnings"][0]["message"], "slices": [0, 3]}]
    block = int(((block_slice() >= 64) & (block_slice() < 100)).sum())
    assert body["bleed_volume_ml"] == pytest.approx(2 * block * 3.0 * 3.0 * 5.0 / 1000)


def test_series_leaves_out_a_slice_walled_in_off_the_cranium_of_the_others(client):
    """Alone, each slice passes for a small cranium; across the series the first lies beside the widest one (as the
    neck below the posterior fossa does in an 8-bit export), so it is not assessed (core.stack_assessment)."""
    cranium = walled_in((4, 4), side=30)
    hu = np.stack([walled_in((36, 36), side=24), cranium, cranium, cranium])
    alone = series(client, series_bytes(hu[:1]))
    assert alone["not_assessed_slices"] == [] and alone["flagged_slices"] == [0]
    body = series(client, series_bytes(hu))
    assert body["not_assessed_slices"] == [0] and body["flagged_slices"] == [1, 2, 3]
    assert body["slices"][0]["not_assessed_reason"] == "off_cranium" and body["slices"][0]["area_pixels"] == 0
    assert {"code": "level_not_assessed", "slices": [0]}.items() <= body["warnings"][0].items()
    assert "face or neck" in body["warnings"][0]["message"]


def test_series_rule_comes_from_the_card(settings, client):
    hu = np.stack([block_slice(), block_slice(), block_slice(bleed_hu=30.0)])  # a run of two flagged slices
    rule = {"min_run": 3, "min_volume_ml": None, "chosen_on": "validation volumes v9"}
    with client_with_card(settings, scan_rule=rule) as strict:
        body = series(strict, series_bytes(hu))
    assert body["flagged_slices"] == [0, 1] and not body["hemorrhage"]
    assert body["scan_rule"]["min_run"] == 3 and body["scan_rule"]["chosen_on"] == "validation volumes v9"
    assert series(client, series_bytes(hu))["hemorrhage"]  # the default rule: two neighbours suffice


def test_series_run_threshold_comes_from_the_card(settings, client):
    """Slices are flagged at the slice threshold; a run counts for the scan answer only at the card's run threshold."""
    hu = np.stack([block_slice(), block_slice(), block_slice(bleed_hu=30.0)])
    default = series(client, series_bytes(hu))
    top = max(s["probability"] for s in default["slices"][:2])
    assert default["hemorrhage"] and top < 1.0
    rule = {"min_run": 2, "min_volume_ml": None, "run_threshold": (top + 1.0) / 2, "chosen_on": "validation volumes"}
    with client_with_card(settings, scan_rule=rule) as strict:
        body = series(strict, series_bytes(hu))
    assert body["flagged_slices"] == [0, 1] and not body["hemorrhage"]
    assert body["scan_rule"]["run_threshold"] == rule["run_threshold"]
    assert f"P(any) >= {rule['run_threshold']:g}" in body["scan_rule"]["text"]


def overlay_white_text_rows(client, rows: slice) -> int:
    """Near-white pixels (anti-aliased text) in a band of rows at the top left of a 256-pixel head slice's overlay,
    right of the skull."""
    response = client.post("/v1/predict/overlay", files={"image": ("s.dcm", ct_bytes(block_slice(256)))})
    picture = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    return int((picture[rows, 5:120] > 200).all(axis=-1).sum())


def test_the_overlay_says_when_the_models_disagree(settings, client):
    second_line = slice(14, 30)  # under the caption's band at scale 1
    with client_with_card(settings, threshold=0.9) as strict:
        disagreeing = overlay_white_text_rows(strict, second_line)
    agreeing = overlay_white_text_rows(client, second_line)  # at most the caption's descenders
    assert disagreeing > 30 and disagreeing > 10 * agreeing


def test_the_mask_endpoint_says_assessed_and_warnings_in_headers(client):
    no_skull = png(np.full((HEIGHT, WIDTH), 96, np.uint8))
    headers = client.post("/v1/predict/mask", files={"image": ("s.png", no_skull)}).headers
    assert headers["X-ICH-Assessed"] == "false"
    assert headers["X-ICH-Warnings"] == "eight_bit_export, not_head_slice, not_brain_window"
    headers = client.post("/v1/predict/mask", files={"image": ("s.dcm", ct_bytes(block_slice(256)))}).headers
    assert headers["X-ICH-Assessed"] == "true" and headers["X-ICH-Warnings"] == "none"


def test_a_series_of_8bit_exports_is_answered_by_the_cards_rule_for_exports(settings, client):
    """The card's scan_rule_by_input entry answers series read as 8-bit brain windows; HU series keep scan_rule."""
    plain = brain_window_slice()
    plain[BLEED] = 96  # brain
    exports = [png(brain_window_slice()), png(brain_window_slice()), png(plain)]  # a run of two flagged slices
    dicom = series_bytes(np.stack([block_slice(), block_slice(), block_slice(bleed_hu=30.0)]))
    assert series(client, exports)["hemorrhage"] and series(client, dicom)["hemorrhage"]
    for_exports = {"min_run": 3, "min_volume_ml": None, "chosen_on": "exported volumes", "specificity": 0.29}
    with client_with_card(settings, scan_rule_by_input={"brain_window_8bit": for_exports}) as split:
        exported, scanned = series(split, exports), series(split, dicom)
    assert exported["flagged_slices"] == [0, 1] and not exported["hemorrhage"]
    assert exported["scan_rule"]["min_run"] == 3 and exported["scan_rule"]["chosen_on"] == "exported volumes"
    assert exported["scan_rule"]["validation_specificity"] == 0.29
    assert (
        exported["scan_rule"]["validation_sensitivity"] is None
        and scanned["scan_rule"]["validation_specificity"] is None
    )
    assert scanned["flagged_slices"] == [0, 1] and scanned["hemorrhage"] and scanned["scan_rule"]["min_run"] == 2
