"""Pictures for people, called directly: the overlay's grey levels and the montage's choice of slices."""

import numpy as np
import pytest

from app.pipeline.encode.montage import montage_slices
from app.pipeline.encode.overlay import render_overlay


def test_render_without_bleed_is_grey_outside_the_text_bands():
    hu = np.full((256, 256), 30.0, np.float32)
    picture = render_overlay(hu, np.zeros((256, 256), bool), caption="P=0.01")
    body = picture[40:200]
    assert (body == round(30 / 80 * 255)).all()


@pytest.mark.parametrize(
    ("probabilities", "threshold", "max_tiles", "chosen"),
    [
        ([0.1, 0.9, 0.2, 0.8, 0.95], 0.5, 16, [1, 3, 4]),
        ([0.1, 0.9, 0.2, 0.8, 0.95], 0.5, 2, [1, 4]),  # the strongest two, in slice order
        ([0.1, 0.3, 0.2], 0.5, 16, [1]),  # nothing flagged: the most suspicious alone
    ],
)
def test_montage_slice_choice(probabilities, threshold, max_tiles, chosen):
    assert montage_slices(np.array(probabilities), threshold, max_tiles) == chosen
