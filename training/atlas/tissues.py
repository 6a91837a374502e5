"""Crisp tissues from the blurred average: sulci, grey/white boundaries and texture, skull tables and
diploe, scalp skin and fat, air cells. One variant per (gyral pattern, atrophy), cached per process.

The atlas is an average of many heads, so its cortex is a smooth grey haze. Sulci are drawn as the
zero sheets of a band-limited random field inside the cortical band (they cut axial planes in the
meandering lines real sulci do); atrophy widens them and lowers the CSF threshold, which opens the
ventricles and the convexity spaces.
"""

from enum import IntEnum
from functools import lru_cache

import numpy as np
from scipy import ndimage

from training.atlas.frontal import anterior_plate, outside_dura_mm, sample_frontal_sinus, sinus_cell
from training.atlas.template import MNI_ORIGIN_INDEX, Atlas, load_atlas

# Per variant; 1 = marked atrophy of old age, 0 = the template (an average of older adults), below 0 = younger
# brains, whose cortex reaches the inner table under a thin film of CSF.
ATROPHY = (0.0, 0.35, 0.7, 1.0, -0.5, -1.0)
VARIANTS = len(ATROPHY)
OLDER_VARIANTS = 4  # variants 0-3: the template's age and older (the "atlas" source)
# Variants 6-9: the older brains again, each with the front of its skull closed and its own frontal sinus
# (training.atlas.frontal; the "atlas_sinus" source).
FRONTAL_VARIANTS = range(VARIANTS, VARIANTS + OLDER_VARIANTS)
# One skull and scalp for every variant, from a fixed seed, so that adding variants leaves the heads the served
# classifier learned exactly as they are.
OUTSIDE_SEED = (20120, 4)
YOUNG_RIM_MM = 1.0  # the CSF film a young brain keeps under the inner table
YOUNG_CAP_MM = 10.0  # how deep the template's convexity CSF thins in young brains
YOUNG_MARGIN = 0.6  # how much more CSF than tissue the template must show there, at the youngest
CORTEX_DEPTH_MM = 24.0  # sulci live within this of the inner table
SULCUS_DEPTH_MM = (10.0, 22.0)  # shallow and deep sulci
SPHERE_GRID, SPHERE_RADIUS, SPHERE_SIGMA = 96, 40.0, 2.0  # gyri about 10-15 mm apart on the cortex
VENTRICLE_DEPTH_MM = 14.0
SKULL_TABLE_MM = 1.7
SKIN_MM = 1.6
DEPTH_STEPS_PER_MM = 2  # depth is stored in half millimetres, up to 63.5 mm


class Label(IntEnum):
    AIR = 0
    SOFT = 1
    BONE = 2
    CSF = 3  # sulci and cisterns
    VENTRICLE = 4
    GREY = 5
    WHITE = 6
    FAT = 7


# Mean HU of each class; texture is added around them.
HU = {
    Label.AIR: -1000.0,
    Label.SOFT: 40.0,
    Label.BONE: 1500.0,
    Label.CSF: 7.0,
    Label.VENTRICLE: 5.0,
    Label.GREY: 38.0,
    Label.WHITE: 28.0,
    Label.FAT: -95.0,
}
DIPLOE_HU = 600.0
DURA_HU = 48.0


def mni_to_index(x: float, y: float, z: float) -> np.ndarray:
    """MNI millimetres to template voxel (z, row, col), from the NIfTI affine and the padding."""
    z0, row0, col0 = MNI_ORIGIN_INDEX
    return np.array([z0 + z, row0 - y, col0 - x], np.float32)


def brain_of(index: int) -> int:
    """The variant whose brain variant `index` has: a frontal variant shares its brain with an older one."""
    return index - FRONTAL_VARIANTS.start if index in FRONTAL_VARIANTS else index


def atrophy(index: int) -> float:
    return ATROPHY[brain_of(index)]


def _noise(shape, rng, sigma: float) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma)
    return field / field.std()


def _sulci(cortex: np.ndarray, depth: np.ndarray, width: float, rng) -> np.ndarray:
    """Sheets running in from the surface: the zero set of a random field on a sphere, extended
    radially, so that axial planes cut them as lines from the convexity inwards; each reaches its
    own depth."""
    sphere_noise = _noise((SPHERE_GRID,) * 3, rng, SPHERE_SIGMA)
    depth_noise = _noise((SPHERE_GRID,) * 3, rng, SPHERE_SIGMA * 2)
    points = np.argwhere(cortex).astype(np.float32)
    directions = points - points.mean(axis=0)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True) + 1e-6
    on_sphere = (SPHERE_GRID / 2 + SPHERE_RADIUS * directions).T
    sheet = np.abs(ndimage.map_coordinates(sphere_noise, on_sphere, order=1)) < width
    reach = SULCUS_DEPTH_MM[0] + np.ptp(SULCUS_DEPTH_MM) * (
        ndimage.map_coordinates(depth_noise, on_sphere, order=1) > 0
    )
    sulci = np.zeros(cortex.shape, bool)
    sulci[cortex] = sheet & (depth[cortex] < reach)
    return sulci


