"""Reconstruction kernels: the blur they give the image (MTF) and the texture of the noise (NPS).

Filtered back-projection shapes quantum noise as NPS(f) ~ f * MTF(f)^2: the ramp filter removes the
lowest frequencies and the kernel's apodisation the highest. A soft brain kernel peaks near
0.2-0.3 cycles/mm (blotchy grain), a sharp one at higher frequency (fine grain). Frequencies are in
cycles/mm, so the grain has the same physical size on any matrix.
"""

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

# Share of brain protocols reconstructed with each kernel family (brain scans are mostly soft).
KERNEL_WEIGHTS = {"soft": 0.8, "sharp": 0.2}
# Spatial frequency (cycles/mm) where the MTF falls to 50%: soft brain kernels (H30-H40, FC21-FC26)
# and sharper ones (H60-H70, bone-leaning).
MTF50_CYCLES_PER_MM = {"soft": (0.30, 0.45), "sharp": (0.55, 0.80)}
# Sharp kernels overshoot at edges (a bright rim inside a dark one); fraction of the edge step.
SHARP_OVERSHOOT = (0.05, 0.2)
# Noise standard deviation in brain; sharp kernels pass more of it.
NOISE_SIGMA_HU = {"soft": (3.0, 6.0), "sharp": (5.0, 8.0)}
# A Gaussian MTF exp(-2 pi^2 s^2 f^2) is 0.5 at f50 when s = sqrt(ln 2 / 2) / (pi f50).
_GAUSS_MTF50 = np.sqrt(np.log(2.0) / 2.0) / np.pi


@dataclass(frozen=True)
class Kernel:
    name: str
    sigma_mm: float  # Gaussian MTF width
    overshoot: float  # unsharp-mask gain (0 for soft kernels)
    noise_sigma_hu: float


def draw_kernel(rng: np.random.Generator) -> Kernel:
    names = list(KERNEL_WEIGHTS)
    name = names[int(rng.choice(len(names), p=list(KERNEL_WEIGHTS.values())))]
    sigma_mm = _GAUSS_MTF50 / rng.uniform(*MTF50_CYCLES_PER_MM[name])
    overshoot = rng.uniform(*SHARP_OVERSHOOT) if name == "sharp" else 0.0
    return Kernel(name, float(sigma_mm), float(overshoot), float(rng.uniform(*NOISE_SIGMA_HU[name])))


def apply_mtf(hu: np.ndarray, kernel: Kernel, pixel_mm: float) -> np.ndarray:
    """The kernel's blur, with a sharp kernel's edge overshoot."""
    sigma_px = kernel.sigma_mm / pixel_mm
    blurred = cv2.GaussianBlur(hu, (0, 0), sigma_px) if sigma_px > 0.2 else hu.copy()
    if kernel.overshoot > 0:
        wide = cv2.GaussianBlur(blurred, (0, 0), 2.0 * max(sigma_px, 0.5))
        blurred += kernel.overshoot * (blurred - wide)
    return blurred


@lru_cache(maxsize=16)
def _radial_frequency(shape: tuple[int, int], pixel_mm: float) -> np.ndarray:
    fy = np.fft.fftfreq(shape[0], d=pixel_mm)[:, None]
    fx = np.fft.rfftfreq(shape[1], d=pixel_mm)[None, :]
    return np.sqrt(fx**2 + fy**2).astype(np.float32)


def nps(frequency: np.ndarray, kernel: Kernel) -> np.ndarray:
    """Relative noise power at radial frequencies (cycles/mm): ramp times the squared MTF."""
    mtf = np.exp(-2.0 * (np.pi * kernel.sigma_mm * frequency) ** 2)
    return frequency * mtf**2


def correlated_noise(shape: tuple[int, int], kernel: Kernel, pixel_mm: float, rng: np.random.Generator) -> np.ndarray:
    """float32 noise of unit standard deviation whose power spectrum is the kernel's NPS."""
    frequency = _radial_frequency(tuple(shape), float(pixel_mm))
    amplitude = np.sqrt(nps(frequency, kernel))
    spectrum = np.fft.rfft2(rng.standard_normal(shape, dtype=np.float32)) * amplitude
    noise = np.fft.irfft2(spectrum, s=shape).astype(np.float32)
    return noise / (noise.std() + 1e-12)
