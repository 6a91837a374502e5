"""Everyday pictures of CT slices: any size, RGBA, palette, grey+alpha, black borders, burned-in text.

None may crash; the mask comes back at the input's own size; the format comes from the bytes, not the name.
"""

import base64
from io import BytesIO

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.app.images import brain_window_slice, jpeg, png


def pillow_png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def slice_of_size(height: int, width: int) -> np.ndarray:
    return cv2.resize(brain_window_slice(), (width, height), interpolation=cv2.INTER_NEAREST)


def screenshot() -> np.ndarray:
    """A viewer screenshot: black borders, the slice in the middle, annotations burned in."""
    canvas = np.zeros((300, 400, 3), np.uint8)
    canvas[60:156, 120:248] = cv2.cvtColor(brain_window_slice(), cv2.COLOR_GRAY2BGR)
    cv2.putText(canvas, "W:80 L:40  Im: 12/40", (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    cv2.putText(canvas, "R", (5, 150), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 255, 255), 2)
    return canvas


CASES = {
    "odd size png": (png(slice_of_size(333, 517)), (333, 517)),
    "large jpeg": (jpeg(slice_of_size(1500, 2000)), (1500, 2000)),
    "small png": (png(slice_of_size(64, 80)), (64, 80)),
    "rgba png": (png(cv2.cvtColor(brain_window_slice(), cv2.COLOR_GRAY2BGRA)), (96, 128)),
    "palette png": (pillow_png(Image.fromarray(brain_window_slice()).convert("P")), (96, 128)),
    "grey+alpha png": (pillow_png(Image.fromarray(brain_window_slice()).convert("LA")), (96, 128)),
    "black borders": (png(cv2.copyMakeBorder(brain_window_slice(), 40, 40, 60, 60, cv2.BORDER_CONSTANT)), (176, 248)),
    "screenshot with text": (png(screenshot()), (300, 400)),
    "screenshot as jpeg": (jpeg(screenshot()), (300, 400)),
}


@pytest.mark.parametrize("case", CASES)
def test_everyday_pictures_work_and_masks_keep_their_size(client, case):
    data, shape = CASES[case]
    response = client.post("/v1/predict", files={"image": ("slice.png", data, "image/png")})
    assert response.status_code == 200, response.text
    mask = cv2.imdecode(np.frombuffer(base64.b64decode(response.json()["mask_png_base64"]), np.uint8), 0)
    assert mask.shape == shape
    assert (response.json()["input"]["height"], response.json()["input"]["width"]) == shape


def test_the_bleed_in_a_screenshot_is_found_where_it_is(client):
    body = client.post("/v1/predict", files={"image": ("s.png", png(screenshot()))}).json()
    mask = cv2.imdecode(np.frombuffer(base64.b64decode(body["mask_png_base64"]), np.uint8), 0) > 0
    # the bleed block of the pasted slice, seen by a 64-pixel fake model through a 400-pixel-wide picture
    assert mask[60 + 30 : 60 + 60, 120 + 40 : 120 + 90].mean() > 0.7
    assert not mask[200:].any()


def test_format_comes_from_the_bytes_not_the_name_or_type(client):
    response = client.post("/v1/predict", files={"image": ("scan.dcm", png(brain_window_slice()), "application/dicom")})
    assert response.status_code == 200 and response.json()["input"]["format"] == "png"


def test_sixteen_bit_colour_png_is_refused_not_crashed(client):
    colour16 = (cv2.cvtColor(brain_window_slice(), cv2.COLOR_GRAY2BGR).astype(np.uint16)) * 256
    response = client.post("/v1/predict", files={"image": ("s.png", png(colour16))})
    assert (response.status_code, response.json()["error"]["message"]) == (
        415,
        (
            "uint16 image with 3 channels is not supported; "
            "send 8-bit brain-window grayscale/RGB or 16-bit grayscale PNG holding HU + 1024"
        ),
    )
