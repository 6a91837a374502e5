"""Acute bleeds of the five subtypes as 3-D shapes in template space, placed by anatomy.

Epidural: a biconvex lens against the inner table. Subdural: a wide crescent along it, down to a
2 mm rim. Subarachnoid: blood filling the sulci or cisterns near a point, down to one sulcus.
Intraparenchymal: a lobulated ellipsoid with an oedema rim, down to a small basal contusion.
Intraventricular: blood filling part of a ventricle, layering posteriorly (patients lie supine).
Epidural, subdural and intraparenchymal bleeds push the brain away (mass effect).
"""

from dataclasses import dataclass
from functools import cache

import numpy as np

from training.atlas.cache import variant
from training.atlas.sampling import unpack
from training.atlas.tissues import DEPTH_STEPS_PER_MM, Label, mni_to_index
from training.outputs import SUBTYPES

EPIDURAL, SUBDURAL, SUBARACHNOID, INTRAPARENCHYMAL, INTRAVENTRICULAR = SUBTYPES
ACUTE_HU = (55.0, 80.0)
SWIRL_FRACTION = 0.25  # hyperacute bleeds with unclotted, hypodense swirls
SWIRL_DROP_HU = (15.0, 30.0)
EDEMA_DROP_HU = (6.0, 12.0)
SUBTYPE_COUNTS, SUBTYPE_COUNT_P = (1, 2, 3), (0.7, 0.25, 0.05)


