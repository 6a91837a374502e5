"""What the service decodes from the file a user sends: a slice exported in one of the forms images
arrive in, encoded to bytes where a file format is involved, then read back the service's way.

The service (app/pipeline/decode/slice_file.py) reads an 8-bit PNG/JPEG as a 40/80 brain window
(core.windowing.brain_window_to_hu), so an export at another window reaches the model mis-scaled,
exactly as in production; 16-bit PNG holds HU + 1024; DICOM and NIfTI carry HU through a rescale.
"""

import cv2
import numpy as np

from core.raster import HU_FORM, raster_to_hu
from core.windowing import PNG16_HU_OFFSET
from training.scanner.export_render import (
    GAMMA_PROBABILITY,
    GAMMA_RANGE,
    WINDOW_RANGES,
    burn_in,
    draw_window,
    reshape_geometry,
    window_pixels,
)

# How often each file form arrives (recorded in the model card).
EXPORT_FORM_WEIGHTS = {"dicom": 0.25, "png16": 0.1, "nifti": 0.05, "png8": 0.25, "jpeg8": 0.35}
EIGHT_BIT_FORMS = ("png8", "jpeg8")
# DICOM (RescaleSlope, RescaleIntercept) and the stored integer range: most scanners store
# unsigned 12-bit at slope 1 / -1024; some signed 16-bit, some a finer or coarser slope.
DICOM_RESCALES = (
    (1.0, -1024.0, 0, 4095),
    (1.0, -1024.0, -32768, 32767),
    (1.0, -1000.0, 0, 4095),
    (0.5, -1024.0, 0, 65535),
    (2.0, -2048.0, 0, 4095),
)
# NIfTI converters store float32 (no round-off) or int16 with scl_slope (1 or a fraction).
NIFTI_SLOPES = (None, 1.0, 0.5)
JPEG_QUALITY = (30, 95)
# Screenshots and some PACS save grey slices as three equal colour channels.
COLOUR_PROBABILITY = 0.2


def _choose(weights: dict[str, float], rng: np.random.Generator) -> str:
    names = list(weights)
    return names[int(rng.choice(len(names), p=list(weights.values())))]


def stored_roundoff(hu: np.ndarray, slope: float, intercept: float, low: float, high: float) -> np.ndarray:
    """HU after storage as integers through slope/intercept (clipped to the stored range) and back."""
    stored = np.clip(np.round((hu - intercept) / slope), low, high)
    return (stored * slope + intercept).astype(np.float32)


def encode_png16(hu: np.ndarray) -> bytes:
    pixels = np.clip(np.round(hu + PNG16_HU_OFFSET), 0, np.iinfo(np.uint16).max).astype(np.uint16)
    return cv2.imencode(".png", pixels)[1].tobytes()


def encode_8bit(pixels: np.ndarray, codec: str, rng: np.random.Generator) -> bytes:
    """uint8 (H, W) -> PNG or JPEG bytes, sometimes as three equal colour channels."""
    image = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR) if rng.random() < COLOUR_PROBABILITY else pixels
    if codec == "jpeg8":
        quality = int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))
        return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
    return cv2.imencode(".png", image)[1].tobytes()


def decode_raster(data: bytes) -> tuple[np.ndarray, str]:
    """PNG/JPEG bytes -> (HU, form), read by the service's own core.raster.raster_to_hu."""
    converted = raster_to_hu(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED))
    assert converted is not None, "training's exports are 8-bit or 16-bit grayscale"
    return converted


def export_8bit_bytes(hu: np.ndarray, mask: np.ndarray | None, codec: str, rng: np.random.Generator):
    """A viewer's 8-bit export of the slice: (file bytes, the mask in the exported geometry)."""
    _, centre, width = draw_window(rng)
    gamma = rng.uniform(*GAMMA_RANGE) if rng.random() < GAMMA_PROBABILITY else 1.0
    pixels, mask = reshape_geometry(window_pixels(hu, centre, width, gamma), mask, rng)
    return encode_8bit(burn_in(pixels, rng), codec, rng), mask


def export_series_8bit(hu: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """A series (slices, rows, columns) as a viewer exports it for a colleague: every slice lossless 8-bit at one
    brain window and gamma, read back the way the service reads an 8-bit file. -> (HU as decoded, the window)."""
    (centre_range, width_range), gamma = WINDOW_RANGES["brain"], 1.0
    centre, width = float(rng.uniform(*centre_range)), float(rng.uniform(*width_range))
    if rng.random() < GAMMA_PROBABILITY:
        gamma = float(rng.uniform(*GAMMA_RANGE))
    pixels = window_pixels(np.asarray(hu, np.float32), centre, width, gamma)
    decoded = np.stack([raster_to_hu(slice_pixels)[0] for slice_pixels in pixels])
    return decoded, {"centre": centre, "width": width, "gamma": gamma}


def _hu_form(hu: np.ndarray, form: str, rng: np.random.Generator) -> np.ndarray:
    if form == "png16":
        return decode_raster(encode_png16(hu))[0]
    if form == "dicom":
        return stored_roundoff(hu, *DICOM_RESCALES[int(rng.integers(len(DICOM_RESCALES)))])
    slope = NIFTI_SLOPES[int(rng.integers(len(NIFTI_SLOPES)))]
    if slope is None:
        return hu.astype(np.float32)
    return stored_roundoff(hu, slope, 0.0, np.iinfo(np.int16).min, np.iinfo(np.int16).max)


def _decoded_8bit(hu: np.ndarray, mask: np.ndarray | None, codec: str, rng: np.random.Generator):
    data, mask = export_8bit_bytes(hu, mask, codec, rng)
    decoded, interpretation = decode_raster(data)
    return decoded, mask, interpretation


def simulate_export_with_mask(hu: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator):
    """(HU as the service decodes it, the mask in that geometry, form "hu" or "brain_window_8bit")."""
    hu = np.asarray(hu, dtype=np.float32)
    form = _choose(EXPORT_FORM_WEIGHTS, rng)
    if form in EIGHT_BIT_FORMS:
        return _decoded_8bit(hu, mask, form, rng)
    return _hu_form(hu, form, rng), mask, HU_FORM


def eight_bit_codec_weights() -> dict[str, float]:
    """PNG and JPEG among 8-bit exports, in EXPORT_FORM_WEIGHTS' proportion (read at call time: experiments edit it)."""
    weights = {form: EXPORT_FORM_WEIGHTS.get(form, 0.0) for form in EIGHT_BIT_FORMS}
    total = sum(weights.values())
    return {form: weight / total for form, weight in weights.items()}


def simulate_8bit_export_with_mask(hu: np.ndarray, mask: np.ndarray | None, rng: np.random.Generator):
    """As simulate_export_with_mask, always an 8-bit PNG or JPEG (eight_bit_codec_weights)."""
    codec = _choose(eight_bit_codec_weights(), rng)
    return _decoded_8bit(np.asarray(hu, dtype=np.float32), mask, codec, rng)


def simulate_export(hu: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(HU as the service decodes it, form); the shape changes when an 8-bit export was resized, cropped or padded."""
    decoded, _, form = simulate_export_with_mask(hu, None, rng)
    return decoded, form
