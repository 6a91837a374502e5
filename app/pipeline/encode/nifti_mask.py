"""A mask volume -> .nii.gz bytes on the input's own voxel grid, with its affine and orientation codes."""

import gzip

import nibabel as nib
import numpy as np


def write_nifti_gz(data: np.ndarray, like: nib.Nifti1Image) -> bytes:
    """`data` on `like`'s voxel grid -> .nii.gz bytes with `like`'s affine and orientation codes."""
    header = like.header.copy()
    header.set_data_dtype(data.dtype)
    header.set_slope_inter(1.0, 0.0)
    image = type(like)(data, like.affine, header)
    image.set_qform(like.get_qform(), int(like.header["qform_code"]))
    image.set_sform(like.get_sform(), int(like.header["sform_code"]))
    return gzip.compress(image.to_bytes(), compresslevel=6)
