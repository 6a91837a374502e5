"""JPEG marker segments read from the bytes: the quality the quantisation tables imply."""

import cv2
import pytest

from app.pipeline.decode.jpeg_markers import jpeg_quality
from tests.app.images import brain_window_slice


@pytest.mark.parametrize("quality", [20, 50, 90])
def test_jpeg_quality_is_read_from_its_tables(quality):
    ok, data = cv2.imencode(".jpg", brain_window_slice(), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok and jpeg_quality(data.tobytes()) == pytest.approx(quality, abs=2)
