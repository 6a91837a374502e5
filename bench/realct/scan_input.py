"""A scan on disk -> HU slices through the service's own readers: a DICOM series folder, a NIfTI volume, or a folder
of PNG/JPEG slices (sorted by name, with an optional spacing.json).

Array convention: `hu` float32 (slices, rows, columns) in HU, slice 0 the most inferior for DICOM, rows anterior
first, as the service answers.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.pipeline.decode.nifti import read_nifti
from app.pipeline.decode.nifti_volume import to_display
from app.pipeline.decode.series import assemble_series
from app.pipeline.decode.slice_file import decode_slice, detect_format

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SPACING_FILE = "spacing.json"  # {"pixel_spacing_mm": [row, column], "slice_spacing_mm": z}
# Generous limits: the bench reads one known scan, not an upload.
MAX_SLICES, MAX_PIXELS, MAX_VOXELS = 1024, 4096 * 4096, 1024 * 1024 * 1024


@dataclass
class RealScan:
    name: str
    source: str  # dicom, nifti or images
    hu: np.ndarray  # float32 (slices, rows, columns)
    spacing_mm: tuple[float, float] | None
    slab_mm: np.ndarray | None  # (slices,) thickness each slice stands for
    dicom_files: list[bytes] | None = None  # in answer order; DICOM only, to re-send as the user would
    raw: bytes | None = None  # the NIfTI file itself

    @property
    def slice_spacing_mm(self) -> float | None:
        return float(np.median(self.slab_mm)) if self.slab_mm is not None else None

    def subset(self, rows: list[int]) -> "RealScan":
        """A thinner scan of evenly spaced slices; each now stands for the gap to its neighbours."""
        step = rows[1] - rows[0] if len(rows) > 1 else 1
        files = [self.dicom_files[i] for i in rows] if self.dicom_files else None
        slab = np.full(len(rows), self.slice_spacing_mm * step) if self.slab_mm is not None else None
        return RealScan(f"{self.name}, every {step}th slice", self.source, self.hu[rows], self.spacing_mm, slab, files)


def _dicom_paths(folder: Path) -> list[Path]:
    paths = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES]
    return [p for p in paths if _is_dicom(p)]


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


def _is_dicom(path: Path) -> bool:
    return _head(path, 132)[128:132] == b"DICM"


def read_dicom_folder(folder: Path) -> RealScan:
    files = [p.read_bytes() for p in _dicom_paths(folder)]
    series = assemble_series(files, MAX_SLICES, MAX_PIXELS, MAX_VOXELS)
    ordered = [files[ref.upload_index] for ref in series.slices]
    return RealScan(folder.name, "dicom", series.hu, series.spacing_mm, series.slab_mm, ordered)


def read_nifti_file(path: Path) -> RealScan:
    data = path.read_bytes()
    slices = to_display(read_nifti(data, MAX_VOXELS), MAX_SLICES, MAX_PIXELS)
    slab = np.full(len(slices.hu), slices.slice_spacing_mm)
    return RealScan(f"{path.parent.name}/{path.name}", "nifti", slices.hu, slices.spacing_mm, slab, raw=data)


def read_image_folder(folder: Path) -> RealScan:
    paths = [p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    hu = np.stack([decode_slice(p.read_bytes(), MAX_PIXELS).hu for p in paths])
    spacing, slab = None, None
    sidecar = folder / SPACING_FILE
    if sidecar.exists():
        given = json.loads(sidecar.read_text())
        spacing = tuple(float(v) for v in given["pixel_spacing_mm"])
        slab = np.full(len(hu), float(given["slice_spacing_mm"]))
    return RealScan(folder.name, "images", hu, spacing, slab)


def read_scan(path: Path) -> RealScan:
    """Whatever the path holds, read the way the service reads it."""
    if path.is_dir():
        if any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir()):
            return read_image_folder(path)
        return read_dicom_folder(path)
    if detect_format(_head(path, 1024)) == "nifti":  # read_nifti_file reads it whole
        return read_nifti_file(path)
    raise ValueError(f"{path} is neither a DICOM series folder, a NIfTI volume nor a folder of PNG/JPEG slices")
