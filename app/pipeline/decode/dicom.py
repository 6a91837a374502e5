"""DICOM bytes -> one axial CT slice in HU, with pixel spacing, plane and UIDs (pydicom).

Only the tags in TAGS are parsed (dcmread's specific_tags), so patient names, IDs and dates never reach memory,
logs or error messages.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from io import BytesIO
from typing import TypeVar

import numpy as np
import pydicom
from pydicom import uid

from app.errors import InvalidInput, ServiceError
from app.pipeline.decode.dicom_checks import require_ct_image
from app.pipeline.decode.dicom_geometry import SliceGeometry, read_geometry, require_axial
from app.pipeline.decode.dicom_pixels import require_supported_syntax, stored_values, to_hu

UID_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
TAGS = [
    *UID_KEYWORDS,
    "FrameOfReferenceUID",
    "Modality",
    "ImageType",
    "NumberOfFrames",
    "SamplesPerPixel",
    "PhotometricInterpretation",
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "HighBit",
    "PixelRepresentation",
    "PlanarConfiguration",
    "PixelSpacing",
    "SliceThickness",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "RescaleSlope",
    "RescaleIntercept",
    "RescaleType",
    "ModalityLUTSequence",
    "PixelPaddingValue",
    "PixelPaddingRangeLimit",
    "LossyImageCompression",
    "BodyPartExamined",
    "ContrastBolusAgent",
    "PixelData",
    "FloatPixelData",
    "DoubleFloatPixelData",
]
T = TypeVar("T")
ALWAYS_LOSSY = {uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit, uid.JPEGLSNearLossless}


@dataclass(kw_only=True)
class DicomHeader:
    """Everything a slice says about itself, read and checked before its pixels are decoded."""

    matrix: tuple[int, int]  # (Rows, Columns)
    spacing_mm: tuple[float, float] | None  # PixelSpacing: (between rows, between columns)
    geometry: SliceGeometry | None
    slice_thickness_mm: float | None
    lossy: bool  # irreversibly compressed at some point: predictions may be less reliable
    uids: dict[str, str] = field(default_factory=dict)  # Study/Series/SOP Instance UIDs only
    frame_of_reference: str | None = None
    body_part: str | None = None  # BodyPartExamined, a code string such as HEAD
    contrast_agent: bool = False  # ContrastBolusAgent is filled in: the scan is contrast-enhanced
    dataset: pydicom.Dataset | None = field(default=None, repr=False, compare=False)  # holds the pixel data


@dataclass(kw_only=True)
class DicomSlice(DicomHeader):
    hu: np.ndarray  # float32 (rows, columns), HU, as stored


class _TruncationWatch(BytesIO):
    """pydicom stops quietly at the end of a cut-off file; a short read or a seek past the end gives it away.

    A clean file ends exactly where the next 8-byte element header would start, so only that read may come back empty.
    """

    truncated = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if size is not None and size > 0 and len(chunk) < size and (chunk or size != 8):
            self.truncated = True
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = super().seek(offset, whence)
        self.truncated |= position > len(self.getbuffer())
        return position


def parse(data: bytes) -> pydicom.Dataset:
    stream = _TruncationWatch(data)
    try:
        ds = pydicom.dcmread(stream, specific_tags=TAGS)
    except Exception as e:
        raise InvalidInput("DICOM file could not be parsed: the file is corrupt or truncated", "image") from e
    if stream.truncated:
        raise InvalidInput("DICOM file is truncated: it ends inside a data element", "image")
    return ds


def _positive(value, count: int, keyword: str) -> tuple[float, ...] | None:
    if value in (None, ""):
        return None
    numbers = tuple(float(v) for v in (value if count > 1 else [value]))
    if len(numbers) != count or not all(np.isfinite(n) and n > 0 for n in numbers):
        raise InvalidInput(f"DICOM {keyword} must be {count} positive number{'s' * (count > 1)}", "image")
    return numbers


def _uids(ds) -> dict[str, str]:
    return {keyword: str(ds.get(keyword)) for keyword in UID_KEYWORDS if ds.get(keyword)}


def _header(data: bytes, max_pixels: int) -> DicomHeader:
    ds = parse(data)
    require_ct_image(ds, max_pixels)
    require_supported_syntax(ds)
    geometry = read_geometry(ds)
    require_axial(geometry)
    spacing = _positive(ds.get("PixelSpacing"), 2, "PixelSpacing")
    thickness = _positive(ds.get("SliceThickness"), 1, "SliceThickness")
    return DicomHeader(
        matrix=(int(ds.Rows), int(ds.Columns)),
        spacing_mm=spacing,
        geometry=geometry,
        slice_thickness_mm=thickness[0] if thickness else None,
        lossy=ds.get("LossyImageCompression") == "01" or ds.file_meta.TransferSyntaxUID in ALWAYS_LOSSY,
        uids=_uids(ds),
        frame_of_reference=str(ds.get("FrameOfReferenceUID")) if ds.get("FrameOfReferenceUID") else None,
        body_part=str(ds.get("BodyPartExamined") or "").strip().upper() or None,
        contrast_agent=bool(str(ds.get("ContrastBolusAgent", "") or "").strip()),
        dataset=ds,
    )


def _service_errors(read: Callable[..., T], *args) -> T:
    """Every failure, ours or pydicom's, becomes a 4xx service error."""
    try:
        return read(*args)
    except ServiceError:
        raise
    except Exception as e:  # a malformed value surfaces lazily, when pydicom converts the element
        raise InvalidInput("DICOM header could not be read: a value is malformed", "image") from e


def read_dicom_header(data: bytes, max_pixels: int) -> DicomHeader:
    """One CT slice's header, checked; its pixels stay undecoded (decode_hu), so a series can be ordered first."""
    return _service_errors(_header, data, max_pixels)


def decode_hu(header: DicomHeader) -> np.ndarray:
    """The slice's pixels in HU: float32 (rows, columns), as stored."""
    return _service_errors(lambda ds: to_hu(ds, stored_values(ds)), header.dataset)


def read_dicom_slice(data: bytes, max_pixels: int) -> DicomSlice:
    """One CT slice, header and pixels."""
    header = read_dicom_header(data, max_pixels)
    described = {f.name: getattr(header, f.name) for f in fields(DicomHeader)}
    return DicomSlice(hu=decode_hu(header), **described)
