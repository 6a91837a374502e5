"""Broken and hostile image files, built in code: forged headers, truncations, random bytes."""

import struct
import zlib

import cv2
import numpy as np

from tests.app.images import brain_window_slice, jpeg, png


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A valid-looking PNG whose IHDR claims width x height but whose data is one tiny row: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int, progressive: bool = False) -> bytes:
    """A real JPEG whose SOF header is rewritten to claim another size."""
    flags = [cv2.IMWRITE_JPEG_PROGRESSIVE, 1] if progressive else []
    ok, buffer = cv2.imencode(".jpg", brain_window_slice(), flags)
    assert ok
    data = bytearray(buffer.tobytes())
    sof = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def random_bytes(seed: int, size: int, prefix: bytes = b"") -> bytes:
    return prefix + np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def good_png() -> bytes:
    return png(brain_window_slice())


def good_jpeg() -> bytes:
    return jpeg(brain_window_slice())


def truncated(data: bytes, keep: float) -> bytes:
    """The first `keep` bytes (int) or share of the file (float)."""
    return data[: keep if isinstance(keep, int) else int(len(data) * keep)]