@dataclass(frozen=True)
class Bleed:
    subtype: str
    center: np.ndarray  # (3,) template voxels (1 mm)
    radius: float  # mm: extent along the surface, or the ellipsoid's mean radius
    thickness: float = 0.0  # mm, epidural and subdural
    axes: np.ndarray | None = None  # (3, 3) ellipsoid axes scaled by their radii, intraparenchymal
    density: float = 65.0
    swirl: np.ndarray | None = None  # (2, 3) wave vectors of hypodense swirls, or None
    push_mm: float = 0.0  # mass effect at the bleed's edge

    def occupies(self, points: np.ndarray, depth: np.ndarray, label: np.ndarray) -> np.ndarray:
        """Which (N, 3) template points the blood fills; depth (mm inside the dura) and label at them."""
        offset = points - self.center
        distance = np.sqrt((offset**2).sum(axis=1))
        reach = np.clip(1 - (distance / self.radius) ** 2, 0, None)
        if self.subtype == EPIDURAL:
            return (depth >= 0) & (depth < self.thickness * np.sqrt(reach))
        if self.subtype == SUBDURAL:
            return (depth >= 0) & (depth < self.thickness * reach**0.3)
        if self.subtype == SUBARACHNOID:
            return (label == Label.CSF) & (reach > 0)
        if self.subtype == INTRAVENTRICULAR:
            return (label == Label.VENTRICLE) & (reach > 0) & (offset[:, 1] > -0.3 * self.radius)
        return self._in_ellipsoid(offset) & (depth > 0)

    def _in_ellipsoid(self, offset: np.ndarray) -> np.ndarray:
        return (np.linalg.solve(self.axes.T, offset.T) ** 2).sum(axis=0) < 1

    def edema(self, points: np.ndarray) -> np.ndarray:
        """A rim of hypodense oedema around an intraparenchymal bleed."""
        if self.subtype != INTRAPARENCHYMAL:
            return np.zeros(len(points), bool)
        return (np.linalg.solve(self.axes.T, (points - self.center).T) ** 2).sum(axis=0) < 1.8**2

    def blood_hu(self, points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        hu = np.full(len(points), self.density, np.float32) + rng.normal(0, 2.0, len(points)).astype(np.float32)
        if self.swirl is not None:
            swirl = np.sin(points @ self.swirl[0]) + np.sin(points @ self.swirl[1])
            hu -= np.float32(SWIRL_DROP_HU[1]) * (swirl > 0.5)
        return hu

    def push(self, points: np.ndarray) -> np.ndarray:
        """Mass effect: template points near the bleed show tissue from nearer its centre."""
        offset = points - self.center
        distance = np.sqrt((offset**2).sum(axis=1, keepdims=True)) + 1e-3
        falloff = np.exp(-((distance / (1.5 * self.radius)) ** 2))
        return self.push_mm * offset / distance * falloff


@cache
def _sites(variant_index: int) -> dict[str, np.ndarray]:
    """Candidate centres (template voxels) for each subtype, from the variant's own anatomy."""
    _, depth_steps, label = (np.ascontiguousarray(a) for a in unpack(variant(variant_index)[::2, ::2, ::2]))
    depth = depth_steps / DEPTH_STEPS_PER_MM
    z = np.arange(label.shape[0])[:, None, None] * 2
    above_base = z > mni_to_index(0, 0, -25)[0]
    rows = np.arange(label.shape[1])[None, :, None] * 2
    basal = (z > mni_to_index(0, 0, -35)[0]) & (z < mni_to_index(0, 0, -5)[0])
    frontal_or_temporal = rows < mni_to_index(0, 5, 0)[1]
    parenchyma = (label == Label.GREY) | (label == Label.WHITE)

    def where(mask):
        return (np.argwhere(mask) * 2).astype(np.float32)

    return {
        "surface": where((depth > 0) & (depth <= 2) & above_base),
        SUBARACHNOID: where((label == Label.CSF) & (depth > 2) & (depth < 25)),
        "cistern": where((label == Label.CSF) & (depth > 25)),
        INTRAVENTRICULAR: where(label == Label.VENTRICLE),
        INTRAPARENCHYMAL: where(parenchyma & (depth > 8)),
        "contusion": where(parenchyma & basal & frontal_or_temporal & (depth > 2) & (depth < 12)),
    }


def _pick(points: np.ndarray, rng) -> np.ndarray:
    return points[rng.integers(len(points))] + rng.uniform(-1, 1, 3).astype(np.float32)


def _swirl(rng) -> np.ndarray | None:
    if rng.random() >= SWIRL_FRACTION:
        return None
    directions = rng.standard_normal((2, 3))
    return directions / np.linalg.norm(directions, axis=1, keepdims=True) * (2 * np.pi / rng.uniform(6, 14, (2, 1)))


def sample_bleed(subtype: str, variant_index: int, rng: np.random.Generator) -> Bleed:
    """One bleed of `subtype`, small and subtle ones included, placed by the head's anatomy."""
    sites = _sites(variant_index)
    density, swirl = rng.uniform(*ACUTE_HU), _swirl(rng)
    if subtype in (EPIDURAL, SUBDURAL):
        subtle = subtype == SUBDURAL and rng.random() < 0.3
        thickness = rng.uniform(1.5, 3.0) if subtle else rng.uniform(3.0, 18.0 if subtype == EPIDURAL else 14.0)
        radius = rng.uniform(15, 35) if subtype == EPIDURAL else rng.uniform(35, 75)
        return Bleed(
            subtype, _pick(sites["surface"], rng), radius, thickness, None, density, swirl, push_mm=0.7 * thickness
        )
    if subtype == SUBARACHNOID:
        cistern = rng.random() < 0.25
        single_sulcus = not cistern and rng.random() < 0.4
        radius = rng.uniform(5, 9) if single_sulcus else rng.uniform(15, 35)
        return Bleed(subtype, _pick(sites["cistern" if cistern else subtype], rng), radius, density=density)
    if subtype == INTRAVENTRICULAR:
        return Bleed(subtype, _pick(sites[subtype], rng), rng.uniform(8, 25), density=density)
    contusion = rng.random() < 0.3 and len(sites["contusion"])
    mean_radius = rng.uniform(3, 6) if contusion else rng.uniform(6, 24)
    rotation, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    axes = rotation * (mean_radius * rng.uniform(0.7, 1.3, 3))[None, :]
    center = _pick(sites["contusion" if contusion else subtype], rng)
    return Bleed(subtype, center, mean_radius, 0.0, axes.T, density, swirl, push_mm=0.5 * mean_radius)


def sample_bleeds(variant_index: int, rng: np.random.Generator) -> list[Bleed]:
    """One to three bleeds of distinct subtypes."""
    count = rng.choice(SUBTYPE_COUNTS, p=SUBTYPE_COUNT_P)
    return [sample_bleed(s, variant_index, rng) for s in rng.choice(SUBTYPES, size=count, replace=False)]
