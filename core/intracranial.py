"""Where the brain can be on one axial head CT slice: head, bone and the space inside the skull.

Arrays are (H, W) in HU, row-major as the image is displayed. Works on HU read from DICOM/NIfTI
and on HU decoded from an 8-bit brain-window export (core.windowing.brain_window_to_hu), where
everything at or above 80 HU, bone included, was clipped to the top of the window.
OpenCV and numpy only: serving does not ship scipy.
"""

import cv2
import numpy as np

from core.windowing import BRAIN

# Cortical bone is several hundred HU; 100 HU sits above any brain, blood or contrast-free
# vessel and below even thin, partial-volumed bone.
BONE_HU = 100.0
# A brain-window export clips bone to the window's top (80 HU); anything this close to the top
# is taken as bone. So is the densest acute blood (up to about 90 HU): see enclosed_white.
SATURATED_BONE_HU = BRAIN.high - 1.0
# When no pixel exceeds the brain window's top by more than this, the image is such an export.
EXPORT_CEILING_SLACK_HU = 0.5
# Skin, fat and brain are all above this; air and the thin foam/plastic of head holders mostly below.
HEAD_HU = -300.0
# Air in sinuses and mastoid cells and the fat of the orbits and scalp (-100..-60 HU) are below this;
# brain, CSF and blood are above it, even where beam hardening by the petrous bones darkens it to ~-50 HU.
SOFT_TISSUE_HU = -60.0
# Through the skull base and posterior fossa the bone ring is open (foramen magnum, foramina, sinuses,
# orbits, thin temporal squama partial-volumed in thick slabs), so the space is found by enclosure rather
# than by filling a ring: rays are cast from each soft-tissue pixel in this many directions, and the pixel
# is inside the skull when bone stops at least ENCLOSED_SHARE of them before they leave the head.
# Scalp, face, neck and orbit contents see the air on over a quarter of their horizon; brain at most
# through a foramen or a partial-volumed squama, a few directions.
RAY_DIRECTIONS = 16
ENCLOSED_SHARE = 0.75
# Brain beside a wide opening (the foramen magnum, the anterior and middle fossae where thin bone is
# partial-volumed away) is stopped by bone on fewer rays; it is kept when joined through soft tissue to
# enclosed brain. Scalp and muscle outside the skull stay below it: the skull hides at most half their horizon.
JOINED_SHARE = 0.55
# Bone this close to the head's outline is a head holder pressed to the skin or a thin facial bone,
# never skull (scalp is thicker); it stops no ray, so the scalp between holder and skull stays open.
SKIN_BONE_MM = 4.0
# The cranium holds no fat: brain, CSF and blood are all above SOFT_TISSUE_HU. Below the foramen magnum the
# mandible, maxilla and spine wall in the tongue, pharynx and masticator spaces, which hold fat and air (3-9 % of
# the walled-in area on a real scan's mouth and neck levels, under 1 % on its brain levels). A piece holding more
# than this is the face or neck, not the inside of the skull. Only HU shows fat: an 8-bit brain-window export clips
# fat, air and CSF alike to the window floor, so there the test is not made.
MAX_FAT_SHARE = 0.02
# On the ray grid, soft tissue joined to the brain only through a neck narrower than this (foramina, the
# optic canals, the gap between clivus and petrous apex) is cut off before the pieces are counted.
COARSE_OPEN_MM = 6.0
# Thin bridges through the skull base (optic canals, foramina) are cut by an opening this wide,
# so the orbits and nasal cavity do not join the brain.
BRIDGE_OPEN_MM = 2.0
# The head is measured on a grid this coarse (pixels are pooled), which keeps it to a few ms on 512².
WORK_PIXEL_MM = 1.0
# Rays are cast on a coarser grid still; the mask's edge is then refined at full resolution up to bone.
RAY_PIXEL_MM = 2.0
# Without a pixel spacing, a slice is taken to span the typical head-CT field of view.
TYPICAL_HEAD_FOV_MM = 240.0
# An adult head's front-to-back length, and how much of the frame a head fills once an export was
# cropped to it (a whole field of view leaves a margin of air around the head). A head spanning under
# PASTED_EXTENT of the frame is a slice pasted into a larger picture (a screenshot): even a vertex cap
# (~110 mm) spans 45% of a 240 mm field of view.
TYPICAL_HEAD_LENGTH_MM = 185.0
CROPPED_EXTENT = 0.92
PASTED_EXTENT = 0.35


