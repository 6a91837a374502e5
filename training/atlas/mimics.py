"""Hard negatives common on real scans: calcified falx, tentorium, choroid plexus, pineal and basal
ganglia, and dense dural venous sinuses. Bright like blood, in the places blood goes; never labelled.

Partial volume of bone at the skull base and vertex comes from slab averaging (training.atlas.volume);
beam hardening and the dense inner-table band from the scanner simulation (training.scanner).
"""

from dataclasses import dataclass

import numpy as np

from training.atlas.tissues import mni_to_index

CALCIFIED_HU = (120.0, 600.0)
SINUS_HU, DENSE_SINUS_HU = (38.0, 50.0), (60.0, 78.0)
DENSE_SINUS_FRACTION = 0.3
SINUS_DEPTH_MM = 6.0

# name: (probability, MNI centre (x, y, z) mm, radii (x, y, z) mm ranges, both sides)
CALCIFICATIONS = {
    "pineal": (0.4, (0.0, -32.0, 4.0), ((1.5, 3.5),) * 3, False),
    "choroid_plexus": (0.4, (28.0, -40.0, 16.0), ((2.0, 4.5),) * 3, True),
    "basal_ganglia": (0.1, (19.0, -3.0, 0.0), ((1.5, 4.0),) * 3, True),
    "falx": (0.2, (0.0, None, None), ((0.8, 1.5), (4.0, 14.0), (2.0, 5.0)), False),
    "tentorium": (0.1, (18.0, -55.0, -6.0), ((3.0, 7.0), (3.0, 7.0), (0.8, 1.5)), True),
}


@dataclass(frozen=True)
class Calcification:
    name: str
    center: np.ndarray  # (3,) template voxels
    radii: np.ndarray  # (3,) mm along z, rows, columns
    hu: float

    def apply(self, hu: np.ndarray, points: np.ndarray, depth: np.ndarray) -> None:
        inside = (((points - self.center) / self.radii) ** 2).sum(axis=1) < 1
        inside &= depth > 0
        hu[inside] = np.maximum(hu[inside], self.hu)


def sample_calcifications(rng: np.random.Generator) -> list[Calcification]:
    found = []
    for name, (probability, (x, y, z), radii, both_sides) in CALCIFICATIONS.items():
        if rng.random() >= probability:
            continue
        if name == "falx":
            y, z = rng.uniform(-60, 30), rng.uniform(20, 60)
        size = np.array([rng.uniform(*r) for r in radii])  # x, y, z
        density = rng.uniform(*CALCIFIED_HU)
        for side in (1, -1) if both_sides else (1,):
            center = mni_to_index(side * x, y, z) + rng.uniform(-2, 2, 3).astype(np.float32)
            found.append(Calcification(name, center, size[::-1].astype(np.float32), density))
    return found


@dataclass(frozen=True)
class Sinuses:
    """The superior sagittal and transverse sinuses, triangles against the inner table."""

    hu: float
    dense: bool

    def apply(self, hu: np.ndarray, points: np.ndarray, depth: np.ndarray) -> None:
        near_table = (depth > 0) & (depth < SINUS_DEPTH_MM)
        points, depth = points[near_table], depth[near_table]
        z_mni = points[:, 0] - mni_to_index(0, 0, 0)[0]
        y_mni = mni_to_index(0, 0, 0)[1] - points[:, 1]
        x_mni = mni_to_index(0, 0, 0)[2] - points[:, 2]
        width = 5.0 * (1 - depth / SINUS_DEPTH_MM)
        sagittal = (np.abs(x_mni) < width) & (z_mni > 0)
        transverse = (np.abs(z_mni + 14.0) < width * 0.8) & (y_mni < -60) & (np.abs(x_mni) > 4)
        hu[np.flatnonzero(near_table)[sagittal | transverse]] = self.hu


def sample_sinuses(rng: np.random.Generator) -> Sinuses:
    dense = rng.random() < DENSE_SINUS_FRACTION
    return Sinuses(float(rng.uniform(*(DENSE_SINUS_HU if dense else SINUS_HU))), dense)
