"""Bytes -> HU. The format is detected from the bytes, never trusted from a file name or Content-Type.

Array conventions: `DecodedSlice.hu` is float32 (rows, columns) in Hounsfield units, row 0 at the top.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from app.errors import InvalidInput, UnsupportedImage
from app.pipeline.decode.dicom import read_dicom_slice
from app.pipeline.decode.jpeg_markers import jpeg_quality
from app.pipeline.decode.limits import (
    check_binary_mask,
    check_mask_header,
    check_png16_range,
    check_raster_header,
    check_slice_shape,
    header_size,
)
from app.pipeline.decode.nifti import is_nifti
from core.raster import BRAIN_WINDOW_FORM, raster_to_hu

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
DICOM_MAGIC_OFFSET, DICOM_MAGIC = 128, b"DICM"


@dataclass
class DecodedSlice:
    hu: np.ndarray  # float32 (H, W)
    source_format: str  # png, jpeg, dicom, ...
    interpretation: str  # "brain_window_8bit": only 0..80 HU survive; "hu": full range
    spacing_mm: tuple[float, float] | None = None  # (row, column) pixel spacing when the file says
    identifiers: dict[str, str] = field(default_factory=dict)  # UIDs only, never patient data
    lossy: bool = False  # DICOM says it was irreversibly compressed
    jpeg_quality: int | None = None  # JPEG: the quality its quantisation tables imply
    body_part: str | None = None  # DICOM BodyPartExamined
    contrast_agent: bool = False  # DICOM ContrastBolusAgent is filled in


def detect_format(data: bytes) -> str:
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] == DICOM_MAGIC:
        return "dicom"
    if is_nifti(data):
        return "nifti"  # a volume: /v1/volume takes it, the slice endpoints refuse it by name
    raise UnsupportedImage("unrecognised file format: expected PNG, JPEG or DICOM", "image")


def _imdecode(data: bytes, what: str, field_name: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InvalidInput(f"{what} could not be decoded; the file is corrupt or truncated", field_name)
    return image


def decode_raster(data: bytes, source_format: str, max_pixels: int) -> DecodedSlice:
    """PNG or JPEG. 8-bit images are brain-window renderings; 16-bit grayscale PNG holds HU + 1024."""
    check_raster_header(data, source_format, max_pixels)
    size = header_size(data, source_format)
    if size is not None and min(size) > 0:  # a 0-pixel header is a broken file; the decoder says so
        check_slice_shape(*size)
    image = _imdecode(data, source_format.upper(), "image")
    if image.shape[0] * image.shape[1] > max_pixels:
        raise InvalidInput(
            f"image is {image.shape[1]}x{image.shape[0]} pixels, over the limit of {max_pixels}", "image"
        )
    check_slice_shape(image.shape[1], image.shape[0])
    if image.dtype == np.uint16 and image.ndim == 2:
        check_png16_range(image)
    converted = raster_to_hu(image)
    if converted is not None:
        hu, interpretation = converted
        quality = jpeg_quality(data) if source_format == "jpeg" and interpretation == BRAIN_WINDOW_FORM else None
        return DecodedSlice(hu, source_format, interpretation, jpeg_quality=quality)
    raise UnsupportedImage(
        f"{image.dtype} image with {1 if image.ndim == 2 else image.shape[2]} channels is not supported; "
        "send 8-bit brain-window grayscale/RGB or 16-bit grayscale PNG holding HU + 1024",
        "image",
    )


def decode_dicom(data: bytes, source_format: str, max_pixels: int) -> DecodedSlice:
    """One axial CT slice in HU (app.pipeline.decode.dicom), with PixelSpacing and the Study/Series/SOP UIDs."""
    dicom = read_dicom_slice(data, max_pixels)
    check_slice_shape(dicom.hu.shape[1], dicom.hu.shape[0])
    return DecodedSlice(
        dicom.hu,
        source_format,
        "hu",
        dicom.spacing_mm,
        dicom.uids,
        lossy=dicom.lossy,
        body_part=dicom.body_part,
        contrast_agent=dicom.contrast_agent,
    )


Decoder = Callable[[bytes, str, int], DecodedSlice]
DECODERS: dict[str, Decoder] = {"png": decode_raster, "jpeg": decode_raster, "dicom": decode_dicom}


def decode_slice(data: bytes, max_pixels: int) -> DecodedSlice:
    """Any supported single-slice file -> DecodedSlice."""
    if not data:
        raise InvalidInput("image is empty", "image")
    source_format = detect_format(data)
    decoder = DECODERS.get(source_format)
    if decoder is None:
        raise UnsupportedImage(f"{source_format} files are not supported by this endpoint", "image")
    return decoder(data, source_format, max_pixels)


def decode_reference_mask(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    """A PNG (or any raster) whose non-zero pixels are hemorrhage -> bool (H, W) matching the image."""
    if not data:
        raise InvalidInput("reference_mask is empty", "reference_mask")
    if not data.startswith((PNG_MAGIC, JPEG_MAGIC)):
        raise UnsupportedImage("reference_mask must be a PNG", "reference_mask")
    check_mask_header(data, shape)
    image = _imdecode(data, "reference_mask", "reference_mask")
    check_binary_mask(image)
    # Alpha says nothing about hemorrhage; only colour channels count.
    mask = image[..., :3].any(axis=-1) if image.ndim == 3 else image > 0
    if mask.shape != tuple(shape):
        raise InvalidInput(
            f"reference_mask is {mask.shape[1]}x{mask.shape[0]} but the image is {shape[1]}x{shape[0]}",
            "reference_mask",
        )
    return mask
