"""PhysioNet CT-ICH, NIfTI release: ct_scans/NNN.nii (HU), masks/NNN.nii, hemorrhage_diagnosis_raw_ct.csv.

Patient_demographics.csv (age, sex, scan-level labels) is part of the layout but not read:
every label the models need is in the per-slice CSV.
"""

import logging
from collections.abc import Iterator
from pathlib import Path

from training.datasets.ctich_labels import patients_in, read_slice_labels
from training.datasets.images import read_nifti_axial
from training.datasets.records import HU_FORM, DatasetError, SliceRecord, validate

LABELS_CSV = "hemorrhage_diagnosis_raw_ct.csv"
SCANS, MASKS = "ct_scans", "masks"
NIFTI_SUFFIXES = (".nii", ".nii.gz")

log = logging.getLogger(__name__)


def find_nifti(folder: Path, stem: str) -> Path | None:
    for suffix in NIFTI_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def load_ctich_nifti(root: Path) -> Iterator[SliceRecord]:
    """Every labelled slice, patient by patient, in slice order. Patients listed in the CSV
    without a scan (the public release lacks 059-065) are skipped with one warning."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    absent = []
    for patient in patients_in(labels):
        scan_path = find_nifti(root / SCANS, patient)
        if scan_path is None:
            absent.append(patient)
            continue
        mask_path = find_nifti(root / MASKS, patient)
        if mask_path is None:
            raise DatasetError(f"{SCANS}/{scan_path.name} has no mask in {MASKS}/")
        volume, spacing = read_nifti_axial(scan_path)
        masks, _ = read_nifti_axial(mask_path)
        if masks.shape != volume.shape:
            raise DatasetError(f"{MASKS}/{mask_path.name}: shape {masks.shape} differs from the scan's {volume.shape}")
        for index in range(volume.shape[0]):
            key = (patient, index + 1)  # SliceNumber counts from 1
            if key not in labels:
                raise DatasetError(f"{LABELS_CSV}: no row for patient {patient} slice {index + 1}")
            slice_labels, extra = labels[key]
            yield validate(
                SliceRecord(volume[index], masks[index] > 0, slice_labels, patient, index, spacing, HU_FORM, extra)
            )
    if absent:
        log.warning("%d patients in %s have no scan in %s/ and were skipped", len(absent), LABELS_CSV, SCANS)
