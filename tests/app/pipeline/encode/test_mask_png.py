"""The mask PNG: 1-bit, and every common decoder reads it as a black/white mask of the right shape."""

import io
import struct

import cv2
import numpy as np
from PIL import Image

from app.pipeline.encode.mask_png import mask_to_png


def _mask():
    mask = np.zeros((37, 53), bool)
    mask[5:20, 10:30] = True
    return mask


def test_the_png_is_one_bit_greyscale():
    png = mask_to_png(_mask())
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", png[16:26])
    assert (width, height, bit_depth, colour_type) == (53, 37, 1, 0)


def test_opencv_and_pil_read_it_back_as_the_mask():
    png, mask = mask_to_png(_mask()), _mask()
    opencv = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert set(np.unique(opencv)) == {0, 255} and np.array_equal(opencv > 0, mask)
    pil = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert set(np.unique(pil)) == {0, 255} and np.array_equal(pil > 0, mask)


def test_an_empty_mask_is_all_black():
    png = mask_to_png(np.zeros((8, 8), bool))
    assert not cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED).any()
