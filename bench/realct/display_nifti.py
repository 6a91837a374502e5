"""Slices in the service's display orientation -> a NIfTI image that app.pipeline.decode.nifti_volume reads back unchanged:
columns run right -> left, rows anterior -> posterior, slices inferior -> superior."""

import nibabel as nib
import numpy as np


def display_volume(hu: np.ndarray, spacing_mm: tuple[float, float], slice_mm: float) -> nib.Nifti1Image:
    """hu (slices, rows, columns), spacing (between rows, between columns) -> NIfTI image, dtype kept."""
    row, column = spacing_mm
    affine = np.diag([-column, -row, slice_mm, 1.0])
    image = nib.Nifti1Image(np.ascontiguousarray(hu.transpose(2, 1, 0)), affine)
    image.set_qform(affine, 1)
    image.set_sform(affine, 1)
    return image
