"""A skull as thick as an adult's is where it is: thin temporal squama, thicker frontal and occipital bone, and
wider in the image where the slice meets the curving vault at a slant (towards the vertex and the skull base).

The default procedural skull is a 5-8 mm ring at every level; real vaults are 4-17 mm wide in the image
(experiments/skull_thickness.py). The figures below are anatomy-text values, not fitted to any scan.
"""

import numpy as np

from training.phantoms.head_frame import HeadFrame

# Parietal and frontal vault of adults, mm.
VAULT_MM = (5.0, 9.0)
# The temporal squama is 2-4 mm: a share of the vault, fading out above the squama's top.
TEMPORAL_SHARE = (0.3, 0.6)
SQUAMA_TOP_LEVEL, SQUAMA_FULL_LEVEL = 0.7, 0.45
# Occipital bone, thicker towards the internal occipital protuberance; frontal bone a little thicker than parietal.
OCCIPITAL_FACTOR = (1.1, 1.8)
FRONTAL_FACTOR = (0.9, 1.3)
# Individual irregularity: harmonics of the thickness around the ring (relative amplitude).
IRREGULARITY = 0.08
# The vault's centre of curvature sits at this level (0 = skull base, 1 = vertex); the slant grows away from it
# as the head's section shrinks (training.phantoms.head_frame's taper).
EQUATOR_LEVEL, CURVATURE_HALF_RANGE = 0.4, 0.8
MAX_SLANT = 0.9


def _regional_profile(frame: HeadFrame, level: float, rng) -> np.ndarray:
    """Relative thickness around the ring: 1 at the parietal vault."""
    lateral = np.cos(frame.theta) ** 4  # u is left-right: the temples are at theta 0 and pi
    anterior = np.clip(np.sin(frame.theta), 0.0, None) ** 2
    posterior = np.clip(-np.sin(frame.theta), 0.0, None) ** 2
    squama = np.clip((SQUAMA_TOP_LEVEL - level) / (SQUAMA_TOP_LEVEL - SQUAMA_FULL_LEVEL), 0.0, 1.0)
    temporal = 1.0 + (rng.uniform(*TEMPORAL_SHARE) - 1.0) * squama * lateral
    front_back = (
        1.0 + (rng.uniform(*FRONTAL_FACTOR) - 1.0) * anterior + (rng.uniform(*OCCIPITAL_FACTOR) - 1.0) * posterior
    )
    harmonics = sum(
        rng.normal(0.0, IRREGULARITY / k) * np.cos(k * frame.theta + rng.uniform(0, 2 * np.pi)) for k in range(1, 5)
    )
    return temporal * front_back * (1.0 + harmonics)


def apparent_thickness_mm(inner_radius_mm: np.ndarray, thickness_mm: np.ndarray, slant: float) -> np.ndarray:
    """In-plane width of a spherical shell of `thickness_mm` cut at relative height `slant` (0 at its equator), where
    the cut's inner circle has `inner_radius_mm`: sqrt((R + t)^2 - (R s)^2) - r, with R = r / sqrt(1 - s^2)."""
    radius = inner_radius_mm / np.sqrt(1.0 - slant**2)
    return np.sqrt((radius + thickness_mm) ** 2 - (radius * slant) ** 2) - inner_radius_mm


def skull_thickness_mm(frame: HeadFrame, level: float, rng) -> np.ndarray:
    """float32 (H, W): the skull's width in the image along each ray from the head centre."""
    true_mm = rng.uniform(*VAULT_MM) * np.clip(_regional_profile(frame, level, rng), 0.25, None)
    slant = min(abs(level - EQUATOR_LEVEL) / CURVATURE_HALF_RANGE, MAX_SLANT)
    return apparent_thickness_mm(frame.inner_radius(frame.theta), true_mm, slant).astype(np.float32)
