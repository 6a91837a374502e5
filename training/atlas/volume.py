"""Axial slices and whole stacks of atlas heads: pose, bleeds and mimics, slabs averaged across z,
then the scanner's physics (training.scanner).

Levels run from the foramen magnum to the vertex, where the skull is cut tangentially; a slice's
level is drawn uniformly over that range (recorded as LEVEL_DISTRIBUTION), or aimed at a bleed.
"""

from dataclasses import dataclass, field

import numpy as np

from training.atlas.bleeds import INTRAPARENCHYMAL, Bleed, sample_bleeds
from training.atlas.cache import variant
from training.atlas.mimics import Calcification, Sinuses, sample_calcifications, sample_sinuses
from training.atlas.pose import LOWEST_LEVEL_MNI_Z, Head, sample_head, template_points
from training.atlas.sampling import sample
from training.atlas.tissues import OLDER_VARIANTS, Label
from training.datasets.records import SliceRecord
from training.outputs import OUTPUT_NAMES, SUBTYPES
from training.scanner import simulate_scanner

THICKNESS_MM = (0.6, 5.0)
SUBPLANE_MM = 1.5  # slabs are averaged from planes about this far apart, 2 to 5 of them
SUBPLANES = (2, 5)
POSITIVE_FRACTION = 0.5
MIN_AREA_MM2 = 4.0  # a bleed smaller than this in a slice is dropped from its mask and labels
AIM_TRIES = 8
BRAIN_PIVOT_HU, BRAIN_CONTRAST, BRAIN_OFFSET_HU = 30.0, (0.8, 1.2), 3.0
LEVEL_MATCH, LEVEL_TRIES = 0.1, 60  # how near a requested level a positive slice's bleed must lie
LEVEL_DISTRIBUTION = f"uniform in table height from MNI z {LOWEST_LEVEL_MNI_Z:g} mm (foramen magnum) to the vertex"


@dataclass
class HeadVolume:
    hu: np.ndarray  # float32 (slices, rows, cols) HU, slice 0 most inferior
    mask: np.ndarray  # bool, hemorrhage
    labels: np.ndarray  # float32 (slices, 6) in OUTPUT_NAMES order
    spacing_mm: tuple[float, float, float]  # row, col, slice thickness
    brain: np.ndarray  # bool, intracranial space
    extra: dict = field(default_factory=dict)  # pose, anatomy variant, mimics


@dataclass
class Case:
    """One head and what is in it."""

    head: Head
    bleeds: list[Bleed]
    calcifications: list[Calcification]
    sinuses: Sinuses
    brain_contrast: float = 1.0  # grey/white/CSF contrast about BRAIN_PIVOT_HU, differs by head and scanner
    brain_offset_hu: float = 0.0

    def push(self, points: np.ndarray) -> np.ndarray:
        return sum(bleed.push(points) for bleed in self.bleeds if bleed.push_mm > 0)

    def describe(self) -> dict:
        return {
            "anatomy_variant": self.head.variant,
            "tilt_roll_yaw_deg": [round(a, 1) for a in self.head.angles_deg],
            "head_scale": round(self.head.scale, 3),
            "mimics": sorted(
                {c.name for c in self.calcifications} | ({"dense_sinus"} if self.sinuses.dense else set())
            ),
            "bleeds": [b.subtype for b in self.bleeds],
        }


def sample_case(rng: np.random.Generator, positive: bool, variants: range = range(OLDER_VARIANTS)) -> Case:
    head = sample_head(rng, variants)
    bleeds = sample_bleeds(head.variant, rng) if positive else []
    contrast, offset = rng.uniform(*BRAIN_CONTRAST), rng.uniform(-BRAIN_OFFSET_HU, BRAIN_OFFSET_HU)
    return Case(head, bleeds, sample_calcifications(rng), sample_sinuses(rng), contrast, offset)


