"""Synthetic NIfTI volumes for tests: slices in display orientation written in any voxel orientation (nibabel)."""

import gzip

import nibabel as nib
import numpy as np
from nibabel.orientations import axcodes2ornt, ornt_transform

DISPLAY_CODES = ("L", "P", "S")  # voxel axes of display slices transposed to (columns, rows, slices)


def display_image(slices: np.ndarray, spacing_mm: tuple[float, float, float], dtype=np.int16) -> nib.Nifti1Image:
    """(slices, rows, columns) with rows anterior->posterior and columns right->left, inferior slice first."""
    row_mm, column_mm, slice_mm = spacing_mm
    affine = np.diag([-column_mm, -row_mm, slice_mm, 1.0])  # L, P, S in RAS+ world coordinates
    affine[:3, 3] = (60.0, 80.0, -40.0)
    image = nib.Nifti1Image(np.asarray(slices).transpose(2, 1, 0).astype(dtype), affine)
    image.set_qform(affine, 1)
    image.set_sform(affine, 1)
    return image


def reoriented(image: nib.Nifti1Image, codes: tuple[str, str, str]) -> nib.Nifti1Image:
    """The same voxels stored in another orientation, as a scanner or converter might write them."""
    return image.as_reoriented(ornt_transform(axcodes2ornt(DISPLAY_CODES), axcodes2ornt(codes)))


def nifti_bytes(image: nib.Nifti1Image, gz: bool = True) -> bytes:
    data = image.to_bytes()
    return gzip.compress(data) if gz else data


def read_nifti_bytes(data: bytes) -> nib.Nifti1Image:
    return nib.Nifti1Image.from_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
