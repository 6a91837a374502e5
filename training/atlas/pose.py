"""One head on the table: size, shape, pose and elastic warp, and the slab of points a slice samples.

Scanner frame: millimetres (z up the table, rows anterior -> posterior, columns right -> left)
around the head's pivot. A scanner point P maps to template voxels as
    q = pivot + inverse(rotation @ shape) @ P + warp(P)
so gantry tilt, roll and yaw tilt the head in the plane stack, as on a real scanner.
"""

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from training.atlas.cache import variant
from training.atlas.sampling import unpack
from training.atlas.template import TEMPLATE_MM
from training.atlas.tissues import OLDER_VARIANTS, Label, mni_to_index

TILT_DEG, ROLL_DEG, YAW_DEG = 20.0, 10.0, 10.0
SIZE_RANGE = (0.9, 1.1)  # isotropic scale: adult heads, about 165-205 mm long
AXIS_JITTER, SHEAR = 0.04, 0.04
WARP_MM, WARP_WAVES, WARP_WAVELENGTH_MM = 2.5, 4, (50.0, 120.0)
FOV_MM = (185.0, 260.0)  # display fields of view of head CT; the smaller ones zoom the head in
CENTERING_MM = 8.0
LOWEST_LEVEL_MNI_Z = -64.0  # the foramen magnum and C1; the atlas stops a little below
WARP_GRID = 40  # the smooth warp is computed on this grid per plane and interpolated


def _rotation(axis_a: int, axis_b: int, degrees: float) -> np.ndarray:
    angle = np.deg2rad(degrees)
    rotation = np.eye(3)
    rotation[axis_a, axis_a] = rotation[axis_b, axis_b] = np.cos(angle)
    rotation[axis_a, axis_b], rotation[axis_b, axis_a] = -np.sin(angle), np.sin(angle)
    return rotation


@dataclass(frozen=True)
class Head:
    variant: int  # tissues.variant: gyral pattern and atrophy
    forward: np.ndarray  # (3, 3) template mm -> scanner mm
    waves: np.ndarray  # (WARP_WAVES * 3, 3) wave vectors, rad/mm
    phases: np.ndarray  # (WARP_WAVES * 3,)
    amplitudes: np.ndarray  # (WARP_WAVES * 3,) mm, WARP_WAVES per axis
    fov_mm: float
    offset_mm: np.ndarray  # (2,) rows, columns: the head off the centre of the field
    angles_deg: tuple[float, float, float]  # tilt, roll, yaw
    scale: float

    @property
    def inverse(self) -> np.ndarray:
        return np.linalg.inv(self.forward)

    def level_range(self) -> tuple[float, float]:
        """Scanner z of the lowest level (foramen magnum) and the vertex's outer table."""
        z = (_head_points() - pivot()) @ self.forward.T
        return float(z[:, 0].min()), float(z[:, 0].max())

    def to_scanner(self, template_points: np.ndarray) -> np.ndarray:
        """(N, 3) template voxels -> scanner mm (no warp: used to aim slices at lesions)."""
        return (template_points - pivot()) * TEMPLATE_MM @ self.forward.T

    def warp(self, points: np.ndarray) -> np.ndarray:
        """Smooth displacement (mm) at (N, 3) scanner points: a few long waves per axis."""
        phase = points @ self.waves.T + self.phases
        waves = self.amplitudes * np.sin(phase)
        return waves.reshape(len(points), 3, WARP_WAVES).sum(axis=2)


