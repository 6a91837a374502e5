"""POST /v1/series with PNG/JPEG exports, one per slice in slice order: answered as one scan, assessed across its
slices, and every file that cannot join the stack refused by name."""

import cv2
import numpy as np
import pytest

from core.windowing import PNG16_HU_OFFSET, hu_to_brain_window_pixels
from tests.app.dicom_files import block_slice, series_bytes, walled_in
from tests.app.images import bleed_mask, brain_window_slice, hu_slice_16bit, jpeg, png


def post_series(client, files: list[bytes], masks: list[bytes] | None = None, **params):
    parts = [("files", (f"slice{i:03d}.png", data, "application/octet-stream")) for i, data in enumerate(files)]
    parts += [("reference_masks", (f"mask{i}.png", m, "image/png")) for i, m in enumerate(masks or [])]
    return client.post("/v1/series", files=parts, params=params)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def exported(hu: np.ndarray) -> bytes:
    return png(hu_to_brain_window_pixels(hu))


@pytest.fixture
def stack() -> list[bytes]:
    normal = brain_window_slice()
    normal[normal == 240] = 96  # the bleed block back to brain
    return [png(normal), png(brain_window_slice()), png(brain_window_slice()), png(normal)]


def test_an_8bit_export_stack_is_answered_as_one_scan(client, stack):
    body = ok(post_series(client, stack))
    assert body["input"]["format"] == "png" and body["input"]["slices"] == 4
    assert body["flagged_slices"] == [1, 2] and body["hemorrhage"]  # two neighbours: the default rule
    assert [s["upload_index"] for s in body["slices"]] == [0, 1, 2, 3]
    assert all(s["mask_png_base64"] for s in body["slices"])
    assert body["bleed_volume_ml"] is None and body["slices"][1]["area_mm2"] is None  # exports say no spacing


def test_the_callers_spacing_gives_areas_and_the_volume(client, stack):
    body = ok(post_series(client, stack, pixel_spacing_mm=1.8, slice_spacing_mm=5.0))  # a 230 mm field of view
    area = body["slices"][1]["area_pixels"]
    assert area > 0 and body["slices"][1]["area_mm2"] == pytest.approx(area * 1.8**2)
    assert body["bleed_volume_ml"] == pytest.approx(2 * area * 1.8**2 * 5.0 / 1000)
    assert body["input"]["pixel_spacing_mm"] == [1.8, 1.8] and body["input"]["slice_spacing_mm"] == 5.0


def test_reference_masks_give_dice(client, stack):
    masks = [png(np.zeros_like(bleed_mask(), np.uint8)), png(bleed_mask().astype(np.uint8) * 255)] * 2
    body = ok(post_series(client, stack, masks))
    assert body["dice"] is not None and body["slices"][1]["dice"] > 0.5


def test_a_walled_in_space_off_the_cranium_of_the_export_is_not_assessed(client):
    """As the neck below the posterior fossa in a real 8-bit export: alone it passes for a cranium, in the stack not."""
    cranium = exported(walled_in((4, 4), side=30))
    neck = exported(walled_in((36, 36), side=24))
    assert ok(post_series(client, [neck]))["not_assessed_slices"] == []
    body = ok(post_series(client, [neck, cranium, cranium, cranium]))
    assert body["not_assessed_slices"] == [0] and body["slices"][0]["not_assessed_reason"] == "off_cranium"
    assert body["flagged_slices"] == [1, 2, 3]


def test_a_jpeg_stack_says_its_compression(client):
    image = brain_window_slice()
    ok_quality = jpeg(image)
    _, heavy = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 40])
    body = ok(post_series(client, [ok_quality, heavy.tobytes(), ok_quality]))
    assert body["input"]["format"] == "jpeg"
    assert "heavy_compression" in [w["code"] for w in body["warnings"]]


def test_a_16bit_hu_stack_is_read_as_hu(client):
    body = ok(post_series(client, [png(hu_slice_16bit())] * 3))
    assert body["flagged_slices"] == [0, 1, 2] and body["warnings"] == []
    assert (hu_slice_16bit().astype(np.int32) - PNG16_HU_OFFSET).max() == 1000


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: [png(brain_window_slice()), series_bytes(block_slice()[None])[0]], "files[1]: not a PNG or JPEG"),
        (lambda: [png(brain_window_slice()), png(brain_window_slice()[:64])], "files[1] is 128x64 pixels"),
        (lambda: [png(brain_window_slice()), png(hu_slice_16bit())], "send one kind of export"),
        (lambda: [png(brain_window_slice()), b"\x89PNG\r\n\x1a\nbroken"], "files[1]: "),
    ],
)
def test_a_file_that_cannot_join_the_stack_is_named(client, files, message):
    response = post_series(client, files())
    assert 400 <= response.status_code < 500 and message in response.json()["detail"], response.text


def test_spacing_is_refused_for_a_dicom_series(client):
    response = post_series(client, series_bytes(np.stack([block_slice()] * 2)), pixel_spacing_mm=0.5)
    assert response.status_code == 400 and "DICOM series carries its own" in response.json()["detail"]
    assert client.get("/health/live").status_code == 200
