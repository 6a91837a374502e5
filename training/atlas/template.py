"""Rorden's average head CT and its tissue maps, in display orientation at 1 mm, built once per process.

Array axes everywhere in training.atlas: (z inferior -> superior, rows anterior -> posterior,
columns patient right -> left), the orientation of the service's axial slices.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy import ndimage

from training.atlas.cormack import cormack_to_hu

DATA = Path(__file__).parent / "data"
ATLAS_MM = 2.0
TEMPLATE_MM = 1.0
MARGIN = 12  # voxels of air around the atlas box, so that poses never sample past it
INTRACRANIAL_FRACTION = 0.5  # grey + white + CSF above this is inside the dura
BONE_HU = 150.0  # the blurred average skull, thresholded near its half maximum
AIR_HU = -400.0
# Template voxel (z, row, col) of the MNI origin, from the NIfTI affine and the padding; rows run anterior ->
# posterior and columns right -> left, so MNI y and x grow against them.
MNI_ORIGIN_INDEX = (84.0, 102.0, 102.0)


@dataclass(frozen=True)
class Atlas:
    hu: np.ndarray  # float32 (Z, Y, X) at TEMPLATE_MM, blurred average HU
    grey: np.ndarray  # float32 tissue probabilities, same grid
    white: np.ndarray
    csf: np.ndarray
    intracranial: np.ndarray  # bool
    inner_distance: np.ndarray  # float32 mm, signed: + inside the dura, - outside (the inner table)
    bone: np.ndarray  # bool
    bone_depth: np.ndarray  # float32 mm from the bone's nearest surface
    scalp_depth: np.ndarray  # float32 mm from the skin
    bone_distance: np.ndarray  # float32 mm to the nearest bone
    outside: np.ndarray  # bool, air around the head

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.hu.shape


def _read(name: str) -> np.ndarray:
    volume = np.asarray(nib.load(DATA / f"{name}.nii.gz").dataobj, np.float32)
    # NIfTI (x: left -> right as i grows is -x, y posterior -> anterior, z up) to display axes.
    return np.ascontiguousarray(volume.transpose(2, 1, 0)[:, ::-1, :])


def _upsample(volume: np.ndarray, fill: float) -> np.ndarray:
    padded = np.pad(volume, MARGIN // 2, constant_values=fill)
    return ndimage.zoom(padded, ATLAS_MM / TEMPLATE_MM, order=1, grid_mode=False).astype(np.float32)


def _signed_distance(inside: np.ndarray) -> np.ndarray:
    return (ndimage.distance_transform_edt(inside) - ndimage.distance_transform_edt(~inside)).astype(np.float32)


@lru_cache(maxsize=1)
def load_atlas() -> Atlas:
    """The atlas at 1 mm with the masks and distances the tissue synthesis needs (a few seconds, cached)."""
    hu = _upsample(cormack_to_hu(_read("scct")), -1024.0)
    grey, white, csf = (_upsample(_read(name), 0.0) for name in ("scgrey", "scwhite", "sccsf"))
    intracranial = (grey + white + csf > INTRACRANIAL_FRACTION) & (hu < BONE_HU)
    intracranial = ndimage.binary_fill_holes(ndimage.binary_opening(intracranial, iterations=1))
    air = hu < AIR_HU
    labels, _ = ndimage.label(air)
    outside = labels == labels[0, 0, 0]  # the padding joins all the air around the head
    bone = (hu > BONE_HU) & ~intracranial
    return Atlas(
        hu=hu,
        grey=grey,
        white=white,
        csf=csf,
        intracranial=intracranial,
        inner_distance=_signed_distance(intracranial),
        bone=bone,
        bone_depth=ndimage.distance_transform_edt(bone).astype(np.float32),
        scalp_depth=ndimage.distance_transform_edt(~outside).astype(np.float32),
        bone_distance=ndimage.distance_transform_edt(~bone).astype(np.float32),
        outside=outside,
    )
