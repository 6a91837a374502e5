"""The scan as the models saw it, for the reading page: HU slices in the answer's order, masks on the same grid.

Decoding reuses the service's own steps (DICOM sorted along the normal, NIfTI turned to display orientation), so slice
k here is slice k of the JSON answer and the page never has to parse DICOM or NIfTI itself.
"""

from dataclasses import dataclass

import numpy as np

from app.pipeline.decode.image_stack import is_image_stack, read_image_stack
from app.pipeline.decode.nifti import read_nifti
from app.pipeline.decode.nifti_volume import reference_slices, to_display
from app.pipeline.decode.series import assemble_series

HU_DTYPE = np.dtype("<i2")  # little-endian int16: a typed array in any browser reads it as-is


@dataclass(frozen=True)
class Limits:
    max_slices: int
    max_pixels: int
    max_voxels: int


@dataclass
class ScanPixels:
    hu: np.ndarray  # int16 (slices, rows, columns), HU, answer order
    masks: list[np.ndarray]  # uint8 0/1 (slices, rows, columns) each, same grid
    spacing_mm: tuple[float, float] | None  # (between rows, between columns)

    def to_bytes(self) -> bytes:
        return self.hu.astype(HU_DTYPE).tobytes() + b"".join(m.astype(np.uint8).tobytes() for m in self.masks)

    @property
    def headers(self) -> dict[str, str]:
        headers = {"X-Viewer-Shape": ",".join(map(str, self.hu.shape)), "X-Viewer-Masks": str(len(self.masks))}
        if self.spacing_mm:
            headers["X-Viewer-Spacing"] = ",".join(f"{s:.6g}" for s in self.spacing_mm)
        return headers


def _hu_int16(hu: np.ndarray) -> np.ndarray:
    limits = np.iinfo(HU_DTYPE)
    return np.clip(np.rint(hu), limits.min, limits.max).astype(HU_DTYPE)


def slice_files_pixels(files: list[bytes], limits: Limits) -> ScanPixels:
    """PNG/JPEG exports in slice order (one, or a series), or the DICOM files of one series in any order."""
    # Decided as POST /v1/series decides, so a wrong file gets the series endpoint's words.
    if is_image_stack(files):
        stack = read_image_stack(files, limits.max_slices, limits.max_pixels, limits.max_voxels)
        return ScanPixels(_hu_int16(stack.hu), [], None)
    series = assemble_series(files, limits.max_slices, limits.max_pixels, limits.max_voxels)
    return ScanPixels(_hu_int16(series.hu), [], series.spacing_mm)


def volume_pixels(volume: bytes, masks: list[bytes], limits: Limits) -> ScanPixels:
    """A NIfTI volume and mask volumes on its voxel grid (the answer's mask, a reference), all in display order."""
    slices = to_display(read_nifti(volume, limits.max_voxels, "volume"), limits.max_slices, limits.max_pixels)
    turned = [
        reference_slices(read_nifti(mask, limits.max_voxels, f"masks[{i}]"), slices, f"masks[{i}]")
        for i, mask in enumerate(masks)
    ]
    return ScanPixels(_hu_int16(slices.hu), [m.astype(np.uint8) for m in turned], slices.spacing_mm)
