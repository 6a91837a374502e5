"""JPEG marker segments read straight from the bytes: the frame size (before decoding) and the quality the
quantisation tables imply (IJG scaling), for the heavy-compression warning."""

import struct
from collections.abc import Iterator

import numpy as np

# SOFn markers carry the frame size; C4 (DHT), C8 (reserved) and CC (DAC) share the range but are not frames.
JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01}  # RSTn, SOI, EOI, TEM: no length field
DQT, SOS = 0xDB, 0xDA
# The IJG (libjpeg) luminance table at quality 50; encoders scale it by quality, so the ratio gives quality back.
IJG_LUMINANCE = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
     14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    np.float64,
)  # fmt: skip


def segments(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(marker, payload) of each segment from SOI up to the start of scan; stops quietly at malformed bytes."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in JPEG_STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        yield marker, data[position + 4 : position + 2 + length]
        if marker == SOS:
            return
        position += 2 + length


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first SOFn segment."""
    for marker, payload in segments(data):
        if marker in JPEG_SOF:
            if len(payload) < 5:
                return None
            height, width = struct.unpack(">HH", payload[1:5])
            return width, height
    return None


def _first_table(payload: bytes) -> np.ndarray | None:
    if not payload:
        return None
    precision = payload[0] >> 4  # 0: 8-bit entries, 1: 16-bit
    size = 64 * (2 if precision else 1)
    if len(payload) < 1 + size:
        return None
    dtype = ">u2" if precision else "u1"
    return np.frombuffer(payload[1 : 1 + size], dtype).astype(np.float64)


def jpeg_quality(data: bytes) -> int | None:
    """Estimated IJG quality (1-100) of the first quantisation table; None without one.

    Sums are compared, so the zig-zag order of the stored table does not matter.
    """
    for marker, payload in segments(data):
        if marker == DQT:
            table = _first_table(payload)
            if table is None:
                return None
            scale = 100.0 * table.sum() / IJG_LUMINANCE.sum()
            quality = (200.0 - scale) / 2.0 if scale <= 100.0 else 5000.0 / scale
            return round(min(max(quality, 1.0), 100.0))
    return None
