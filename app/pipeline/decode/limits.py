"""Checks on raw image bytes before decoding (header dimensions against the pixel limit) and on decoded values.

OpenCV allocates the full image before it looks at the data, so a 40-byte PNG claiming 30000x30000 pixels would
cost gigabytes; reading the size from the PNG IHDR or the JPEG SOF header first keeps such files cheap to refuse.
"""

import struct

import numpy as np

from app.errors import InvalidInput
from app.pipeline.decode.jpeg_markers import jpeg_size

# 16-bit PNGs hold HU + 1024; CT's extended scale ends near 30700 HU, so larger values cannot be CT numbers.
PNG16_MAX_VALUE = 30719 + 1024
# CT is reconstructed on 256-1024 matrices; under 64 pixels a side no head anatomy survives (64 px over a
# 240 mm field of view is 3.75 mm a pixel), and even a cropped or tilted slice is never 4 times longer than wide.
MIN_SLICE_SIDE = 64
MAX_SLICE_ASPECT = 4.0


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, or None when the header is not there to read."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def header_size(data: bytes, source_format: str) -> tuple[int, int] | None:
    return {"png": png_size, "jpeg": jpeg_size}.get(source_format, lambda _: None)(data)


def check_slice_shape(width: int, height: int, field: str = "image") -> None:
    """Refuse what cannot be a CT slice: a thumbnail, an icon, a strip."""
    if min(width, height) < MIN_SLICE_SIDE:
        raise InvalidInput(
            f"{field} is {width}x{height} pixels; a CT slice is at least {MIN_SLICE_SIDE} pixels a side", field
        )
    aspect = max(width, height) / min(width, height)
    if aspect > MAX_SLICE_ASPECT:
        raise InvalidInput(
            f"{field} is {width}x{height} pixels, {aspect:.1f} times as long as it is wide; "
            f"a CT slice is at most {MAX_SLICE_ASPECT:g} times",
            field,
        )


def check_raster_header(data: bytes, source_format: str, max_pixels: int, field: str = "image") -> None:
    """Refuse an over-size PNG/JPEG before it is decoded; unreadable headers are left to the decoder to refuse."""
    size = header_size(data, source_format)
    if size is not None and size[0] * size[1] > max_pixels:
        raise InvalidInput(f"{field} is {size[0]}x{size[1]} pixels, over the limit of {max_pixels}", field)


def check_mask_header(data: bytes, shape: tuple[int, int]) -> None:
    """A reference mask must match the image, so its header size can be checked before any decoding."""
    source_format = "png" if data.startswith(b"\x89PNG") else "jpeg"
    size = header_size(data, source_format)
    if size is not None and (size[1], size[0]) != tuple(shape):
        raise InvalidInput(
            f"reference_mask is {size[0]}x{size[1]} but the image is {shape[1]}x{shape[0]}", "reference_mask"
        )


def check_png16_range(image: np.ndarray, field: str = "image") -> None:
    top = int(image.max())
    if top > PNG16_MAX_VALUE:
        raise InvalidInput(
            f"{field} holds 16-bit values up to {top}; HU + 1024 cannot exceed {PNG16_MAX_VALUE} "
            "(send 16-bit PNGs as HU + 1024)",
            field,
        )


def check_binary_mask(image: np.ndarray, field: str = "reference_mask") -> None:
    """A mask holds background and one label value; more values mean a picture or a lossy copy of a mask."""
    colour = image[..., :3] if image.ndim == 3 else image  # alpha says nothing about the label
    values = np.unique(colour.reshape(-1, colour.shape[-1]) if colour.ndim == 3 else colour.ravel(), axis=0)
    labels = [value for value in values if np.any(value)]
    if len(labels) > 1:
        raise InvalidInput(
            f"{field} must be binary (0 and one non-zero value) but holds {len(labels)} distinct non-zero values",
            field,
        )
