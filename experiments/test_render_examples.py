"""experiments/render_examples.py on the fake models (`pytest experiments`; the default run collects tests/ only)."""

import cv2
import numpy as np

from experiments.render_examples import render_examples
from tests.app.conftest import fake_models


def test_docs_examples_render(tmp_path):
    written = render_examples(fake_models(), tmp_path)
    overlay, montage = (cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR) for path in written)
    blue, green, red = (overlay[..., channel].astype(int) for channel in range(3))
    assert overlay.shape == (512, 512, 3)
    assert ((red > green + 40) & (red > blue + 40)).any()  # the predicted bleed, filled in red
    assert montage.shape[0] % 256 == 0 and montage.shape[1] % 256 == 0
