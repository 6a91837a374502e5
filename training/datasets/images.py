"""Readers that turn image files into HU arrays in display orientation; nibabel, pydicom and cv2 do the decoding.

Third-party failures are re-raised as DatasetError, naming the file.
"""

from pathlib import Path

import cv2
import nibabel as nib
import numpy as np
from nibabel.orientations import apply_orientation, axcodes2ornt, io_orientation, ornt_transform

from core.windowing import PNG16_HU_OFFSET, Window, brain_window_to_hu
from training.datasets.records import BRAIN_WINDOW_FORM, HU_FORM, DatasetError

# Voxel axes (i, j) pointing to patient Left and Posterior: transposed, rows run anterior ->
# posterior and columns patient right -> left, the radiological view DICOM pixel data has.
DISPLAY_IN_PLANE = ("L", "P")
EIGHT_BIT_MAX = 255.0


def read_nifti_axial(path: Path) -> tuple[np.ndarray, tuple[float, float, float]]:
    """NIfTI (H, W[, S]) -> float32 (S, rows, cols) in display orientation, and (row, col, slice) mm.

    Only the in-plane axes are reoriented; slice k stays slice k, so per-slice label files
    indexed along the stored third axis still line up.
    """
    try:
        image = nib.load(str(path))
        data = image.get_fdata(dtype=np.float32)
    except Exception as e:
        raise DatasetError(f"{path.name}: cannot read NIfTI: {e}") from e
    if data.ndim == 2:
        data = data[..., None]
    if data.ndim != 3:
        raise DatasetError(f"{path.name}: expected a 2-D image or 3-D volume, got shape {data.shape}")
    current = io_orientation(image.affine)
    codes = nib.aff2axcodes(image.affine)
    if current[2, 0] != 2:
        raise DatasetError(
            f"{path.name}: axial slices must lie along the third voxel axis, orientation is {''.join(codes)}"
        )
    transform = ornt_transform(current, axcodes2ornt((*DISPLAY_IN_PLANE, codes[2])))
    oriented = apply_orientation(data, transform)
    sizes = nib.affines.voxel_sizes(image.affine)
    zooms = [0.0, 0.0, 0.0]
    for old_axis, (new_axis, _) in enumerate(transform):
        zooms[int(new_axis)] = float(sizes[old_axis])
    volume = np.ascontiguousarray(oriented.transpose(2, 1, 0), dtype=np.float32)
    return volume, (zooms[1], zooms[0], zooms[2])


def read_gray(path: Path) -> np.ndarray:
    """A single-channel image at its stored bit depth (8 or 16 bit)."""
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise DatasetError(f"{path.name}: cannot decode image")
    if pixels.ndim == 3:
        # Grey images saved as RGB(A) carry the same value in each colour channel.
        pixels = pixels[..., 0]
    return pixels


def window_pixels_to_hu(pixels: np.ndarray, window: Window, max_value: float = EIGHT_BIT_MAX) -> np.ndarray:
    """Undo an 8-bit export through any `window`: 0 -> window.low, max -> window.high.

    core.windowing.brain_window_to_hu is the case window=BRAIN; exporters that used another
    window (CT-ICH's JPGs use level 40, width 120) need the general form. HU outside is lost.
    """
    return np.asarray(pixels, dtype=np.float32) * np.float32(window.width / max_value) + np.float32(window.low)


def read_png_hu(path: Path) -> tuple[np.ndarray, str]:
    """16-bit PNG = HU + PNG16_HU_OFFSET; 8-bit PNG = brain window (0..80 HU), the service's convention."""
    pixels = read_gray(path)
    if pixels.dtype == np.uint16:
        return pixels.astype(np.float32) - np.float32(PNG16_HU_OFFSET), HU_FORM
    if pixels.dtype == np.uint8:
        return brain_window_to_hu(pixels), BRAIN_WINDOW_FORM
    raise DatasetError(
        f"{path.name}: unsupported pixel type {pixels.dtype}; use 8-bit brain window or 16-bit HU+{PNG16_HU_OFFSET}"
    )


def read_mask_image(path: Path, threshold: float = 0.0) -> np.ndarray:
    """Binary mask from an image: pixels above `threshold` are hemorrhage."""
    return read_gray(path) > threshold


def nifti_slice_count(path: Path) -> int:
    """How many axial slices read_nifti_axial would return, from the header alone (no voxels decoded)."""
    try:
        shape = nib.load(str(path)).shape
    except Exception as e:
        raise DatasetError(f"{path.name}: cannot read NIfTI: {e}") from e
    return 1 if len(shape) == 2 else int(shape[2])
