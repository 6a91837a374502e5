"""Overlay pictures through /v1/predict/overlay."""

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.app.dicom_files import block_mask, block_slice, ct_bytes
from tests.app.images import BLEED, HEIGHT, WIDTH, brain_window_slice, png


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def post(client, image: bytes, mask: bytes | None = None):
    files = {"image": ("slice", image, "application/octet-stream")}
    if mask is not None:
        files["reference_mask"] = ("mask.png", mask, "image/png")
    return client.post("/v1/predict/overlay", files=files)


def is_red(pixels: np.ndarray) -> np.ndarray:
    blue, green, red = pixels[..., 0].astype(int), pixels[..., 1].astype(int), pixels[..., 2].astype(int)
    return (red > green + 40) & (red > blue + 40)


def test_overlay_paints_the_predicted_bleed_red_on_the_grey_slice(client):
    response = post(client, png(brain_window_slice()))
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    picture = decode(response.content)
    assert picture.shape == (HEIGHT, WIDTH, 3)
    inside = picture[BLEED[0].start + 4 : BLEED[0].stop - 4, BLEED[1].start + 4 : BLEED[1].stop - 4]
    assert is_red(inside).all()
    untouched = picture[HEIGHT // 2 - 5 : HEIGHT // 2 + 5, 5:30]  # parenchyma left of the bleed, clear of text
    assert (untouched[..., 0] == untouched[..., 1]).all() and (untouched[..., 1] == untouched[..., 2]).all()
    probability = client.post("/v1/predict", files={"image": ("s.png", png(brain_window_slice()))}).json()
    assert float(response.headers["X-ICH-Probability"]) == pytest.approx(probability["probability"], abs=1e-6)


def test_overlay_outlines_the_reference_in_green(client):
    reference = np.zeros((HEIGHT, WIDTH), np.uint8)
    reference[50:70, 10:30] = 255  # where the fake model finds nothing
    picture = decode(post(client, png(brain_window_slice()), png(reference)).content)
    blue, green, red = (picture[..., c].astype(int) for c in range(3))  # int: uint8 + 60 would wrap on white
    green = (green > red + 60) & (green > blue + 60)
    assert green[50:70, 10:30].any() and not green[:40].any()


def test_a_withheld_outline_is_drawn_in_yellow_where_the_models_disagree(settings, runtime):
    # At a threshold of 0.99 the fake classifier does not flag the bleed, so the segmenter's outline is withheld.
    with TestClient(create_app(settings.model_copy(update={"threshold": 0.99}), runtime)) as strict:
        picture = decode(post(strict, png(brain_window_slice())).content)
    blue, green, red = (picture[..., c].astype(int) for c in range(3))
    yellow = (red > blue + 60) & (green > blue + 60)
    inside = picture[BLEED[0].start + 4 : BLEED[0].stop - 4, BLEED[1].start + 4 : BLEED[1].stop - 4]
    assert yellow[BLEED].any() and not is_red(inside).any()  # outlined, not filled: the answer has no mask there
    with TestClient(create_app(settings, runtime)) as served:
        picture = decode(post(served, png(brain_window_slice())).content)
    blue, green, red = (picture[..., c].astype(int) for c in range(3))
    assert not ((red > blue + 60) & (green > blue + 60))[BLEED].any()  # flagged: red, nothing withheld


def test_overlay_of_a_dicom_slice_is_in_the_brain_window(client):
    picture = decode(post(client, ct_bytes(block_slice(128))).content)
    assert picture.shape == (128, 128, 3)
    assert is_red(picture[block_mask(128)]).mean() > 0.9
    assert picture[64 + 30, 64, 0] == round(30 / 80 * 255)  # 30 HU parenchyma on the 40/80 window


def test_overlay_errors_are_the_predict_errors(client):
    response = post(client, b"")
    assert (response.status_code, response.json()["error"]["message"]) == (400, "image is empty")
