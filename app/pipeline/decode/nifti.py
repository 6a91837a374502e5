"""NIfTI-1/-2 bytes (.nii or .nii.gz) -> nibabel images, with the size checked from the header before inflating.

The header is read first, so a gzip bomb or a volume past the limits is refused before it is decompressed.
"""

import zlib
from io import BytesIO

import nibabel as nib
import numpy as np

from app.errors import InvalidInput, PayloadTooLarge, UnsupportedImage

GZIP_MAGIC = b"\x1f\x8b"
HEADER_BYTES = {348: nib.Nifti1Image, 540: nib.Nifti2Image}  # sizeof_hdr -> image class
SINGLE_FILE_MAGIC = {348: (344, b"n+1\x00"), 540: (4, b"n+2\x00")}
PAIR_MAGIC = {348: (344, b"ni1\x00"), 540: (4, b"ni2\x00")}  # .hdr/.img pairs
SNIFF_BYTES = 544
MAX_DATA_OFFSET = 1024 * 1024  # header extensions past a megabyte are not CT metadata


def _inflate(data: bytes, limit: int, field: str) -> bytes:
    """Decompress gzip data, at most `limit` bytes of output."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return inflater.decompress(data, limit)
    except zlib.error as e:
        raise InvalidInput(f"{field} is gzip-compressed but its stream is corrupt", field) from e


def _head(data: bytes, field: str = "volume") -> bytes:
    return _inflate(data, SNIFF_BYTES, field) if data.startswith(GZIP_MAGIC) else data[:SNIFF_BYTES]


def _header_size(head: bytes) -> int | None:
    for order in ("<", ">"):
        size = int(np.frombuffer(head[:4], f"{order}i4")[0]) if len(head) >= 4 else 0
        if size in HEADER_BYTES:
            return size
    return None


def _magic_is(head: bytes, size: int, table: dict) -> bool:
    offset, magic = table[size]
    return head[offset : offset + 4] == magic


def is_nifti(data: bytes) -> bool:
    """True for a single-file NIfTI-1 or -2, plain or gzipped; only the first bytes are inflated."""
    try:
        head = _head(data)
    except InvalidInput:  # gzip that does not inflate: not ours to name here
        return False
    size = _header_size(head)
    return size is not None and (_magic_is(head, size, SINGLE_FILE_MAGIC) or _magic_is(head, size, PAIR_MAGIC))


def _checked_header(head: bytes, max_voxels: int, field: str):
    size = _header_size(head)
    if size is None or not (_magic_is(head, size, SINGLE_FILE_MAGIC) or _magic_is(head, size, PAIR_MAGIC)):
        raise UnsupportedImage(f"{field} is not a NIfTI file (.nii or .nii.gz)", field)
    if _magic_is(head, size, PAIR_MAGIC):
        raise UnsupportedImage(f"{field} is the header of a .hdr/.img pair; send a single-file .nii or .nii.gz", field)
    image_class = HEADER_BYTES[size]
    try:
        header = image_class.header_class.from_fileobj(BytesIO(head[:size]))
        shape, dtype = header.get_data_shape(), header.get_data_dtype()
    except Exception as e:
        raise InvalidInput(f"{field} has a malformed NIfTI header", field) from e
    if any(n == 0 for n in shape) or not shape:
        raise InvalidInput(f"{field} has an empty dimension: shape {tuple(int(n) for n in shape)}", field)
    if dtype.kind not in "iuf" or dtype.fields is not None:
        raise UnsupportedImage(f"{field} holds {dtype} voxels; expected integer or float HU", field)
    voxels = int(np.prod(shape, dtype=np.int64))
    if voxels > max_voxels:
        raise PayloadTooLarge(f"{field} holds {voxels} voxels, over the limit of {max_voxels}", field)
    offset = int(header.get_data_offset())
    if not size + 4 <= offset <= MAX_DATA_OFFSET:
        raise InvalidInput(f"{field} has a malformed NIfTI header: voxel data offset {offset}", field)
    return image_class, header, offset + voxels * dtype.itemsize


def read_nifti(data: bytes, max_voxels: int, field: str = "volume") -> nib.Nifti1Image:
    """Bytes -> nibabel image with its data loaded; the voxel count is bounded before anything is inflated."""
    if not data:
        raise InvalidInput(f"{field} is empty", field)
    image_class, _, expected = _checked_header(_head(data, field), max_voxels, field)
    raw = _inflate(data, expected, field) if data.startswith(GZIP_MAGIC) else data[:expected]
    if len(raw) < expected:
        raise InvalidInput(f"{field} is truncated: {len(raw)} of {expected} bytes", field)
    try:
        image = image_class.from_bytes(raw)
        image.get_fdata(dtype=np.float32)  # decode now, so failures surface here and not later
    except Exception as e:
        raise InvalidInput(f"{field} could not be read as NIfTI: the file is corrupt", field) from e
    return image
