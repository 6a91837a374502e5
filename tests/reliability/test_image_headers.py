"""Header-level size reading and the checks that run before any pixel is decoded."""

import cv2
import numpy as np
import pytest

from app.errors import InvalidInput
from app.pipeline.decode.limits import (
    PNG16_MAX_VALUE,
    check_binary_mask,
    check_mask_header,
    check_png16_range,
    check_raster_header,
    jpeg_size,
    png_size,
)
from tests.reliability.bad_files import good_png, jpeg_claiming, png_claiming, truncated

SHAPES = [(96, 128), (1, 1), (513, 257)]


def encode(extension: str, image: np.ndarray, flags=()) -> bytes:
    ok, buffer = cv2.imencode(extension, image, list(flags))
    assert ok
    return buffer.tobytes()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_png_size_matches_opencv(shape, channels):
    image = np.zeros((*shape, channels) if channels > 1 else shape, np.uint16 if channels == 1 else np.uint8)
    assert png_size(encode(".png", image)) == (shape[1], shape[0])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("flags", [(), (cv2.IMWRITE_JPEG_PROGRESSIVE, 1), (cv2.IMWRITE_JPEG_OPTIMIZE, 1)])
def test_jpeg_size_matches_opencv(shape, flags):
    assert jpeg_size(encode(".jpg", np.zeros((*shape, 3), np.uint8), flags)) == (shape[1], shape[0])


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n", truncated(good_png(), 20)])
def test_png_size_is_none_without_a_header(data):
    assert png_size(data) is None


@pytest.mark.parametrize("data", [b"\xff\xd8", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\x00\x00\x00\x00"])
def test_jpeg_size_is_none_without_a_frame_header(data):
    assert jpeg_size(data) is None


@pytest.mark.parametrize(
    ("data", "source_format", "message"),
    [
        (png_claiming(100_000, 100_000), "png", "image is 100000x100000 pixels, over the limit of 1000000"),
        (png_claiming(1001, 1000, 16), "png", "image is 1001x1000 pixels, over the limit of 1000000"),
        (jpeg_claiming(60_000, 60_000), "jpeg", "image is 60000x60000 pixels, over the limit of 1000000"),
        (jpeg_claiming(2000, 1000, True), "jpeg", "image is 2000x1000 pixels, over the limit of 1000000"),
    ],
)
def test_oversize_header_is_refused_before_decoding(data, source_format, message):
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        check_raster_header(data, source_format, max_pixels=1_000_000)


def test_size_at_the_limit_passes():
    check_raster_header(png_claiming(1000, 1000), "png", max_pixels=1_000_000)


def test_mask_header_must_match_image_shape():
    check_mask_header(png_claiming(128, 96), (96, 128))
    with pytest.raises(InvalidInput, match="^reference_mask is 100000x100000 but the image is 128x96$"):
        check_mask_header(png_claiming(100_000, 100_000), (96, 128))


def test_png16_values_past_the_ct_scale_are_refused():
    image = np.full((4, 4), PNG16_MAX_VALUE, np.uint16)
    check_png16_range(image)
    image[0, 0] = 65535
    with pytest.raises(InvalidInput, match=r"^image holds 16-bit values up to 65535; HU \+ 1024 cannot exceed 31743"):
        check_png16_range(image)


@pytest.mark.parametrize(
    "mask",
    [
        np.zeros((4, 4), np.uint8),
        np.full((4, 4), 255, np.uint8),
        np.array([[0, 1], [1, 0]], np.uint8),
        np.dstack([np.array([[0, 255]], np.uint8)] * 3 + [np.array([[7, 255]], np.uint8)]),  # alpha ignored
    ],
)
def test_binary_masks_pass(mask):
    check_binary_mask(mask)


@pytest.mark.parametrize(
    ("mask", "labels"),
    [
        (np.array([[0, 1, 2]], np.uint8), 2),
        (np.arange(256, dtype=np.uint8).reshape(16, 16), 255),
        (np.array([[[0, 0, 255], [255, 0, 0]]], np.uint8), 2),  # two colours
    ],
)
def test_non_binary_masks_are_refused(mask, labels):
    message = (
        f"^reference_mask must be binary \\(0 and one non-zero value\\) but holds {labels} distinct non-zero values$"
    )
    with pytest.raises(InvalidInput, match=message):
        check_binary_mask(mask)
