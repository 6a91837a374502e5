"""An HU slice as a viewer's 8-bit export draws it: a window, gamma, resizing, cropping or padding,
and what viewers burn in (text, a scale bar, a side marker). Masks follow the same geometry.
"""

import cv2
import numpy as np

# The window a reader exported with: a brain window at their own level and width, now and then a
# subdural or bone window (each a (centre, width) range).
WINDOW_WEIGHTS = {"brain": 0.85, "subdural": 0.1, "bone": 0.05}
WINDOW_RANGES = {
    "brain": ((20.0, 60.0), (60.0, 200.0)),
    "subdural": ((50.0, 100.0), (130.0, 300.0)),
    "bone": ((300.0, 700.0), (1500.0, 4000.0)),
}
# Display gamma some viewers and screenshots apply; probability and range.
GAMMA_PROBABILITY, GAMMA_RANGE = 0.4, (0.75, 1.3)
# Geometry: (probability, range). Scale is the factor on both sides; crop and pad are the fraction
# of each side taken away or added (black).
RESCALE = (0.5, (0.5, 1.6))
CROP = (0.25, (0.0, 0.12))
PAD = (0.25, (0.0, 0.2))
# Burned-in annotations (probability each). Text is technical only: never a name or an identifier.
TEXT_PROBABILITY, SCALE_BAR_PROBABILITY, SIDE_MARKER_PROBABILITY = 0.5, 0.3, 0.4
OVERLAY_TEXTS = (
    "W:80 L:40",
    "W:120 L:40",
    "120 kV",
    "250 mAs",
    "SL 5.0",
    "IM 17",
    "SE 2",
    "H30s",
    "C 35 W 100",
    "0.0 deg",
    "512 x 512",
    "ZOOM 1.0",
    "Axial",
    "DFOV 24.0cm",
)


def draw_window(rng: np.random.Generator) -> tuple[str, float, float]:
    names = list(WINDOW_WEIGHTS)
    name = names[int(rng.choice(len(names), p=list(WINDOW_WEIGHTS.values())))]
    centre, width = WINDOW_RANGES[name]
    return name, float(rng.uniform(*centre)), float(rng.uniform(*width))


def window_pixels(hu: np.ndarray, centre: float, width: float, gamma: float) -> np.ndarray:
    """HU -> uint8 through a window and a display gamma."""
    scaled = np.clip((hu - (centre - width / 2.0)) / width, 0.0, 1.0)
    if gamma != 1.0:
        scaled = scaled**gamma
    return np.round(scaled * 255.0).astype(np.uint8)


def reshape_geometry(pixels: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator):
    """Rescale, crop and pad the image (and the mask alike). Returns (pixels, mask)."""
    if rng.random() < RESCALE[0]:
        factor = rng.uniform(*RESCALE[1])
        size = (max(16, round(pixels.shape[1] * factor)), max(16, round(pixels.shape[0] * factor)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
        if mask is not None:
            mask = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    if rng.random() < CROP[0]:
        h, w = pixels.shape
        top, bottom, left, right = (int(rng.uniform(*CROP[1]) * side) for side in (h, h, w, w))
        pixels = pixels[top : h - bottom, left : w - right]
        mask = None if mask is None else mask[top : h - bottom, left : w - right]
    if rng.random() < PAD[0]:
        h, w = pixels.shape
        top, bottom, left, right = (int(rng.uniform(*PAD[1]) * side) for side in (h, h, w, w))
        pixels = cv2.copyMakeBorder(pixels, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
        if mask is not None:
            mask = np.pad(mask, ((top, bottom), (left, right)))
    return pixels, mask


def burn_in(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Corner text, a scale bar at the right edge, an R or L at the side: drawn in, as viewers do."""
    out = pixels.copy()
    h, w = out.shape
    scale = max(h, w) / 700.0
    thickness = max(1, round(scale * 1.5))
    grey = int(rng.integers(180, 256))
    if rng.random() < TEXT_PROBABILITY:
        for line in range(int(rng.integers(1, 5))):
            text = str(rng.choice(OVERLAY_TEXTS))
            y = int((line + 1) * 22 * scale) + 2
            x = 4 if rng.random() < 0.5 else max(4, w - int(len(text) * 13 * scale) - 4)
            y = y if rng.random() < 0.5 else h - y + int(10 * scale)
            cv2.putText(out, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, grey, thickness, cv2.LINE_AA)
    if rng.random() < SCALE_BAR_PROBABILITY:
        x, top, bottom = w - int(12 * scale) - 2, int(h * 0.3), int(h * 0.7)
        cv2.line(out, (x, top), (x, bottom), grey, thickness)
        for tick in np.linspace(top, bottom, 6).astype(int):
            cv2.line(out, (x, int(tick)), (x - int(6 * scale) - 1, int(tick)), grey, thickness)
    if rng.random() < SIDE_MARKER_PROBABILITY:
        letter, x = ("R", 4) if rng.random() < 0.5 else ("L", w - int(20 * scale) - 4)
        cv2.putText(out, letter, (x, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale, grey, thickness + 1, cv2.LINE_AA)
    return out
