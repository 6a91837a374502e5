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
def _packed_frequency(shape: tuple[int, int], pixel_mm: float) -> np.ndarray:
    """float32 (H, W): the radial frequency (cycles/mm) each slot of cv2.dft's packed (CCS) spectrum
    of a real (H, W) image holds. H and W even. Layout from the cv2.dft documentation: inner columns
    hold Re/Im pairs of columns 1..W/2-1 for every row; the first and last columns hold columns 0
    and W/2 packed the same way along the rows."""
    rows, cols = shape
    row_index = np.minimum(np.arange(rows), rows - np.arange(rows))  # |signed frequency index|
    col_index = (np.arange(cols) + 1) // 2
    ky = np.repeat(row_index[:, None], cols, axis=1)
    kx = np.repeat(col_index[None, :], rows, axis=0)
    edge_rows = (np.arange(rows) + 1) // 2  # rows 2i-1, 2i hold row frequency i; the last row holds H/2
    for column, frequency in ((0, 0), (cols - 1, cols // 2)):
        ky[:, column], kx[:, column] = edge_rows, frequency
    return np.hypot(ky / (rows * pixel_mm), kx / (cols * pixel_mm)).astype(np.float32)


def nps(frequency: np.ndarray, kernel: Kernel) -> np.ndarray:
    """Relative noise power at radial frequencies (cycles/mm): ramp times the squared MTF."""
    mtf = np.exp(-2.0 * (np.pi * kernel.sigma_mm * frequency) ** 2)
    return frequency * mtf**2


def correlated_noise(shape: tuple[int, int], kernel: Kernel, pixel_mm: float, rng: np.random.Generator) -> np.ndarray:
    """float32 noise of unit standard deviation whose power spectrum is the kernel's NPS."""
    white = rng.standard_normal(shape, dtype=np.float32)
    if shape[0] % 2 or shape[1] % 2:  # the packed layout is for even sizes; numpy for the rest
        frequency = np.hypot(
            *np.meshgrid(np.fft.fftfreq(shape[0], pixel_mm), np.fft.rfftfreq(shape[1], pixel_mm), indexing="ij")
        )
        noise = np.fft.irfft2(np.fft.rfft2(white) * np.sqrt(nps(frequency, kernel)), s=shape).astype(np.float32)
    else:
        amplitude = np.sqrt(nps(_packed_frequency(tuple(shape), float(pixel_mm)), kernel))
        noise = cv2.idft(cv2.dft(white) * amplitude, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    return noise / (noise.std() + 1e-12)
