"""Geometry of one head in one slice: a rotated, perturbed ellipse in millimetres.

Coordinates: u is patient left-right, v is anterior (+) to posterior (-), both in mm from the
head centre. Images are row-major with anterior at the top, as radiology displays them.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class HeadFrame:
    matrix: int
    spacing_mm: float
    center_px: tuple[float, float]
    angle_rad: float
    semi_axes_mm: tuple[float, float]
    harmonics: np.ndarray  # (K, 2): relative amplitude and phase of cos(k*theta) terms
    skull_mm: float | np.ndarray  # width of the bone from the inner table; (H, W) where it varies

    def __post_init__(self) -> None:
        ys, xs = np.mgrid[0 : self.matrix, 0 : self.matrix].astype(np.float32)
        dx = (xs - self.center_px[0]) * self.spacing_mm
        dy = (self.center_px[1] - ys) * self.spacing_mm
        cos, sin = np.cos(self.angle_rad), np.sin(self.angle_rad)
        self.u = dx * cos + dy * sin
        self.v = -dx * sin + dy * cos
        self.rho = np.hypot(self.u, self.v)
        self.theta = np.arctan2(self.v, self.u)
        # Signed distance (mm, approximately) from the inner table; negative inside the skull.
        self.depth = self.rho - self.inner_radius(self.theta)

    def inner_radius(self, theta: np.ndarray) -> np.ndarray:
        """Radius (mm) of the inner table of the skull at angle theta."""
        a, b = self.semi_axes_mm
        base = a * b / np.sqrt((b * np.cos(theta)) ** 2 + (a * np.sin(theta)) ** 2)
        wobble = sum(amp * np.cos(k * theta + phase) for k, (amp, phase) in enumerate(self.harmonics, start=2))
        return base * (1.0 + wobble)

    def to_px(self, u_mm, v_mm) -> np.ndarray:
        """Head-frame points (mm) -> integer pixel (x, y) pairs, shaped for cv2 drawing."""
        u_mm, v_mm = np.asarray(u_mm, dtype=np.float64), np.asarray(v_mm, dtype=np.float64)
        cos, sin = np.cos(self.angle_rad), np.sin(self.angle_rad)
        x = self.center_px[0] + (u_mm * cos - v_mm * sin) / self.spacing_mm
        y = self.center_px[1] - (u_mm * sin + v_mm * cos) / self.spacing_mm
        return np.stack([x, y], axis=-1).round().astype(np.int32)

    def mm_to_px(self, length_mm: float) -> int:
        return max(1, round(length_mm / self.spacing_mm))


def sample_frame(rng: np.random.Generator, matrix: int, level: float) -> HeadFrame:
    """A random head at a given slice level (0 = skull base, 1 = vertex)."""
    fov_mm = rng.uniform(200.0, 250.0)
    spacing = fov_mm / matrix
    # Axial cross-sections shrink towards the vertex and, less, towards the base.
    taper = np.sqrt(max(0.3, 1.0 - ((level - 0.4) / 0.8) ** 2))
    semi_axes = (rng.uniform(60.0, 72.0) * taper, rng.uniform(76.0, 92.0) * taper)
    harmonics = np.stack([rng.normal(0.0, 0.02, 3), rng.uniform(0, 2 * np.pi, 3)], axis=1)
    offset = rng.normal(0.0, 6.0, 2) / spacing
    return HeadFrame(
        matrix=matrix,
        spacing_mm=spacing,
        center_px=(matrix / 2 + offset[0], matrix / 2 + offset[1]),
        angle_rad=np.deg2rad(rng.uniform(-15.0, 15.0)),
        semi_axes_mm=semi_axes,
        harmonics=harmonics,
        skull_mm=rng.uniform(5.0, 8.0),
    )
