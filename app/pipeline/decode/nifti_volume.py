"""A NIfTI image <-> slices in display orientation (rows anterior->posterior, columns patient right->left).

The slice axis is the voxel axis closest to head-foot, kept in its stored order, so slice k of the answer is
voxel plane k of the file. Training reads NIfTI the same way (training/datasets/images.py).
"""

from dataclasses import dataclass

import nibabel as nib
import numpy as np
from nibabel.orientations import apply_orientation, axcodes2ornt, io_orientation, ornt_transform

from app.errors import InvalidInput, PayloadTooLarge, UnsupportedImage

IN_PLANE_CODES = ("L", "P")  # display x (columns) and y (rows) directions
AFFINE_TOLERANCE_MM = 1e-3
MIN_VOXEL_MM3 = 1e-9
DEGENERATE = "it must map voxels along three independent, finite directions"


@dataclass
class NiftiSlices:
    hu: np.ndarray  # float32 (slices, rows, columns), HU, display orientation
    spacing_mm: tuple[float, float]  # (between rows, between columns)
    slice_spacing_mm: float  # distance between slice planes
    image: nib.Nifti1Image  # the input, for its affine and header
    display: np.ndarray  # nibabel orientation of the display grid, to map masks back


def _volume_data(image: nib.Nifti1Image, field: str) -> np.ndarray:
    data = np.asarray(image.get_fdata(dtype=np.float32))
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim == 2:
        data = data[..., None]
    if data.ndim != 3:
        raise UnsupportedImage(f"{field} has shape {data.shape}; expected one 3-D volume", field)
    if not np.isfinite(data).all():
        raise InvalidInput(f"{field} contains NaN or infinite values", field)
    return data


def _display_orientation(current: np.ndarray) -> np.ndarray:
    codes = nib.orientations.ornt2axcodes(current)
    slice_code = next(code for code in codes if code in "SI")
    return axcodes2ornt((*IN_PLANE_CODES, slice_code))


def _spacing(affine: np.ndarray, transform: np.ndarray) -> tuple[float, float, float]:
    """(row, column, plane) spacing in mm; plane spacing from the determinant, so sheared grids stay right."""
    axes = affine[:3, :3]
    order = {int(new): old for old, (new, _) in enumerate(transform)}
    column_axis, row_axis = axes[:, order[0]], axes[:, order[1]]
    in_plane = float(np.linalg.norm(np.cross(column_axis, row_axis)))
    plane = abs(float(np.linalg.det(axes))) / in_plane if in_plane else 0.0
    return float(np.linalg.norm(row_axis)), float(np.linalg.norm(column_axis)), plane


def _orientations(affine: np.ndarray, field: str) -> tuple[np.ndarray, np.ndarray]:
    """(stored, display) nibabel orientations; an affine without three usable directions is refused."""
    axes = affine[:3, :3]
    degenerate = InvalidInput(f"{field} affine is degenerate: {DEGENERATE}", field)
    if not np.isfinite(axes).all() or abs(float(np.linalg.det(axes))) < MIN_VOXEL_MM3:
        raise degenerate
    try:
        current = io_orientation(affine)
        if np.isnan(current).any():  # an axis too small next to the others to tell its direction
            raise degenerate
        return current, _display_orientation(current)
    except (ValueError, np.linalg.LinAlgError) as e:
        raise degenerate from e


def to_display(image: nib.Nifti1Image, max_slices: int, max_pixels: int, field: str = "volume") -> NiftiSlices:
    data = _volume_data(image, field)
    current, display = _orientations(image.affine, field)
    transform = ornt_transform(current, display)
    # (x: right->left, y: anterior->posterior, slices) -> (slices, rows = y, columns = x)
    slices = np.ascontiguousarray(apply_orientation(data, transform).transpose(2, 1, 0), dtype=np.float32)
    if slices.shape[0] > max_slices:
        raise PayloadTooLarge(f"{field} has {slices.shape[0]} slices, over the limit of {max_slices}", field)
    if slices.shape[1] * slices.shape[2] > max_pixels:
        raise InvalidInput(
            f"{field} slices are {slices.shape[2]}x{slices.shape[1]} pixels, over the limit of {max_pixels}", field
        )
    row, column, plane = _spacing(image.affine, transform)
    if min(row, column, plane) <= 0:
        raise InvalidInput(f"{field} affine is degenerate: {DEGENERATE}", field)
    return NiftiSlices(slices, (row, column), plane, image, display)


def to_stored(slices: np.ndarray, volume: NiftiSlices) -> np.ndarray:
    """(slices, rows, columns) in display orientation -> the input's own voxel grid."""
    back = ornt_transform(volume.display, io_orientation(volume.image.affine))
    stored = apply_orientation(np.asarray(slices).transpose(2, 1, 0), back)
    return np.ascontiguousarray(stored).reshape(volume.image.shape)


def reference_slices(image: nib.Nifti1Image, volume: NiftiSlices, field: str = "reference_mask") -> np.ndarray:
    """A reference mask volume on the same voxel grid -> bool (slices, rows, columns); non-zero = hemorrhage."""
    if image.shape != volume.image.shape:
        raise InvalidInput(f"{field} has shape {image.shape} but the volume has {volume.image.shape}", field)
    if not np.allclose(image.affine, volume.image.affine, atol=AFFINE_TOLERANCE_MM):
        raise InvalidInput(f"{field} affine differs from the volume's: they do not share a voxel grid", field)
    data = _volume_data(image, field)
    transform = ornt_transform(io_orientation(image.affine), volume.display)
    return np.ascontiguousarray(apply_orientation(data, transform).transpose(2, 1, 0)) != 0
