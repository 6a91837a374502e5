"""The one slice record every dataset loader yields, and the loaders' error type."""

from dataclasses import dataclass, field

import numpy as np

from core.raster import BRAIN_WINDOW_FORM, HU_FORM  # noqa: F401 - a record's forms, as the service names them
from training.outputs import ANY, SUBTYPES


class DatasetError(Exception):
    """A dataset on disk does not match the layout its loader expects."""


@dataclass
class SliceRecord:
    """One axial slice in radiological display orientation (rows anterior -> posterior,
    columns patient right -> left), as DICOM viewers and the service see it."""

    hu: np.ndarray  # float32 (H, W) Hounsfield units
    mask: np.ndarray | None  # bool (H, W); None where the dataset has no masks
    labels: dict[str, bool]  # ANY and those of SUBTYPES the source records
    patient_id: str
    slice_index: int  # 0-based position along the patient's stack
    spacing_mm: tuple[float, float, float] | None = None  # row, column, slice thickness
    form: str = HU_FORM  # BRAIN_WINDOW_FORM when the source kept only 0..80 HU
    extra: dict = field(default_factory=dict)  # source-specific facts (e.g. fracture)

    @property
    def positive(self) -> bool:
        return bool(self.labels.get(ANY, False))

    @property
    def subtypes(self) -> tuple[str, ...]:
        return tuple(s for s in SUBTYPES if self.labels.get(s, False))


def validate(record: SliceRecord) -> SliceRecord:
    """Check a record at the loader boundary, so a broken dataset fails where it is read."""
    where = f"patient {record.patient_id} slice {record.slice_index}"
    if record.hu.ndim != 2 or record.hu.dtype != np.float32:
        raise DatasetError(f"{where}: HU must be 2-D float32, got {record.hu.dtype} {record.hu.shape}")
    if record.mask is not None and record.mask.shape != record.hu.shape:
        raise DatasetError(f"{where}: mask shape {record.mask.shape} differs from image shape {record.hu.shape}")
    return record
