"""DICOM files of one series -> slices sorted along the slice normal, after checking they form one regular stack.

Headers are read, checked and ordered first (read_series_layout); pixels decode per slice after that, so a caller can
decode slice k+1 while the models run slice k (app.pipeline.flows.series_chunks).

Order comes from ImagePositionPatient projected on the normal (row x column direction cosines), never from file
names or InstanceNumber. Index 0 is the lowest position along the normal: the most inferior slice of a standard
axial scan.
"""

from dataclasses import dataclass, field

import numpy as np

from app.errors import InvalidInput, PayloadTooLarge, ServiceError
from app.pipeline.decode.dicom import DicomHeader, decode_hu, read_dicom_header

FIELD = "files"
SPACING_TOLERANCE_MM = 1e-3
ORIENTATION_TOLERANCE = 1e-3
DUPLICATE_GAP_MM = 0.01
# Sequential head CT may switch from 5 mm (posterior fossa) to 10 mm; a larger jump means missing slices.
MAX_GAP_RATIO = 2.5


@dataclass
class SliceRef:
    upload_index: int  # which file of the request
    sop_instance_uid: str | None
    position_mm: float | None  # along the slice normal


@dataclass
class SeriesLayout:
    """One series with its headers checked and ordered, its pixels not yet decoded."""

    shape: tuple[int, int, int]  # (slices, rows, columns)
    spacing_mm: tuple[float, float] | None  # (between rows, between columns)
    slab_mm: np.ndarray | None  # (slices,) thickness each slice stands for, from the gaps to its neighbours
    slices: list[SliceRef]  # answer order
    uids: dict[str, str]  # StudyInstanceUID, SeriesInstanceUID
    lossy: bool
    body_part: str | None  # BodyPartExamined of the first slice
    contrast_agent: bool  # any slice names a ContrastBolusAgent
    headers: list[DicomHeader] = field(repr=False)  # upload order

    def decode(self, position: int) -> np.ndarray:
        """Slice `position` of the answer order in HU, float32 (rows, columns); its header lets go of the pixel
        data once decoded, so the file bytes are not held twice."""
        index = self.slices[position].upload_index
        try:
            hu = decode_hu(self.headers[index])
        except ServiceError as e:
            raise type(e)(f"files[{index}]: {e.message}", FIELD) from e
        self.headers[index].dataset = None
        return hu


@dataclass
class DicomSeries:
    hu: np.ndarray  # float32 (slices, rows, columns), HU, sorted along the normal
    spacing_mm: tuple[float, float] | None  # (between rows, between columns)
    slab_mm: np.ndarray | None  # (slices,) thickness each slice stands for, from the gaps to its neighbours
    slices: list[SliceRef]
    uids: dict[str, str]  # StudyInstanceUID, SeriesInstanceUID
    lossy: bool
    body_part: str | None = None  # BodyPartExamined of the first slice
    contrast_agent: bool = False  # any slice names a ContrastBolusAgent


def _read_headers(files: list[bytes], max_pixels: int, max_voxels: int) -> list[DicomHeader]:
    headers, voxels = [], 0
    for index, data in enumerate(files):
        try:
            if not data:
                raise InvalidInput("file is empty", FIELD)
            headers.append(read_dicom_header(data, max_pixels))
        except ServiceError as e:
            raise type(e)(f"files[{index}]: {e.message}", FIELD) from e
        voxels += headers[-1].matrix[0] * headers[-1].matrix[1]
        if voxels > max_voxels:  # compressed files can hold far more pixels than their bytes suggest
            raise PayloadTooLarge(f"the series holds more than {max_voxels} voxels (at files[{index}])", FIELD)
    return headers


def _first_difference(values: list, same) -> int | None:
    return next((i for i, value in enumerate(values) if not same(values[0], value)), None)


def _require_consistent(slices: list[DicomHeader]) -> None:
    checks = [
        ("SeriesInstanceUID", [s.uids.get("SeriesInstanceUID") for s in slices], lambda a, b: a == b),
        ("FrameOfReferenceUID", [s.frame_of_reference for s in slices], lambda a, b: a == b),
        ("Rows/Columns", [s.matrix for s in slices], lambda a, b: a == b),
        ("PixelSpacing", [s.spacing_mm for s in slices], _close_spacing),
        ("ImageOrientationPatient", [s.geometry for s in slices], _same_orientation),
    ]
    for keyword, values, same in checks:
        other = _first_difference(values, same)
        if other is None:
            continue
        if keyword == "SeriesInstanceUID":
            count = len(set(values))
            raise InvalidInput(
                f"the files belong to {count} series (SeriesInstanceUID of files[0] and files[{other}] differ); "
                "send one series per request",
                FIELD,
            )
        raise InvalidInput(f"inconsistent geometry: {keyword} of files[0] and files[{other}] differ", FIELD)