def sample_head(rng: np.random.Generator, variants: range = range(OLDER_VARIANTS)) -> Head:
    """A head drawn from the anatomy variants `variants` (training.atlas.tissues)."""
    angles = (rng.uniform(-TILT_DEG, TILT_DEG), rng.uniform(-ROLL_DEG, ROLL_DEG), rng.uniform(-YAW_DEG, YAW_DEG))
    # Tilt turns about the left-right axis (z with rows), roll about the AP axis, yaw about z.
    rotation = _rotation(0, 1, angles[0]) @ _rotation(0, 2, angles[1]) @ _rotation(1, 2, angles[2])
    scale = rng.uniform(*SIZE_RANGE)
    shape = np.diag(scale * (1 + rng.uniform(-AXIS_JITTER, AXIS_JITTER, 3)))
    shape += rng.uniform(-SHEAR, SHEAR, (3, 3)) * (1 - np.eye(3))
    count = WARP_WAVES * 3
    directions = rng.standard_normal((count, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    wavelengths = rng.uniform(*WARP_WAVELENGTH_MM, count)
    return Head(
        variant=variants[int(rng.integers(len(variants)))],
        forward=rotation @ shape,
        waves=directions * (2 * np.pi / wavelengths)[:, None],
        phases=rng.uniform(0, 2 * np.pi, count),
        amplitudes=rng.uniform(0.3, 1.0, count) * WARP_MM / np.sqrt(WARP_WAVES),
        fov_mm=rng.uniform(*FOV_MM),
        offset_mm=rng.uniform(-CENTERING_MM, CENTERING_MM, 2),
        angles_deg=tuple(float(a) for a in angles),
        scale=float(scale),
    )


@lru_cache(maxsize=1)
def _head_points() -> np.ndarray:
    """Template voxels of bone from the foramen magnum up, thinned: the extent a slice stack covers."""
    bone = unpack(variant(0)[:, ::3, ::3])[2] == Label.BONE
    bone[: int(mni_to_index(0, 0, LOWEST_LEVEL_MNI_Z)[0])] = False
    return np.argwhere(bone) * np.array([1, 3, 3])


@lru_cache(maxsize=1)
def pivot() -> np.ndarray:
    """The intracranial box's centre (z, row, col) in template voxels: the point heads turn about."""
    box = np.argwhere(unpack(variant(0)[::4, ::4, ::4])[1] > 0) * 4
    return ((box.min(axis=0) + box.max(axis=0)) / 2).astype(np.float32)


def plane_grid(head: Head, matrix: int, z_mm: float) -> np.ndarray:
    """Scanner points (3, matrix, matrix) in mm of one axial plane at table height z_mm."""
    pixel = head.fov_mm / matrix
    axis = (np.arange(matrix, dtype=np.float32) - (matrix - 1) / 2) * pixel
    rows = np.broadcast_to((axis + head.offset_mm[0])[:, None], (matrix, matrix))
    cols = np.broadcast_to((axis + head.offset_mm[1])[None, :], (matrix, matrix))
    return np.stack([np.full((matrix, matrix), z_mm, np.float32), rows, cols])


def _smooth(head: Head, matrix: int, z_mm: float, field) -> np.ndarray:
    """A smooth (3, matrix, matrix) field computed on a coarse grid and interpolated."""
    coarse = plane_grid(head, WARP_GRID, z_mm)
    # cv2.resize aligns pixel centres, which this coarse grid already shares with the fine one.
    values = field(coarse.reshape(3, -1).T).T.reshape(3, WARP_GRID, WARP_GRID).astype(np.float32)
    return np.stack([cv2.resize(v, (matrix, matrix), interpolation=cv2.INTER_LINEAR) for v in values])


def template_points(head: Head, matrix: int, z_mm: float, push=None) -> tuple[np.ndarray, np.ndarray]:
    """Template voxel coordinates (3, matrix, matrix) of a plane: where the lesion geometry lives,
    and where the tissue is looked up (the same, less the mass effect `push`, a function of
    template points (N, 3) -> displacement in voxels)."""
    scanner = plane_grid(head, matrix, z_mm)
    smooth = _smooth(head, matrix, z_mm, head.warp)
    moved = np.einsum("ij,jhw->ihw", head.inverse.astype(np.float32), scanner + smooth) / TEMPLATE_MM
    lesion_space = moved + pivot()[:, None, None]
    if push is None:
        return lesion_space, lesion_space
    displacement = _smooth_template(lesion_space, matrix, push)
    return lesion_space, lesion_space - displacement


def _smooth_template(points: np.ndarray, matrix: int, push) -> np.ndarray:
    step = max(1, matrix // WARP_GRID)
    coarse = points[:, ::step, ::step]
    values = push(coarse.reshape(3, -1).T).T.reshape(coarse.shape).astype(np.float32)
    return np.stack([cv2.resize(v, (matrix, matrix), interpolation=cv2.INTER_LINEAR) for v in values])
