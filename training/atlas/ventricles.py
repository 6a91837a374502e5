"""Enlarged ventricles, as in the atrophy of old age and in hydrocephalus: common on real scans, and not hemorrhage.

The atlas is an average adult's, and its ventricles are narrow; an older patient's lateral ventricles are often
half as wide again or more. Drawn in normal and bleeding heads alike, so ventricle size is no evidence of blood.
The enlargement is a smooth magnification about the lateral ventricles' centre, the same displacement field as a
bleed's mass effect (training.atlas.pose.template_points), mostly across and up the head.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np

from training.atlas.cache import variant
from training.atlas.sampling import unpack
from training.atlas.tissues import Label

ENLARGED_FRACTION = 0.5  # of heads
STRETCH = (0.15, 0.55)  # magnification 1 / (1 - stretch) at the centre: 1.2-2.2x
AXIS_WEIGHT = np.array([1.0, 0.5, 1.0], np.float32)  # z, rows (anterior-posterior), columns
REACH = 2.0  # the magnification fades over this many standard deviations of the ventricles' extent


@dataclass(frozen=True)
class Ventricles:
    center: np.ndarray  # (3,) template voxels
    radii: np.ndarray  # (3,) voxels, where the magnification has faded to 1/e
    stretch: float

    def push(self, points: np.ndarray) -> np.ndarray:
        """Template points (N, 3) -> displacement: points near the ventricles show tissue from nearer their centre."""
        offset = points - self.center
        falloff = np.exp(-((offset / self.radii) ** 2).sum(axis=1, keepdims=True))
        return self.stretch * AXIS_WEIGHT * offset * falloff


@cache
def _extent(variant_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre and standard deviation (template voxels) of the variant's ventricles."""
    label = unpack(variant(variant_index)[::2, ::2, ::2])[2]
    points = np.argwhere(label == Label.VENTRICLE).astype(np.float32) * 2
    return points.mean(axis=0), points.std(axis=0)


def sample_ventricles(variant_index: int, rng: np.random.Generator) -> Ventricles | None:
    if rng.random() >= ENLARGED_FRACTION:
        return None
    center, spread = _extent(variant_index)
    return Ventricles(center, (REACH * spread).astype(np.float32), float(rng.uniform(*STRETCH)))