def _subplane(case: Case, matrix: int, z_mm: float, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One plane: HU, a (len(SUBTYPES), H, W) bool stack of blood by subtype, and the intracranial mask."""
    has_push = any(b.push_mm > 0 for b in case.bleeds)
    lesion_space, tissue_space = template_points(case.head, matrix, z_mm, case.push if has_push else None)
    hu, depth, label = (a.ravel() for a in sample(variant(case.head.variant), tissue_space))
    points = lesion_space.reshape(3, -1).T
    if has_push:
        # Depth where the bleed sits, before the brain was pushed from there.
        depth = depth + np.sqrt(((lesion_space - tissue_space) ** 2).sum(axis=0)).ravel()
    soft_brain = (depth > 0) & (hu < 100.0)
    hu[soft_brain] = BRAIN_PIVOT_HU + (hu[soft_brain] - BRAIN_PIVOT_HU) * case.brain_contrast + case.brain_offset_hu
    case.sinuses.apply(hu, points, depth)
    for calcification in case.calcifications:
        calcification.apply(hu, points, depth)
    blood = np.zeros((len(SUBTYPES), hu.size), bool)
    parenchyma = (label == Label.GREY) | (label == Label.WHITE)
    for bleed in case.bleeds:
        if bleed.subtype == INTRAPARENCHYMAL:
            hu[bleed.edema(points) & parenchyma] -= rng.uniform(6.0, 12.0)
        filled = bleed.occupies(points, depth, label)
        hu[filled] = bleed.blood_hu(points[filled], rng)
        blood[SUBTYPES.index(bleed.subtype)] |= filled
    shape = (matrix, matrix)
    return hu.reshape(shape), blood.reshape(len(SUBTYPES), *shape), (depth > 0).reshape(shape)


def render_slice(case: Case, matrix: int, z_mm: float, thickness_mm: float, rng, physics: bool = True):
    """A slab's HU (averaged across its thickness), bleed masks by subtype, labels, intracranial mask."""
    count = int(np.clip(round(thickness_mm / SUBPLANE_MM), *SUBPLANES))
    offsets = ((np.arange(count) + 0.5) / count - 0.5) * thickness_mm
    planes = [_subplane(case, matrix, z_mm + offset, rng) for offset in offsets]
    hu = np.mean([p[0] for p in planes], axis=0, dtype=np.float32)
    blood = np.mean([p[1] for p in planes], axis=0) >= 0.5
    brain = np.mean([p[2] for p in planes], axis=0) >= 0.5
    pixel_mm = case.head.fov_mm / matrix
    present = blood.sum(axis=(1, 2)) * pixel_mm**2 >= MIN_AREA_MM2
    blood &= present[:, None, None]
    if physics:
        hu = simulate_scanner(hu, rng, (pixel_mm, pixel_mm))
    labels = np.concatenate([[present.any()], present]).astype(np.float32)
    return hu.astype(np.float32), blood.any(axis=0), labels, brain


def _aim(case: Case, rng) -> float:
    """A table height through the first bleed."""
    bleed = case.bleeds[0]
    z = case.head.to_scanner(bleed.center[None])[0, 0]
    return float(z + rng.uniform(-0.4, 0.4) * min(bleed.radius, 10.0))


def _level(case: Case, z_mm: float) -> float:
    low, high = case.head.level_range()
    return (z_mm - low) / (high - low)


def _place(rng, positive: bool, level: float | None, variants: range) -> tuple[Case, float]:
    """A case and a table height: through a bleed, at `level`, or at a random level."""
    for _ in range(LEVEL_TRIES):
        case = sample_case(rng, positive, variants)
        low, high = case.head.level_range()
        if not positive:
            return case, low + (high - low) * (rng.random() if level is None else level)
        z_mm = _aim(case, rng)
        if level is None or abs(_level(case, z_mm) - level) <= LEVEL_MATCH:
            break
    return case, z_mm


def generate_slice(
    seed,
    matrix: int = 256,
    positive: bool | None = None,
    level: float | None = None,
    variants: range = range(OLDER_VARIANTS),
) -> SliceRecord:
    """One axial slice of a random atlas head at a random thickness and level; positive with
    POSITIVE_FRACTION unless `positive` says. `level` (0 foramen magnum, 1 vertex) asks for a level,
    as near as a bleed's place allows. The head is one of the anatomy variants `variants`."""
    rng = np.random.default_rng(seed)
    positive = bool(rng.random() < POSITIVE_FRACTION) if positive is None else positive
    thickness = float(rng.uniform(*THICKNESS_MM))
    for _ in range(AIM_TRIES if positive else 1):
        case, z_mm = _place(rng, positive, level, variants)
        hu, mask, labels, _ = render_slice(case, matrix, z_mm, thickness, rng)
        if labels[0] == bool(positive):
            break
    pixel_mm = case.head.fov_mm / matrix
    return SliceRecord(
        hu=hu,
        mask=mask,
        labels={name: bool(value) for name, value in zip(OUTPUT_NAMES, labels)},
        patient_id=f"atlas-{rng.integers(1 << 31)}",
        slice_index=0,
        spacing_mm=(pixel_mm, pixel_mm, thickness),
        extra=case.describe() | {"level": round(_level(case, z_mm), 3), "source": "atlas"},
    )


def generate_volume(seed, matrix: int = 256, slice_mm: float | None = None, positive: bool | None = None) -> HeadVolume:
    """One whole head as contiguous axial slices from the foramen magnum to above the vertex."""
    rng = np.random.default_rng(seed)
    positive = bool(rng.random() < POSITIVE_FRACTION) if positive is None else positive
    thickness = float(slice_mm or rng.uniform(*THICKNESS_MM))
    case = sample_case(rng, positive)
    low, high = case.head.level_range()
    levels = np.arange(low + thickness / 2, high + thickness, thickness)
    slices = [render_slice(case, matrix, z, thickness, rng) for z in levels]
    hu, mask, labels, brain = (np.stack(parts) for parts in zip(*slices))
    pixel_mm = case.head.fov_mm / matrix
    return HeadVolume(hu, mask, labels, (pixel_mm, pixel_mm, thickness), brain, case.describe())