def _close_spacing(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.allclose(a, b, atol=SPACING_TOLERANCE_MM))


def _same_orientation(a, b) -> bool:
    if a is None or b is None:
        return True  # a missing plane is refused by _positions, with its own message
    return bool(
        np.allclose(a.row_direction, b.row_direction, atol=ORIENTATION_TOLERANCE)
        and np.allclose(a.column_direction, b.column_direction, atol=ORIENTATION_TOLERANCE)
    )


def _positions(slices: list[DicomHeader]) -> np.ndarray:
    missing = next((i for i, s in enumerate(slices) if s.geometry is None), None)
    if missing is not None:
        raise InvalidInput(
            f"files[{missing}] has no ImagePositionPatient/ImageOrientationPatient; a series needs both to order "
            "its slices",
            FIELD,
        )
    normal = slices[0].geometry.normal
    return np.array([s.geometry.distance_along(normal) for s in slices])


def _slabs(ordered_positions: np.ndarray, order: np.ndarray) -> np.ndarray:
    gaps = np.diff(ordered_positions)
    duplicate = int(np.argmin(gaps))
    if gaps[duplicate] < DUPLICATE_GAP_MM:
        first, second = sorted((int(order[duplicate]), int(order[duplicate + 1])))
        raise InvalidInput(
            f"files[{first}] and files[{second}] lie at the same position along the slice normal "
            f"({ordered_positions[duplicate]:.2f} mm); send each slice once",
            FIELD,
        )
    if gaps.max() > MAX_GAP_RATIO * gaps.min():
        raise InvalidInput(
            f"inconsistent geometry: gaps between slices range from {gaps.min():.2f} to {gaps.max():.2f} mm "
            "along the slice normal; a slice may be missing",
            FIELD,
        )
    # Each slice stands for half the gap to each neighbour; the end slices for their one gap.
    padded = np.concatenate([gaps[:1], gaps, gaps[-1:]])
    return (padded[:-1] + padded[1:]) / 2


def read_series_layout(files: list[bytes], max_slices: int, max_pixels: int, max_voxels: int) -> SeriesLayout:
    """DICOM bytes in upload order -> one checked, ordered series whose pixels decode on demand."""
    if not files:
        raise InvalidInput("no files were sent", FIELD)
    if len(files) > max_slices:
        raise PayloadTooLarge(f"the series has {len(files)} files, over the limit of {max_slices} slices", FIELD)
    headers = _read_headers(files, max_pixels, max_voxels)
    _require_consistent(headers)
    first = headers[0]
    if len(headers) == 1:
        slab = np.array([first.slice_thickness_mm]) if first.slice_thickness_mm else None
        refs = [SliceRef(0, first.uids.get("SOPInstanceUID"), None)]
    else:
        positions = _positions(headers)
        order = np.argsort(positions, kind="stable")
        slab = _slabs(positions[order], order)
        refs = [SliceRef(int(i), headers[i].uids.get("SOPInstanceUID"), float(positions[i])) for i in order]
    return SeriesLayout(
        (len(headers), *first.matrix),
        first.spacing_mm,
        slab,
        refs,
        _series_uids(first),
        lossy=any(h.lossy for h in headers),
        body_part=first.body_part,
        contrast_agent=any(h.contrast_agent for h in headers),
        headers=headers,
    )


def assemble_series(files: list[bytes], max_slices: int, max_pixels: int, max_voxels: int) -> DicomSeries:
    """DICOM bytes in upload order -> one checked, sorted series, every slice decoded."""
    layout = read_series_layout(files, max_slices, max_pixels, max_voxels)
    hu = np.stack([layout.decode(position) for position in range(len(layout.slices))])
    return DicomSeries(
        hu,
        layout.spacing_mm,
        layout.slab_mm,
        layout.slices,
        layout.uids,
        layout.lossy,
        layout.body_part,
        layout.contrast_agent,
    )


def _series_uids(first: DicomHeader) -> dict[str, str]:
    return {k: v for k, v in first.uids.items() if k in ("StudyInstanceUID", "SeriesInstanceUID")}
