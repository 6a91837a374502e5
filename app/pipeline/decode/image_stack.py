"""A series sent as image exports, one PNG or JPEG file per slice, in slice order: each file decoded as a lone slice
is (app.pipeline.decode.slice_file), then stacked. Exports carry no geometry, so the caller may say the pixel and
slice spacing; without them the answer gives no mm² nor mL, and the pixel size is estimated where the models need it.

Stacked, an export's slices can be assessed against each other (core.stack_assessment), which a lone slice cannot.
"""

from dataclasses import dataclass

import numpy as np

from app.errors import InvalidInput, PayloadTooLarge, ServiceError
from app.pipeline.decode.slice_file import DecodedSlice, decode_slice, detect_format

FIELD = "files"
IMAGE_FORMATS = ("png", "jpeg")


@dataclass
class ImageStack:
    hu: np.ndarray  # float32 (slices, rows, columns), in upload order
    source_format: str  # png, jpeg, or png+jpeg
    interpretation: str  # as every slice was read: brain_window_8bit or hu (16-bit PNG)
    jpeg_quality: int | None  # the lowest any JPEG's quantisation tables imply


def is_image_stack(files: list[bytes]) -> bool:
    """True when the first file is a PNG or JPEG: the request is then read as an image stack, whose every file must be."""
    try:
        return bool(files) and detect_format(files[0]) in IMAGE_FORMATS
    except ServiceError:
        return False


def _decode(index: int, data: bytes, max_pixels: int) -> DecodedSlice:
    try:
        if detect_format(data) not in IMAGE_FORMATS:
            raise InvalidInput("not a PNG or JPEG; a series is all DICOM or all PNG/JPEG slices")
        return decode_slice(data, max_pixels)
    except ServiceError as e:
        raise type(e)(f"files[{index}]: {e.message}", FIELD) from e


def _same_as_first(index: int, decoded: DecodedSlice, first: DecodedSlice) -> None:
    if decoded.hu.shape != first.hu.shape:
        (rows, columns), (first_rows, first_columns) = decoded.hu.shape, first.hu.shape
        raise InvalidInput(
            f"files[{index}] is {columns}x{rows} pixels and files[0] {first_columns}x{first_rows}; "
            "the slices of one series share one size",
            FIELD,
        )
    if decoded.interpretation != first.interpretation:
        raise InvalidInput(
            f"files[{index}] is read as {decoded.interpretation} and files[0] as {first.interpretation}; "
            "send one kind of export for the whole series (8-bit brain window, or 16-bit PNG holding HU + 1024)",
            FIELD,
        )


def read_image_stack(files: list[bytes], max_slices: int, max_pixels: int, max_voxels: int) -> ImageStack:
    """PNG/JPEG bytes in slice order -> the stack, or a 4xx naming the first file that cannot join it."""
    if not files:
        raise InvalidInput("no files were sent", FIELD)
    if len(files) > max_slices:
        raise PayloadTooLarge(f"the series has {len(files)} files, over the limit of {max_slices} slices", FIELD)
    first = _decode(0, files[0], max_pixels)
    if first.hu.size * len(files) > max_voxels:
        rows, columns = first.hu.shape
        message = f"{len(files)} slices of {columns}x{rows} pixels are over the limit of {max_voxels} voxels"
        raise PayloadTooLarge(message, FIELD)
    slices = [first]
    for index, data in enumerate(files[1:], start=1):
        decoded = _decode(index, data, max_pixels)
        _same_as_first(index, decoded, first)
        slices.append(decoded)
    qualities = [s.jpeg_quality for s in slices if s.jpeg_quality is not None]
    return ImageStack(
        np.stack([s.hu for s in slices]),
        "+".join(sorted({s.source_format for s in slices}, key=IMAGE_FORMATS.index)),
        first.interpretation,
        min(qualities) if qualities else None,
    )
