"""Enlarged ventricles in atlas heads: wider, in normal and bleeding heads alike, and never a bleed."""

import numpy as np
import pytest

from training.atlas.mimics import sample_sinuses
from training.atlas.pose import sample_head
from training.atlas.tissues import mni_to_index
from training.atlas.ventricles import ENLARGED_FRACTION, STRETCH, Ventricles, _extent
from training.atlas.volume import Case, render_slice, sample_case


def _ventricle_pixels(stretch: float) -> tuple[int, np.ndarray]:
    rng = np.random.default_rng(7)
    head = sample_head(rng)
    center, spread = _extent(head.variant)
    ventricles = Ventricles(center, 2 * spread, stretch) if stretch else None
    case = Case(head, [], [], sample_sinuses(rng), ventricles=ventricles)
    z = float(head.to_scanner(mni_to_index(0, -5, 18)[None])[0, 0])  # the bodies of the lateral ventricles
    hu, mask, labels, brain = render_slice(case, 256, z, 2.0, np.random.default_rng(0), physics=False)
    assert not mask.any() and labels.sum() == 0
    central = (slice(64, 192),) * 2  # the ventricles, not the sulci at the convexity
    return int(((hu < 15) & brain)[central].sum()), hu


def test_enlarged_ventricles_are_wider_and_not_a_bleed():
    plain, plain_hu = _ventricle_pixels(0.0)
    wide, wide_hu = _ventricle_pixels(0.5)
    assert wide > 1.3 * plain  # CSF-dense pixels in the middle of the head
    # Far from the ventricles (the corners: air) nothing moves by more than a trace of the interpolated field.
    np.testing.assert_allclose(wide_hu[:20, :20], plain_hu[:20, :20], atol=0.5)


def test_displacement_is_zero_at_the_centre_and_fades():
    ventricles = Ventricles(np.zeros(3, np.float32), np.full(3, 20.0, np.float32), 0.4)
    near, far = ventricles.push(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 5.0], [0.0, 0.0, 80.0]]))[[1, 2]]
    assert ventricles.push(np.zeros((1, 3)))[0] == pytest.approx(np.zeros(3))
    assert near[2] > 0 and abs(far[2]) < 1e-3 * near[2] * 80 / 5


def test_enlargement_is_drawn_in_the_recorded_share_of_heads_whatever_the_bleeds():
    for positive in (True, False):
        stretches = [sample_case(np.random.default_rng(s), positive).ventricles for s in range(200)]
        drawn = [v.stretch for v in stretches if v is not None]
        assert abs(len(drawn) / len(stretches) - ENLARGED_FRACTION) < 0.1
        assert min(drawn) >= STRETCH[0] and max(drawn) <= STRETCH[1]