def is_brain_window_export(hu: np.ndarray) -> bool:
    """True when the HU cannot exceed the brain window's top: the image came from an 8-bit export."""
    hu = np.asarray(hu)
    return float(hu.max()) <= BRAIN.high + EXPORT_CEILING_SLACK_HU and float(hu.min()) >= BRAIN.low - 0.5


def bone_mask(hu: np.ndarray) -> np.ndarray:
    """bool (H, W): bone. Above 100 HU, or at the clipped top of an 8-bit brain-window export."""
    hu = np.asarray(hu, dtype=np.float32)
    threshold = SATURATED_BONE_HU if is_brain_window_export(hu) else BONE_HU
    return hu >= threshold


def _largest_component(mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
    if count <= 1:
        return np.zeros(mask.shape, dtype=bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == largest


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask plus every background region not connected to the image border."""
    padded = np.pad(mask.astype(np.uint8), 1)
    outside = padded.copy()
    flood = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 1)
    return (padded.astype(bool) | (outside == 0))[1:-1, 1:-1]


def _disc(diameter_px: float) -> np.ndarray:
    size = max(1, round(diameter_px))
    size += 1 - size % 2  # odd, so the kernel is centred
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def head_area_px(hu: np.ndarray, pixel_mm: float) -> float:
    """The head's area in (full-resolution) pixels, measured on a WORK_PIXEL_MM grid (pooled) to keep it cheap."""
    factor = max(1, int(WORK_PIXEL_MM / pixel_mm))
    return float(head_mask(_pool(np.asarray(hu, dtype=np.float32), factor)).sum()) * factor * factor


def head_mask(hu: np.ndarray) -> np.ndarray:
    """bool (H, W): the head, the largest component above -300 HU with its holes filled.

    On an 8-bit export air reads 0 HU like CSF; there the head is what is above the window's floor.
    """
    hu = np.asarray(hu, dtype=np.float32)
    threshold = BRAIN.low + 0.5 if is_brain_window_export(hu) else HEAD_HU
    return fill_holes(_largest_component(hu > threshold))


def estimate_spacing_mm(hu: np.ndarray) -> float:
    """Pixel size in mm when the file does not say.

    Exports usually keep the scanner's whole field of view, so the image's longer side is taken as
    240 mm (0.47 mm on 512 px), whatever the level. When the head nearly fills the frame (cropped to it)
    or fills little of it (pasted into a screenshot), the head's longer extent is taken as an adult
    head's length (185 mm), which overstates the pixel size near the vertex and the foramen magnum.
    """
    fov_guess = TYPICAL_HEAD_FOV_MM / max(hu.shape)
    rows, cols = np.nonzero(head_mask(hu))
    if rows.size == 0:
        return fov_guess
    extent = max((rows.max() - rows.min() + 1) / hu.shape[0], (cols.max() - cols.min() + 1) / hu.shape[1])
    if PASTED_EXTENT <= extent < CROPPED_EXTENT:
        return fov_guess
    return TYPICAL_HEAD_LENGTH_MM / max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)


def _mm_to_px(mm: float, spacing_mm: float) -> float:
    return mm / spacing_mm


def _geodesic_dilate(seed: np.ndarray, allowed: np.ndarray, steps: int) -> np.ndarray:
    """Grow `seed` by up to `steps` pixels without leaving `allowed` (so it never crosses bone)."""
    kernel = np.ones((3, 3), np.uint8)
    grown = seed.astype(np.uint8)
    allowed = allowed.astype(np.uint8)
    for _ in range(steps):
        grown = cv2.dilate(grown, kernel) & allowed
    return grown.astype(bool)


def _bone_first_counts(bone: np.ndarray, outside: np.ndarray, angle_deg: float) -> np.ndarray:
    """uint8 (H, W): of the two rays along `angle_deg`, how many meet bone before the outside of the head.

    The grid is rotated so the rays run along rows; along each row the nearest bone and nearest outside
    pixel on either side are running maxima/minima of their column indices.
    """
    h, w = bone.shape
    side = int(np.ceil(np.hypot(h, w))) + 2
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    rotation[:, 2] += ((side - w) / 2, (side - h) / 2)
    # Linear sampling spreads bone by a pixel, so a thin ring cannot leak between rotated samples.
    turned_bone = cv2.warpAffine(bone.astype(np.float32), rotation, (side, side), flags=cv2.INTER_LINEAR) > 0.01
    turned_out = (
        cv2.warpAffine(outside.astype(np.float32), rotation, (side, side), flags=cv2.INTER_LINEAR, borderValue=1) > 0.5
    )
    columns = np.arange(side, dtype=np.int32)
    before = [np.maximum.accumulate(np.where(m, columns, -1), axis=1) for m in (turned_bone, turned_out)]
    after = [
        np.minimum.accumulate(np.where(m, columns, side)[:, ::-1], axis=1)[:, ::-1] for m in (turned_bone, turned_out)
    ]
    counts = (before[0] > before[1]).astype(np.uint8) + (after[0] < after[1]).astype(np.uint8)
    return cv2.warpAffine(counts, rotation, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)


def bone_share_of_rays(bone: np.ndarray, head: np.ndarray) -> np.ndarray:
    """float32 (H, W): the share of RAY_DIRECTIONS rays from each pixel that meet bone before leaving the head."""
    outside = ~head
    counts = np.zeros(bone.shape, np.uint8)
    for angle in np.arange(RAY_DIRECTIONS // 2) * 360.0 / RAY_DIRECTIONS:
        counts += _bone_first_counts(bone, outside, float(angle))
    return counts.astype(np.float32) / RAY_DIRECTIONS


def _enclosed_piece(joined: np.ndarray, enclosed: np.ndarray, fat: np.ndarray | None) -> np.ndarray:
    """The largest piece of `joined` holding enclosed pixels and, where `fat` (the share of each pixel below
    SOFT_TISSUE_HU) is known, no more than MAX_FAT_SHARE fat and air. Smaller pieces are muscles of the face walled
    in by the mandible and maxilla, mastoid cells or sinus recesses; on atlas heads no brain lies apart from it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined.astype(np.uint8), connectivity=4)
    seeded = np.zeros(count, bool)
    seeded[np.unique(labels[enclosed & joined])] = True
    seeded[0] = False
    for label in np.argsort(-np.where(seeded, stats[:, cv2.CC_STAT_AREA], 0)):
        if not seeded[label]:
            break
        piece = labels == label
        if fat is None or float(fat[fill_holes(piece)].mean()) <= MAX_FAT_SHARE:
            return piece
    return np.zeros(joined.shape, dtype=bool)


def _air(hu: np.ndarray, bone: np.ndarray, export: bool, pixel_mm: float) -> np.ndarray:
    """Air (sinuses, mastoid cells) and fat. An export clips air and CSF alike to the window floor; there only
    floor-valued blobs wider than BRIDGE_OPEN_MM that touch bone count, which sinuses do and ventricles don't."""
    if not export:
        return hu < SOFT_TISSUE_HU
    floor = (hu <= BRAIN.low + 0.5).astype(np.uint8)
    blobs = cv2.morphologyEx(floor, cv2.MORPH_OPEN, _disc(_mm_to_px(BRIDGE_OPEN_MM, pixel_mm)))
    _, labels = cv2.connectedComponents(blobs, connectivity=8)
    near_bone = cv2.dilate(bone.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    touching = np.unique(labels[near_bone & (labels > 0)])
    return np.isin(labels, touching)


def _pool(image: np.ndarray, factor: int) -> np.ndarray:
    """Mean over factor x factor blocks (bool in, bool out: any pixel set)."""
    if factor == 1:
        return image
    size = (image.shape[1] // factor, image.shape[0] // factor)
    if image.dtype == bool:
        return cv2.resize(image.astype(np.uint8) * 255, size, interpolation=cv2.INTER_AREA) > 0
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def intracranial_mask(hu: np.ndarray, spacing_mm: tuple[float, float] | None = None) -> np.ndarray:
    """bool (H, W): inside the skull, minus bone (and minus air when the HU can show air).

    Soft tissue walled in by bone (bone_share_of_rays) on a ~2 mm grid, bridges opened, the largest fat-free
    enclosed piece kept with its holes filled, then refined up to the bone at full resolution. Empty when the head
    holds no bone. `spacing_mm` sizes the grid; without it the pixel size is estimated from the head.
    """
    hu = np.asarray(hu, dtype=np.float32)
    export = is_brain_window_export(hu)
    pixel_mm = float(np.mean(spacing_mm)) if spacing_mm is not None else estimate_spacing_mm(hu)
    factor = max(1, int(RAY_PIXEL_MM / pixel_mm))
    bone = bone_mask(hu)
    allowed = ~bone & ~_air(hu, bone, export, pixel_mm)
    coarse_hu, coarse_mm = _pool(hu, factor), pixel_mm * factor
    head = head_mask(coarse_hu)
    coarse_bone = _pool(bone, factor) & head
    if not coarse_bone.any():
        return np.zeros(hu.shape, dtype=bool)
    # A head filling the frame has no outside to measure from, and OpenCV then gives float32's maximum: cap it.
    depth_px = np.minimum(cv2.distanceTransform(head.astype(np.uint8), cv2.DIST_L2, 3), float(sum(head.shape)))
    depth_mm = depth_px * coarse_mm
    share = bone_share_of_rays(coarse_bone & (depth_mm > SKIN_BONE_MM), head)
    soft = ~coarse_bone & _pool(allowed, factor)
    opened = cv2.morphologyEx(
        (soft & (share >= JOINED_SHARE)).astype(np.uint8), cv2.MORPH_OPEN, _disc(_mm_to_px(COARSE_OPEN_MM, coarse_mm))
    )
    fat = None if export else _pool((hu < SOFT_TISSUE_HU).astype(np.float32), factor)
    piece = _enclosed_piece(opened.astype(bool), share >= ENCLOSED_SHARE, fat)
    coarse = (fill_holes(piece) & ~coarse_bone).astype(np.uint8)
    full = np.zeros(hu.shape, dtype=np.uint8)
    size = (coarse.shape[1] * factor, coarse.shape[0] * factor)
    full[: size[1], : size[0]] = cv2.resize(coarse, size, interpolation=cv2.INTER_NEAREST)
    # Pooling kept any block touching bone out; grow back over those mixed pixels at full resolution.
    return _geodesic_dilate(full.astype(bool) & allowed, allowed, factor)


def inner_table_distance_mm(intracranial: np.ndarray, spacing_mm: tuple[float, float] | None) -> np.ndarray:
    """float32 (H, W): distance in mm from each intracranial pixel to the mask's edge (the inner table); 0 outside.

    With `spacing_mm` None the pixel is taken as 240 mm / the image's longer side (a typical head-CT
    field of view; 0.47 mm on 512 px), since only the mask, not the HU, is given here.
    """
    mask = np.asarray(intracranial, dtype=bool)
    if spacing_mm is None:
        pixel_mm = TYPICAL_HEAD_FOV_MM / max(mask.shape)
    else:
        pixel_mm = float(np.mean(spacing_mm))
    # Pad with background so a mask touching the image border still has an edge there.
    padded = np.pad(mask.astype(np.uint8), 1)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_5)[1:-1, 1:-1]
    return (distance * pixel_mm).astype(np.float32)


def enclosed_white(hu: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """bool (H, W): in an 8-bit brain-window export, the pieces of clipped white wholly within the outline of the
    intracranial space `inside` (intracranial_mask): a clot denser than the window's top, or a calcification,
    which the export cannot tell from bone by density, but never the skull, whose outer table meets the scalp.
    Empty for HU, where bone and blood differ. Kept apart from the intracranial space, whose area judges the
    slice: below the skull base the walled-in mouth and neck enclose the vertebra and mandible alike."""
    if not is_brain_window_export(hu):
        return np.zeros(np.shape(hu), dtype=bool)
    bone = bone_mask(hu)
    _, labels = cv2.connectedComponents(bone.astype(np.uint8), connectivity=8)
    elsewhere = cv2.dilate((~fill_holes(inside) & ~bone).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return (labels > 0) & ~np.isin(labels, np.unique(labels[elsewhere & bone]))
