"""PhysioNet CT-ICH, NIfTI release: ct_scans/NNN.nii (HU), masks/NNN.nii, hemorrhage_diagnosis_raw_ct.csv.

Patient_demographics.csv (age, sex, scan-level labels) is part of the layout but not read:
every label the models need is in the per-slice CSV, so a patient's labels are known without
decoding a scan (ctich_nifti_positives); the loader decodes only the patients it is asked for.
"""

import logging
from collections.abc import Collection, Iterator
from pathlib import Path

from training.datasets.ctich_labels import patients_in, read_slice_labels
from training.datasets.images import nifti_slice_count, read_nifti_axial
from training.datasets.records import ANY, HU_FORM, DatasetError, SliceRecord, validate

LABELS_CSV = "hemorrhage_diagnosis_raw_ct.csv"
SCANS, MASKS = "ct_scans", "masks"
NIFTI_SUFFIXES = (".nii", ".nii.gz")

log = logging.getLogger(__name__)


def find_nifti(folder: Path, stem: str) -> Path | None:
    for suffix in NIFTI_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def _scans(root: Path, patients: list[str]) -> Iterator[tuple[str, Path]]:
    """(patient, scan) for the patients that have a scan; those without (the public release lacks
    059-065) are skipped with one warning."""
    absent = []
    for patient in patients:
        scan_path = find_nifti(root / SCANS, patient)
        if scan_path is None:
            absent.append(patient)
            continue
        yield patient, scan_path
    if absent:
        log.warning("%d patients in %s have no scan in %s/ and were skipped", len(absent), LABELS_CSV, SCANS)


def ctich_nifti_positives(root: Path) -> dict[str, bool]:
    """patient -> whether any of the slices the loader would yield is positive: the CSV rows up to
    each scan's slice count, read from the NIfTI header without decoding the scan."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    positives = {}
    for patient, scan_path in _scans(root, patients_in(labels)):
        rows = (labels.get((patient, number)) for number in range(1, nifti_slice_count(scan_path) + 1))
        positives[patient] = any(row[0][ANY] for row in rows if row is not None)
    return positives


def load_ctich_nifti(root: Path, patients: Collection[str] | None = None) -> Iterator[SliceRecord]:
    """Every labelled slice of `patients` (all when None), patient by patient, in slice order."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    wanted = [p for p in patients_in(labels) if patients is None or p in patients]
    for patient, scan_path in _scans(root, wanted):
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
