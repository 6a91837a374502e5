"""The forms a real scan reaches the service in: as scanned (HU), 8-bit PNG at several display windows, JPEG, 16-bit
PNG and resampled matrices. Each form is encoded to the file bytes a user would send, so that the service's decoder,
and how it reads those bytes, is part of what is measured.
"""

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import cv2
import numpy as np
import pydicom

from app.pipeline.decode.image_stack import read_image_stack
from bench.inputs import png_slice
from bench.realct.scan_input import MAX_PIXELS, MAX_SLICES, MAX_VOXELS, RealScan
from core.raster import BRAIN_WINDOW_FORM, HU_FORM
from core.resize import resize_image
from core.windowing import Window, apply_window

JPEG_QUALITY = 75


@dataclass(frozen=True)
class ExportForm:
    name: str
    label: str  # what a person calls it
    window: Window | None = None  # 8-bit forms: the display window the exporter used
    jpeg: bool = False
    matrix: int | None = None  # resampled forms: the new square matrix

    @property
    def is_8bit(self) -> bool:
        return self.window is not None

    @property
    def interpretation(self) -> str:
        """How the service reads it (core.raster), which picks the card's scan rule for it."""
        return BRAIN_WINDOW_FORM if self.is_8bit else HU_FORM


def _window(center: float, width: float) -> Window:
    return Window(f"{center:g}/{width:g}", center, width)


HU = ExportForm("hu", "as scanned (HU)")
FORMS: tuple[ExportForm, ...] = (
    HU,
    ExportForm("png8_40_80", "8-bit PNG, window 40/80", _window(40, 80)),
    ExportForm("png8_40_120", "8-bit PNG, window 40/120", _window(40, 120)),
    ExportForm("png8_50_150", "8-bit PNG, window 50/150", _window(50, 150)),
    ExportForm("png8_35_100", "8-bit PNG, window 35/100", _window(35, 100)),
    ExportForm("jpeg75_40_80", f"8-bit JPEG q{JPEG_QUALITY}, window 40/80", _window(40, 80), jpeg=True),
    ExportForm("png16_hu", "16-bit PNG, HU + 1024"),
    ExportForm("resampled_256", "HU resampled to 256²", matrix=256),
    ExportForm("resampled_768", "HU resampled to 768²", matrix=768),
)
FORMS_BY_NAME = {form.name: form for form in FORMS}
# Semi-real positives are sent as HU and as the 8-bit exports.
SEMI_REAL_FORMS = tuple(form for form in FORMS if form.name == "hu" or form.is_8bit)


def encode_8bit(hu: np.ndarray, form: ExportForm) -> bytes:
    pixels = np.round(apply_window(hu, form.window) * 255.0).astype(np.uint8)
    if form.jpeg:
        ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    else:
        ok, data = cv2.imencode(".png", pixels)
    assert ok
    return data.tobytes()


def resampled_dicom(data: bytes, hu: np.ndarray, matrix: int) -> bytes:
    """The same DICOM file with its pixels resampled to matrix², PixelSpacing scaled to match."""
    ds = pydicom.dcmread(BytesIO(data))
    slope, intercept = float(ds.get("RescaleSlope", 1.0)), float(ds.get("RescaleIntercept", 0.0))
    stored = np.round((resize_image(hu, (matrix, matrix)) - intercept) / slope)
    dtype = np.int16 if int(ds.PixelRepresentation) else np.uint16
    info = np.iinfo(dtype)
    ds.PixelData = np.clip(stored, info.min, info.max).astype(dtype).tobytes()
    scale = hu.shape[0] / matrix, hu.shape[1] / matrix
    ds.PixelSpacing = [float(ds.PixelSpacing[0]) * scale[0], float(ds.PixelSpacing[1]) * scale[1]]
    ds.Rows, ds.Columns = matrix, matrix
    out = BytesIO()
    ds.save_as(out)
    return out.getvalue()


def slice_encoder(form: ExportForm) -> Callable[[np.ndarray], bytes]:
    """HU slice -> file bytes, for the forms that travel as one image per slice."""
    if form.is_8bit:
        return lambda hu: encode_8bit(hu, form)
    if form.matrix is not None:
        return lambda hu: png_slice(resize_image(hu, (form.matrix, form.matrix)))
    return png_slice


@dataclass
class DecodedStack:
    hu: np.ndarray  # float32 (slices, rows, columns), as the service's decoder read the bytes
    spacing_mm: tuple[float, float] | None  # true spacing at this matrix (the bench knows it; 8-bit files do not say)
    interpretations: list[str]  # the decoder's reading of the bytes, e.g. brain_window_8bit
    bytes_per_slice: float


def scaled_spacing(scan: RealScan, shape: tuple[int, int]) -> tuple[float, float] | None:
    if scan.spacing_mm is None:
        return None
    return (
        scan.spacing_mm[0] * scan.hu.shape[1] / shape[0],
        scan.spacing_mm[1] * scan.hu.shape[2] / shape[1],
    )


def decode_stack(files: list[bytes], scan: RealScan) -> DecodedStack:
    """Per-slice files -> HU through the service's reader of exported series (app.pipeline.decode.image_stack)."""
    stack = read_image_stack(files, MAX_SLICES, MAX_PIXELS, MAX_VOXELS)
    size = float(np.mean([len(data) for data in files]))
    return DecodedStack(stack.hu, scaled_spacing(scan, stack.hu.shape[1:]), [stack.interpretation], size)


def encode_slices(hu: np.ndarray, form: ExportForm) -> list[bytes]:
    encode = slice_encoder(form)
    return [encode(h) for h in hu]


def resampled_series(scan: RealScan, matrix: int) -> list[bytes]:
    return [resampled_dicom(data, hu, matrix) for data, hu in zip(scan.dicom_files, scan.hu)]
