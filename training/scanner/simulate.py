"""One clean HU slice -> the same slice as a CT scanner would reconstruct it.

Order follows the physics: effects that arise in the projections (partial volume, beam hardening,
motion, metal) come first, then the reconstruction kernel blurs all of them together, then the
kernel-shaped quantum noise, then the integer HU a scanner stores.
"""

import numpy as np

from training.scanner.beam_hardening import add_bone_streaks, add_cupping
from training.scanner.geometry import slice_geometry
from training.scanner.inner_table import add_dense_band, add_oblique_partial_volume, add_partial_volume
from training.scanner.kernel import apply_mtf, correlated_noise, draw_kernel
from training.scanner.occasional import OCCASIONAL_WEIGHTS, add_head_holder, add_metal, add_motion, add_table

# The range a 12-bit CT stores.
MIN_HU, MAX_HU = -1024.0, 3071.0
# Fewer photons reach the head's centre, so noise there is up to this fraction above the mean.
CENTRAL_NOISE_GAIN = (0.0, 0.3)
OCCASIONAL_STEPS = {"motion": add_motion, "metal": add_metal, "head_holder": add_head_holder, "table": add_table}


def simulate_scanner(hu: np.ndarray, rng: np.random.Generator, spacing_mm: tuple[float, float]) -> np.ndarray:
    """float32 HU (H, W) in, float32 HU (H, W) out, with kernel blur, noise and artefacts drawn from rng."""
    hu = np.asarray(hu, dtype=np.float32)
    geometry = slice_geometry(hu, spacing_mm)
    out = add_dense_band(hu, geometry, rng)
    out = add_partial_volume(out, geometry, rng)
    out = add_oblique_partial_volume(out, geometry, rng)
    out = add_cupping(out, geometry, rng)
    out = add_bone_streaks(out, geometry, rng)
    for name, step in OCCASIONAL_STEPS.items():
        if rng.random() < OCCASIONAL_WEIGHTS[name]:
            out = step(out, geometry, rng)
    kernel = draw_kernel(rng)
    out = apply_mtf(out, kernel, geometry.pixel_mm)
    noise = correlated_noise(hu.shape, kernel, geometry.pixel_mm, rng)
    centre_weight = np.clip(1.0 - geometry.radius**2, 0.0, 1.0)
    gain = rng.uniform(*CENTRAL_NOISE_GAIN)
    # Scaled so the head's average noise stays the kernel's drawn sigma.
    profile = 1.0 + gain * (centre_weight - centre_weight[geometry.head].mean() if geometry.head.any() else 0.0)
    out += kernel.noise_sigma_hu * profile * noise
    return np.clip(np.round(out), MIN_HU, MAX_HU).astype(np.float32)
