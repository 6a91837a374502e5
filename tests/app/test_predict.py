import base64

import cv2
import numpy as np
import pytest

from core.dice import dice_score
from tests.app.conftest import BLOOD_SHARE_FOR_HALF
from tests.app.images import HEIGHT, WIDTH, bleed_mask, brain_window_slice, hu_slice_16bit, jpeg, png


def decode_png(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def post(client, image: bytes, mask: bytes | None = None, path: str = "/v1/predict"):
    files = {"image": ("slice.png", image, "image/png")}
    if mask is not None:
        files["reference_mask"] = ("mask.png", mask, "image/png")
    return client.post(path, files=files)


def test_predict_returns_probability_mask_and_dice(client):
    response = post(client, png(brain_window_slice()), png(bleed_mask().astype(np.uint8) * 255))
    assert response.status_code == 200
    body = response.json()
    mask = decode_png(base64.b64decode(body["mask_png_base64"]))
    assert mask.shape == (HEIGHT, WIDTH)  # the input's own size, not the model's
    assert set(np.unique(mask)) == {0, 255}
    assert body["area_pixels"] == int((mask > 0).sum())
    assert body["dice"] == pytest.approx(dice_score(mask > 0, bleed_mask()))
    assert body["dice"] > 0.9
    share = bleed_mask().mean()
    assert body["probability"] == pytest.approx(share / (share + BLOOD_SHARE_FOR_HALF), abs=0.03)
    assert body["hemorrhage"] is True and body["threshold"] == 0.05
    assert set(body["subtypes"]) == {"epidural", "subdural", "subarachnoid", "intraparenchymal", "intraventricular"}
    assert body["models"] == [{"name": "fake_classifier", "version": 7}, {"name": "fake_segmenter", "version": 3}]
    assert body["input"] == {
        "format": "png",
        "interpretation": "brain_window_8bit",
        "height": HEIGHT,
        "width": WIDTH,
        "uids": {},
    }
    assert set(body["timings_ms"]) == {"decode", "preprocess", "classify", "segment", "postprocess", "encode"}
    assert "Not for clinical use" in body["notice"]


def test_dice_is_null_without_reference(client):
    assert post(client, png(brain_window_slice())).json()["dice"] is None


def test_empty_prediction_and_empty_reference_give_dice_one(client):
    blank = np.full((HEIGHT, WIDTH), 90, np.uint8)
    body = post(client, png(blank), png(np.zeros((HEIGHT, WIDTH), np.uint8))).json()
    assert body["area_pixels"] == 0
    assert body["dice"] == 1.0
    assert body["hemorrhage"] is False


def test_sixteen_bit_png_is_read_as_hu(client):
    body = post(client, png(hu_slice_16bit()), png(bleed_mask().astype(np.uint8))).json()
    assert body["input"]["interpretation"] == "hu"
    assert body["dice"] > 0.9  # 75 HU passes the fake's 64 HU cut, 30 HU parenchyma does not


def test_jpeg_and_rgb_inputs_work(client):
    rgb = cv2.cvtColor(brain_window_slice(), cv2.COLOR_GRAY2BGR)
    body = post(client, jpeg(rgb), png(bleed_mask().astype(np.uint8))).json()
    assert body["input"]["format"] == "jpeg"
    assert body["dice"] > 0.9


def test_rgba_and_palette_pngs_decode(client):
    rgba = cv2.cvtColor(brain_window_slice(), cv2.COLOR_GRAY2BGRA)
    assert post(client, png(rgba)).status_code == 200


def test_mask_endpoint_returns_png_bytes_and_headers(client):
    response = post(client, png(brain_window_slice()), png(bleed_mask().astype(np.uint8)), path="/v1/predict/mask")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    mask = decode_png(response.content)
    assert mask.shape == (HEIGHT, WIDTH)
    assert float(response.headers["x-ich-dice"]) > 0.9
    assert 0.0 <= float(response.headers["x-ich-probability"]) <= 1.0
    assert response.headers["x-ich-models"] == "fake_classifier/7, fake_segmenter/3"


@pytest.mark.parametrize(
    ("image", "mask", "status", "message"),
    [
        (b"", None, 400, "image is empty"),
        (b"this is not an image at all", None, 415, "unrecognised file format: expected PNG, JPEG or DICOM"),
        (png(brain_window_slice())[:60], None, 400, "PNG could not be decoded; the file is corrupt or truncated"),
        (
            png(brain_window_slice()),
            png(np.zeros((10, 12), np.uint8)),
            400,
            "reference_mask is 12x10 but the image is 128x96",
        ),
        (png(brain_window_slice()), b"", 400, "reference_mask is empty"),
        (png(brain_window_slice()), b"GIF89a....", 415, "reference_mask must be a PNG"),
    ],
)
def test_bad_inputs_get_clear_4xx(client, image, mask, status, message):
    response = post(client, image, mask)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message
    assert response.json()["detail"] == message


def test_sixteen_bit_colour_is_unsupported(client):
    colour16 = np.zeros((64, 64, 3), np.uint16)
    response = post(client, png(colour16))
    assert response.status_code == 415
    assert response.json()["error"]["message"].startswith("uint16 image with 3 channels is not supported")


def test_missing_image_field_is_named(client):
    response = client.post("/v1/predict", files={"other": ("x", b"1")})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "image: Field required"


def test_upload_over_limit_is_refused(client, settings):
    big = png(np.random.default_rng(0).integers(0, 255, (1500, 1500), dtype=np.uint8))
    assert len(big) > settings.max_upload_bytes
    response = post(client, big)
    assert response.status_code == 413
    assert response.json()["error"]["message"] == f"image is larger than the limit of {settings.max_upload_bytes} bytes"


def test_server_still_answers_after_bad_input(client):
    post(client, b"garbage")
    assert post(client, png(brain_window_slice())).status_code == 200
