"""Image readers shared by the loaders, and the phantom source."""

import nibabel as nib
import numpy as np
import pytest

from core.windowing import BRAIN, brain_window_to_hu
from training.datasets import DatasetError, load_phantoms
from training.datasets.images import read_nifti_axial, window_pixels_to_hu
from training.models.classifier import SUBTYPES


def test_window_inverse_matches_core_for_the_brain_window_and_generalises():
    pixels = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(window_pixels_to_hu(pixels, BRAIN), brain_window_to_hu(pixels), atol=1e-5)
    wide = window_pixels_to_hu(np.array([0, 255]), type(BRAIN)("w", 40.0, 120.0))
    np.testing.assert_allclose(wide, [-20.0, 100.0])


def test_nifti_with_slices_off_the_third_axis_is_refused(tmp_path):
    # A volume stored sagittal-first: voxel axis 2 runs left-right.
    affine = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)
    nib.save(nib.Nifti1Image(np.zeros((4, 5, 6), np.int16), affine), tmp_path / "sag.nii")
    with pytest.raises(
        DatasetError, match="^sag.nii: axial slices must lie along the third voxel axis, orientation is SAR$"
    ):
        read_nifti_axial(tmp_path / "sag.nii")


def test_nifti_reader_reports_a_corrupt_file_by_name(tmp_path):
    (tmp_path / "bad.nii").write_bytes(b"\x00" * 10)
    with pytest.raises(DatasetError, match="^bad.nii: cannot read NIfTI: "):
        read_nifti_axial(tmp_path / "bad.nii")


def test_phantom_source_is_deterministic_and_labels_agree_with_masks():
    first = list(load_phantoms(4, seed=7))
    again = list(load_phantoms(4, seed=7))
    assert [r.patient_id for r in first] == [f"phantom-7-{i:05d}" for i in range(4)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.hu, b.hu)
        assert a.labels["any"] == bool(a.mask.any())
        assert set(a.labels) == {"any", *SUBTYPES}
    brain_window = next(load_phantoms(1, seed=7, brain_window=True))
    assert brain_window.hu.min() >= 0.0 and brain_window.hu.max() <= 80.0
