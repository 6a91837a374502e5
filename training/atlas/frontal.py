"""The front of the skull that the average head lacks: a closed anterior cranial fossa and a frontal sinus.

Averaging many heads blurs the frontal sinus (air in some, bone in others) and the thin orbital roofs into
soft-tissue values, so the atlas's brain meets the forehead's fat and muscle with no bone between them at the
levels of the orbits and above. Every real head has bone there, and most adults a frontal sinus: an air cell
between two tables of the frontal bone whose thin back wall lies against the frontal lobes, up to the level of
the lateral ventricles in some heads. Where that wall meets the slice at a slant, its partial volume brightens
the brain behind it, a common place for a model to see a thin subdural bleed.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from training.atlas.template import MNI_ORIGIN_INDEX, Atlas

# The anterior fossa's floor and front: where the dura has no bone within this reach, a plate is laid.
PLATE_MM = 2.0
BONELESS_REACH_MM = 3.0
ANTERIOR_MNI_Y = 0.0  # the plate is laid only in front of this, so the foramen magnum and the rest stay as drawn
PLATE_MNI_Z = (-45.0, 45.0)
# The sinus, in MNI mm: a cell between the tables, centred on the midline above the nasion.
SINUS_BOTTOM_MNI_Z = (-30.0, -20.0)
SINUS_TOP_MNI_Z = (-8.0, 30.0)  # small sinuses end at the orbital roofs, large ones reach the ventricles
SINUS_HALF_WIDTH_MM = (10.0, 32.0)
SINUS_DEPTH_MM = (5.0, 14.0)  # front to back, between the two walls
WALL_MM = (1.0, 2.2)  # the back wall is thin; the front wall a little thicker
SCALP_LEFT_MM = 3.0  # the sinus never thins the forehead's soft tissue below this
SEPTUM_MM = 1.0
ANTERIOR_SINUS_MNI_Y = 25.0


@dataclass(frozen=True)
class FrontalSinus:
    bottom_z: float
    top_z: float
    half_width_mm: float
    depth_mm: float
    back_wall_mm: float
    front_wall_mm: float
    septum_x: float


def sample_frontal_sinus(rng: np.random.Generator) -> FrontalSinus:
    bottom, top = rng.uniform(*SINUS_BOTTOM_MNI_Z), rng.uniform(*SINUS_TOP_MNI_Z)
    back, front = sorted(rng.uniform(*WALL_MM, 2))
    return FrontalSinus(
        bottom_z=bottom,
        top_z=max(top, bottom + 10.0),
        half_width_mm=rng.uniform(*SINUS_HALF_WIDTH_MM),
        depth_mm=rng.uniform(*SINUS_DEPTH_MM),
        back_wall_mm=back,
        front_wall_mm=front,
        septum_x=rng.uniform(-6.0, 6.0),
    )


def _mni(shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MNI x, y, z (mm) of each template voxel, broadcastable (the inverse of tissues.mni_to_index)."""
    z0, row0, col0 = MNI_ORIGIN_INDEX
    z, rows, cols = np.ogrid[: shape[0], : shape[1], : shape[2]]
    return (col0 - cols).astype(np.float32), (row0 - rows).astype(np.float32), (z - z0).astype(np.float32)


def outside_dura_mm(atlas: Atlas) -> np.ndarray:
    """float32 mm from the brain's dura, 0 inside it. The atlas's intracranial mask also holds the two globes,
    which the skull must not wrap, so only its largest component counts."""
    labels, count = ndimage.label(atlas.intracranial)
    sizes = ndimage.sum(atlas.intracranial, labels, range(1, count + 1))
    brain = labels == 1 + int(np.argmax(sizes))
    return ndimage.distance_transform_edt(~brain).astype(np.float32)


def anterior_plate(atlas: Atlas, outside_dura: np.ndarray) -> np.ndarray:
    """bool: voxels just outside the dura, in front, with no bone near them: where the plate goes."""
    _, y, z = _mni(atlas.shape)
    shell = (outside_dura > 0) & (outside_dura <= PLATE_MM) & ~atlas.outside
    region = (y > ANTERIOR_MNI_Y) & (z > PLATE_MNI_Z[0]) & (z < PLATE_MNI_Z[1])
    return shell & region & (atlas.bone_distance > BONELESS_REACH_MM)


def sinus_cell(atlas: Atlas, sinus: FrontalSinus, outside_dura: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """bool air cell and bool walls around it (including a septum), on the template grid."""
    x, y, z = _mni(atlas.shape)
    middle, half_height = (sinus.top_z + sinus.bottom_z) / 2, (sinus.top_z - sinus.bottom_z) / 2
    ellipse = (x / sinus.half_width_mm) ** 2 + ((z - middle) / half_height) ** 2 < 1.0
    between = (outside_dura > sinus.back_wall_mm) & (outside_dura < sinus.back_wall_mm + sinus.depth_mm)
    between &= -atlas.inner_distance > sinus.back_wall_mm  # clear of the globes too
    cell = ellipse & between & (y > ANTERIOR_SINUS_MNI_Y) & (atlas.scalp_depth > SCALP_LEFT_MM + sinus.front_wall_mm)
    cell &= ~atlas.outside
    reach = ndimage.distance_transform_edt(~cell)
    walls = (reach > 0) & (reach <= sinus.front_wall_mm) & ~atlas.intracranial & ~atlas.outside
    walls |= cell & (np.abs(x - sinus.septum_x) < SEPTUM_MM / 2)
    return cell & ~walls, walls


def describe_ranges() -> dict:
    """What the frontal variants draw from, for the model card."""
    return {
        "anterior_plate_mm": PLATE_MM,
        "sinus_bottom_top_mni_z": [list(SINUS_BOTTOM_MNI_Z), list(SINUS_TOP_MNI_Z)],
        "sinus_half_width_mm": list(SINUS_HALF_WIDTH_MM),
        "sinus_depth_mm": list(SINUS_DEPTH_MM),
        "wall_mm": list(WALL_MM),
        "sinuses": "one per frontal variant, drawn once (training.atlas.tissues.FRONTAL_VARIANTS)",
    }
