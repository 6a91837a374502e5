"""Trilinear lookup of the packed template channels at arbitrary points (oblique, deformed planes)."""

import numpy as np

from training.atlas.tissues import DEPTH_STEPS_PER_MM, Label

OUTSIDE_HU, OUTSIDE_DEPTH_MM = -1000.0, -50.0
CORNERS = [(dz, dy, dx) for dz in (0, 1) for dy in (0, 1) for dx in (0, 1)]


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HU (int16), depth steps (int8) and label (uint8) views of packed uint32 voxels."""
    as_bytes = packed[..., None].view(np.int8)
    return as_bytes.view(np.int16)[..., 0], as_bytes[..., 2], as_bytes[..., 3].view(np.uint8)


def _corner_weights(frac: np.ndarray) -> np.ndarray:
    """(8, N) trilinear weights in CORNERS order."""
    upper = frac
    lower = 1 - frac
    weights = np.empty((8, frac.shape[1]), np.float32)
    for index, (dz, dy, dx) in enumerate(CORNERS):
        weights[index] = (upper[0] if dz else lower[0]) * (upper[1] if dy else lower[1])
        weights[index] *= upper[2] if dx else lower[2]
    return weights


def sample(packed: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HU and depth inside the dura (mm), trilinear, and the nearest voxel's label at `points`,
    float (3, ...) template voxel coordinates (z, row, col). Points off the template are air."""
    shape = np.array(packed.shape)
    flat_points = points.reshape(3, -1)
    floor = np.floor(flat_points)
    inside = np.all((floor >= 0) & (floor <= (shape - 2)[:, None]), axis=0)
    cell = np.clip(floor, 0, (shape - 2)[:, None]).astype(np.int64)
    frac = np.clip(flat_points - cell, 0, 1).astype(np.float32)
    strides = np.array([shape[1] * shape[2], shape[2], 1])
    base = strides @ cell
    offsets = np.array([strides @ corner for corner in CORNERS])
    corners = np.asarray(packed).ravel()[base[None, :] + offsets[:, None]]
    hu_steps, depth_steps, labels = unpack(corners)
    weights = _corner_weights(frac)
    hu = (weights * hu_steps).sum(axis=0)
    depth = (weights * depth_steps).sum(axis=0) / DEPTH_STEPS_PER_MM
    nearest = (frac > 0.5).astype(np.int64).T @ np.array([4, 2, 1])  # index into CORNERS
    label = labels[nearest, np.arange(base.size)]
    hu[~inside], depth[~inside], label[~inside] = OUTSIDE_HU, OUTSIDE_DEPTH_MM, Label.AIR
    out_shape = points.shape[1:]
    return hu.reshape(out_shape), depth.reshape(out_shape), label.reshape(out_shape)
