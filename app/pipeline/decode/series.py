"""DICOM files of one series -> slices sorted along the slice normal, after checking they form one regular stack.

Order comes from ImagePositionPatient projected on the normal (row x column direction cosines), never from file
names or InstanceNumber. Index 0 is the lowest position along the normal: the most inferior slice of a standard
axial scan.
"""

from dataclasses import dataclass

import numpy as np

from app.errors import InvalidInput, PayloadTooLarge, ServiceError
from app.pipeline.decode.dicom import DicomSlice, read_dicom_slice

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
class DicomSeries:
    hu: np.ndarray  # float32 (slices, rows, columns), HU, sorted along the normal
    spacing_mm: tuple[float, float] | None  # (between rows, between columns)
    slab_mm: np.ndarray | None  # (slices,) thickness each slice stands for, from the gaps to its neighbours
    slices: list[SliceRef]
    uids: dict[str, str]  # StudyInstanceUID, SeriesInstanceUID
    lossy: bool
    body_part: str | None = None  # BodyPartExamined of the first slice
    contrast_agent: bool = False  # any slice names a ContrastBolusAgent


def _decode_all(files: list[bytes], max_pixels: int, max_voxels: int) -> list[DicomSlice]:
    decoded, voxels = [], 0
    for index, data in enumerate(files):
        try:
            if not data:
                raise InvalidInput("file is empty", FIELD)
            decoded.append(read_dicom_slice(data, max_pixels))
        except ServiceError as e:
            raise type(e)(f"files[{index}]: {e.message}", FIELD) from e
        voxels += decoded[-1].hu.size
        if voxels > max_voxels:  # compressed files can hold far more pixels than their bytes suggest
            raise PayloadTooLarge(f"the series holds more than {max_voxels} voxels (at files[{index}])", FIELD)
    return decoded


def _first_difference(values: list, same) -> int | None:
    return next((i for i, value in enumerate(values) if not same(values[0], value)), None)


def _require_consistent(slices: list[DicomSlice]) -> None:
    checks = [
        ("SeriesInstanceUID", [s.uids.get("SeriesInstanceUID") for s in slices], lambda a, b: a == b),
        ("FrameOfReferenceUID", [s.frame_of_reference for s in slices], lambda a, b: a == b),
        ("Rows/Columns", [s.hu.shape for s in slices], lambda a, b: a == b),
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


def _positions(slices: list[DicomSlice]) -> np.ndarray:
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


def assemble_series(files: list[bytes], max_slices: int, max_pixels: int, max_voxels: int) -> DicomSeries:
    """DICOM bytes in upload order -> one checked, sorted series."""
    if not files:
        raise InvalidInput("no files were sent", FIELD)
    if len(files) > max_slices:
        raise PayloadTooLarge(f"the series has {len(files)} files, over the limit of {max_slices} slices", FIELD)
    slices = _decode_all(files, max_pixels, max_voxels)
    _require_consistent(slices)
    if len(slices) == 1:
        only = slices[0]
        slab = np.array([only.slice_thickness_mm]) if only.slice_thickness_mm else None
        refs = [SliceRef(0, only.uids.get("SOPInstanceUID"), None)]
        return DicomSeries(
            only.hu[None],
            only.spacing_mm,
            slab,
            refs,
            _series_uids(only),
            only.lossy,
            only.body_part,
            only.contrast_agent,
        )
    positions = _positions(slices)
    order = np.argsort(positions, kind="stable")
    slabs = _slabs(positions[order], order)
    refs = [SliceRef(int(i), slices[i].uids.get("SOPInstanceUID"), float(positions[i])) for i in order]
    hu = np.stack([slices[i].hu for i in order])
    lossy = any(s.lossy for s in slices)
    contrast = any(s.contrast_agent for s in slices)
    return DicomSeries(
        hu, slices[0].spacing_mm, slabs, refs, _series_uids(slices[0]), lossy, slices[0].body_part, contrast
    )


def _series_uids(first: DicomSlice) -> dict[str, str]:
    return {k: v for k, v in first.uids.items() if k in ("StudyInstanceUID", "SeriesInstanceUID")}
