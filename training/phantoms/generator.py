"""One call, one phantom slice: anatomy, optional bleeds with mass effect, then rendering to HU."""

from dataclasses import dataclass, field

import cv2
import numpy as np

from training.phantoms import lesions as lesion_types
from training.phantoms.anatomy import Tissue, build_anatomy
from training.phantoms.head_frame import sample_frame
from training.phantoms.rendering import (
    add_beam_hardening,
    add_blur_and_noise,
    add_skull_and_scalp,
    add_skull_base,
    tissue_hu,
)
from training.phantoms.skull import skull_thickness_mm
from training.scanner.simulate import simulate_scanner

MATRICES = (256, 512)
POSITIVE_FRACTION = 0.5
EDEMA_DROP_HU = (8.0, 14.0)


@dataclass
class PhantomSlice:
    hu: np.ndarray  # float32 (H, W), Hounsfield units
    mask: np.ndarray  # bool (H, W), any hemorrhage
    labels: dict[str, bool] = field(default_factory=dict)  # per subtype
    spacing_mm: float = 1.0
    level: float = 0.5  # 0 = skull base, 1 = vertex

    @property
    def positive(self) -> bool:
        return bool(self.mask.any())


def _sample_subtypes(rng) -> list[str]:
    count = rng.choice([1, 2, 3], p=[0.7, 0.25, 0.05])
    return list(rng.choice(lesion_types.SUBTYPES, size=count, replace=False))


def _sample_level(rng, subtypes: list[str]) -> float:
    if lesion_types.INTRAVENTRICULAR in subtypes:
        return rng.uniform(0.4, 0.6)  # where the lateral ventricles are widest
    return rng.uniform(0.05, 0.95)


def _place(builder, frame, labels, rng, tries: int = 6):
    for _ in range(tries):
        lesion = builder(frame, labels, rng)
        if lesion_types.big_enough(lesion, frame):
            return lesion
    return None


def generate_phantom(
    seed: int | np.random.SeedSequence | np.random.Generator,
    matrix: int | None = None,
    positive: bool | None = None,
    ct_physics: bool = False,
) -> PhantomSlice:
    """A deterministic phantom for a seed. matrix and positive are drawn from the seed unless given.

    `ct_physics` (the procedural_ct source): a skull whose thickness varies as an adult's (training.phantoms.skull)
    and training.scanner's CT rendering (inner-table band and partial volume, beam hardening, kernel-shaped noise,
    occasional artefacts) instead of the default blur and noise. Off, the phantom is the same as ever for a seed."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    matrix = int(matrix or rng.choice(MATRICES))
    positive = bool(rng.random() < POSITIVE_FRACTION) if positive is None else positive
    subtypes = _sample_subtypes(rng) if positive else []
    level = _sample_level(rng, subtypes)
    frame = sample_frame(rng, matrix, level)
    if ct_physics:
        frame.skull_mm = skull_thickness_mm(frame, level, rng)
    anatomy = build_anatomy(frame, rng, level)

    # Space-occupying bleeds first, then deform the anatomy around them.
    placed = [
        _place(lesion_types.BUILDERS[s], frame, anatomy.labels, rng)
        for s in subtypes
        if s in lesion_types.SPACE_OCCUPYING
    ]
    placed = [lesion for lesion in placed if lesion is not None]
    labels = anatomy.labels
    maps = lesion_types.mass_effect_maps(frame, placed)
    if maps is not None:
        labels = cv2.remap(labels, *maps, cv2.INTER_NEAREST, borderValue=int(Tissue.OUTSIDE))
        labels[~anatomy.brain] = Tissue.OUTSIDE
    for subtype in subtypes:
        if subtype not in lesion_types.SPACE_OCCUPYING:
            lesion = _place(lesion_types.BUILDERS[subtype], frame, labels, rng)
            if lesion is not None:
                placed.append(lesion)

    hu = tissue_hu(labels, rng)
    mask = np.zeros((matrix, matrix), bool)
    for lesion in placed:
        if lesion.edema is not None:
            hu[lesion.edema & ~mask] -= rng.uniform(*EDEMA_DROP_HU)
        # Clot density varies a little within a bleed (retraction, hematocrit).
        hu[lesion.mask] = lesion.blood_hu + rng.normal(0.0, 3.0, int(lesion.mask.sum()))
        mask |= lesion.mask

    hu = add_skull_and_scalp(hu, frame, rng)
    hu = add_skull_base(hu, frame, rng, level)
    mask &= hu < 200  # bone drawn over a bleed wins
    if ct_physics:
        hu = simulate_scanner(hu, rng, (frame.spacing_mm, frame.spacing_mm))
    else:
        hu = add_beam_hardening(hu, frame, rng, level)
        hu = add_blur_and_noise(hu, rng)
    present = {lesion.subtype for lesion in placed}
    return PhantomSlice(
        hu=hu,
        mask=mask,
        labels={s: s in present for s in lesion_types.SUBTYPES},
        spacing_mm=frame.spacing_mm,
        level=level,
    )


def phantom_seeds(base_seed: int, count: int) -> list[np.random.SeedSequence]:
    """Independent, reproducible seeds: phantom i of a set depends only on (base_seed, i)."""
    return [np.random.SeedSequence([base_seed, index]) for index in range(count)]


def generate_batch(base_seed: int, count: int, matrix: int | None = None) -> list[PhantomSlice]:
    return [generate_phantom(seed, matrix=matrix) for seed in phantom_seeds(base_seed, count)]