def _brain(atlas: Atlas, atrophy: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Labels and HU inside the dura."""
    shape = atlas.shape
    texture = _noise(shape, rng, 0.8)
    depth = atlas.inner_distance
    tissue = np.maximum(atlas.grey, atlas.white)
    if atrophy >= 0:
        csf = atlas.csf + 0.25 * atrophy > tissue
    else:
        thinning = np.clip(1 - depth / YOUNG_CAP_MM, 0, 1) * (depth > YOUNG_RIM_MM)
        csf = atlas.csf - YOUNG_MARGIN * -atrophy * thinning > tissue
    cortex = (atlas.grey > 0.2) & (depth < CORTEX_DEPTH_MM)
    sulci = _sulci(cortex, depth, 0.1 + 0.12 * max(atrophy, -0.4), rng)
    white = atlas.white + 0.12 * _noise(shape, rng, 2.0) > atlas.grey
    label = np.where(white, Label.WHITE, Label.GREY).astype(np.uint8)
    label[csf | sulci] = Label.CSF
    z = np.arange(shape[0])[:, None, None]
    ventricle = csf & ~sulci & (depth > VENTRICLE_DEPTH_MM) & (z > mni_to_index(0, 0, -8)[0])
    label[ventricle] = Label.VENTRICLE
    hu = np.select([label == c for c in Label], [HU[c] for c in Label]).astype(np.float32) + 2.0 * texture
    cols = np.arange(shape[2])[None, None, :]
    falx = (np.abs(cols - mni_to_index(0, 0, 0)[2]) < 0.8) & (z > mni_to_index(0, 0, 5)[0]) & ~white & ~ventricle
    hu[falx] = DURA_HU
    return label, hu


def _outside_brain(atlas: Atlas, rng) -> tuple[np.ndarray, np.ndarray]:
    """Labels and HU of skull, air and scalp."""
    shape = atlas.shape
    fine = _noise(shape, rng, 0.7)
    label = np.full(shape, Label.SOFT, np.uint8)
    hu = HU[Label.SOFT] + 4.0 * fine
    scalp_share = atlas.scalp_depth / (atlas.scalp_depth + atlas.bone_distance + 1e-3)
    fat = (atlas.hu < -30.0) | ((scalp_share < 0.6) & (atlas.hu < 15.0))
    label[fat] = Label.FAT
    hu[fat] = HU[Label.FAT] + 8.0 * fine[fat]
    skin = atlas.scalp_depth < SKIN_MM
    label[skin] = Label.SOFT
    hu[skin] = HU[Label.SOFT] + 3.0 * fine[skin]
    # Tables are compact bone; the diploe between them is marrow with trabeculae. The petrous bone,
    # brightest in the average, is compact throughout.
    label[atlas.bone] = Label.BONE
    compact = (atlas.bone_depth < SKULL_TABLE_MM) | (atlas.hu > 420.0)
    trabecular = _noise(shape, rng, 0.6)
    hu[atlas.bone] = np.where(compact, HU[Label.BONE] + 150.0 * fine, DIPLOE_HU + 220.0 * trabecular)[atlas.bone]
    z, _, cols = np.ogrid[: shape[0], : shape[1], : shape[2]]
    mastoid_side = np.abs(cols - mni_to_index(0, 0, 0)[2]) > 35
    mastoid = atlas.bone & ~compact & (z < mni_to_index(0, 0, -18)[0]) & mastoid_side & (trabecular > 0.3)
    air = (atlas.hu < -400.0) | atlas.outside | mastoid
    label[air] = Label.AIR
    hu[air] = HU[Label.AIR] + 10.0 * fine[air]
    return label, hu


def pack(hu: np.ndarray, depth: np.ndarray, label: np.ndarray) -> np.ndarray:
    """HU (int16), depth inside the dura (int8, DEPTH_STEPS_PER_MM) and label (uint8) in one uint32
    per voxel, so that a trilinear lookup gathers all three with one index."""
    packed = np.zeros(hu.shape + (4,), np.int8)
    packed.view(np.int16)[..., 0] = np.clip(np.round(hu), -1024, 3071)
    packed[..., 2] = np.clip(np.round(depth * DEPTH_STEPS_PER_MM), -127, 127)
    packed[..., 3] = label
    return packed.view(np.uint32)[..., 0]


@lru_cache(maxsize=1)
def _outside_brain_once() -> tuple[np.ndarray, np.ndarray]:
    return _outside_brain(load_atlas(), np.random.default_rng(OUTSIDE_SEED))


def _close_front(label: np.ndarray, hu: np.ndarray, atlas: Atlas, rng) -> None:
    """Lay the anterior fossa's missing plate and carve a frontal sinus into the skull, in place."""
    outside_dura = outside_dura_mm(atlas)
    cell, walls = sinus_cell(atlas, sample_frontal_sinus(rng), outside_dura)
    compact = anterior_plate(atlas, outside_dura) | walls
    fine = _noise(atlas.shape, rng, 0.7)
    label[compact], hu[compact] = Label.BONE, HU[Label.BONE] + 150.0 * fine[compact]
    label[cell], hu[cell] = Label.AIR, HU[Label.AIR] + 10.0 * fine[cell]


def build_variant(index: int) -> np.ndarray:
    """Head `index` (0..VARIANTS-1, or one of FRONTAL_VARIANTS) as packed channels; each has its own gyral pattern
    and atrophy."""
    atlas = load_atlas()
    brain_index = brain_of(index)
    rng = np.random.default_rng([20120, brain_index])
    label, hu = (a.copy() for a in _outside_brain_once())
    brain_label, brain_hu = _brain(atlas, atrophy(index), rng)
    inside = atlas.intracranial
    label[inside], hu[inside] = brain_label[inside], brain_hu[inside]
    if index in FRONTAL_VARIANTS:
        _close_front(label, hu, atlas, np.random.default_rng([20121, brain_index]))
    return pack(hu, atlas.inner_distance, label)
