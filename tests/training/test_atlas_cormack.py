"""Cormack units to HU (after clinical_c2h.m), checked on fixed points and on the atlas itself."""

import nibabel as nib
import numpy as np
import pytest

from training.atlas.cormack import cormack_to_hu
from training.atlas.template import DATA


def test_fixed_points_of_the_scale():
    # 0..900 Cormack is -1024..-124 HU one to one; the next 2200 units are 200 HU, stretched 11-fold;
    # above that, one to one again.
    cormack = np.array([0.0, 900.0, 1010.0, 3100.0, 3200.0])
    np.testing.assert_allclose(cormack_to_hu(cormack), [-1024.0, -124.0, -114.0, 76.0, 176.0], atol=1e-3)


def test_conversion_is_monotonic():
    hu = cormack_to_hu(np.linspace(0, 5000, 1001))
    assert np.all(np.diff(hu) > 0)


def test_negative_units_are_refused():
    with pytest.raises(ValueError, match="never negative"):
        cormack_to_hu(np.array([-1.0]))


def test_the_atlas_in_hu_has_brain_densities():
    ct = cormack_to_hu(np.asarray(nib.load(DATA / "scct.nii.gz").dataobj))
    white = np.asarray(nib.load(DATA / "scwhite.nii.gz").dataobj) > 0.9
    csf = np.asarray(nib.load(DATA / "sccsf.nii.gz").dataobj) > 0.9
    assert 20.0 < np.median(ct[white]) < 40.0
    assert np.median(ct[csf]) < 15.0
    assert ct.max() > 400.0  # the (blurred) skull
