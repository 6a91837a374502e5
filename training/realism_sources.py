"""Slices for the realism check: generated ones at a chosen level, and the real normal scan's.

Levels run from 0 (the foramen magnum) to 1 (the vertex, where the skull is cut tangentially), linear
in table height: training.atlas's convention. The real scan is placed on that scale by those two
landmarks, read off its slices by eye (anatomy, not a fitted parameter).
"""

from pathlib import Path

import numpy as np
import pydicom

from training.phantoms.anatomy import build_anatomy
from training.phantoms.head_frame import sample_frame
from training.phantoms.rendering import add_skull_and_scalp, add_skull_base, tissue_hu
from training.phantoms.skull import skull_thickness_mm
from training.scanner import simulate_scanner

REAL_SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
# invesalius_0051, slices sorted foot to head: the ring of the foramen magnum closes at index 4, and
# index 102 is the last to cut the skull's cap.
REAL_FORAMEN_MAGNUM_INDEX, REAL_VERTEX_INDEX = 4, 102
# The real scan has 0.48 mm pixels; generated heads at 512 have about the same, so spectra cover the same band.
GENERATED_MATRIX = 512
# The procedural phantom's levels (0 skull base, 1 vertex) are its own, only roughly the atlas's.


def load_real_volume(folder: Path = REAL_SCAN) -> tuple[np.ndarray, tuple[float, float]]:
    """float32 (slices, H, W) HU ordered foot to head, and the (row, column) pixel spacing."""
    datasets = [pydicom.dcmread(path) for path in sorted(folder.glob("*.dcm"))]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    volume = np.stack([ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in datasets])
    spacing = tuple(float(v) for v in datasets[0].PixelSpacing)
    return volume.astype(np.float32), spacing


def real_levels(count: int) -> np.ndarray:
    """The level of each of the real scan's `count` slices (foot to head)."""
    return (np.arange(count) - REAL_FORAMEN_MAGNUM_INDEX) / (REAL_VERTEX_INDEX - REAL_FORAMEN_MAGNUM_INDEX)


def procedural_clean(
    seed: int, level: float, matrix: int, ct_skull: bool = False
) -> tuple[np.ndarray, tuple[float, float]]:
    """A normal procedural head at `level` before any scanner effect; `ct_skull`: the procedural_ct source's skull."""
    rng = np.random.default_rng([seed, int(level * 1000)])
    frame = sample_frame(rng, matrix, level)
    if ct_skull:
        frame.skull_mm = skull_thickness_mm(frame, level, rng)
    anatomy = build_anatomy(frame, rng, level)
    hu = add_skull_base(add_skull_and_scalp(tissue_hu(anatomy.labels, rng), frame, rng), frame, rng, level)
    return hu, (frame.spacing_mm, frame.spacing_mm)


def atlas_clean(seed: int, level: float, matrix: int) -> tuple[np.ndarray, tuple[float, float]]:
    """A normal atlas head at `level` (a slab of random thickness) before any scanner effect."""
    from training.atlas.volume import THICKNESS_MM, render_slice, sample_case

    rng = np.random.default_rng([seed, int(level * 1000)])
    case = sample_case(rng, positive=False)
    low, high = case.head.level_range()
    thickness = float(rng.uniform(*THICKNESS_MM))
    hu = render_slice(case, matrix, low + level * (high - low), thickness, rng, physics=False)[0]
    pixel_mm = case.head.fov_mm / matrix
    return hu, (pixel_mm, pixel_mm)


def clean_source():
    """(name, function (seed, level, matrix) -> clean (HU, spacing)): the atlas when present, else procedural."""
    try:
        import training.atlas.volume  # noqa: F401
    except ImportError:
        return "procedural", procedural_clean
    return "atlas", atlas_clean


def generated_slices(
    level: float, count: int, seed: int, matrix: int = GENERATED_MATRIX
) -> list[tuple[np.ndarray, tuple[float, float]]]:
    """`count` normal generated slices at `level`, through training.scanner."""
    _, clean = clean_source()
    slices = []
    for index in range(count):
        hu, spacing = clean(seed + index, level, matrix)
        slices.append((simulate_scanner(hu, np.random.default_rng([seed, index]), spacing), spacing))
    return slices
