"""PhysioNet CT-ICH, earlier JPG release.

Layout: Patients_CT/NNN/brain/K.jpg, K_HGE_Seg.jpg, Patients_CT/NNN/bone/K.jpg, hemorrhage_diagnosis.csv.

The brain JPGs are 8-bit exports through the dataset's brain window (level 40, width 120, so
-20..100 HU). They are mapped back to HU through that window, then folded into the 0..80 HU
brain-window form (core.windowing.as_brain_window_export) that the models are trained on for
8-bit inputs; everything outside 0..80 HU is lost either way. The bone JPGs are not used.
"""

import logging
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np

from core.windowing import Window, as_brain_window_export
from training.datasets.ctich_labels import read_slice_labels
from training.datasets.images import read_gray, read_mask_image, window_pixels_to_hu
from training.datasets.records import ANY, BRAIN_WINDOW_FORM, SliceRecord, validate

LABELS_CSV = "hemorrhage_diagnosis.csv"
PATIENTS = "Patients_CT"
MASK_SUFFIX = "_HGE_Seg"
# The window the dataset authors exported with (its README: brain level 40, width 120).
CTICH_JPG_BRAIN = Window("ctich_jpg_brain", 40.0, 120.0)
# JPEG ringing leaves faint grey around mask edges; the annotation itself is 0 or 255.
MASK_THRESHOLD = 127

log = logging.getLogger(__name__)


def brain_folder(root: Path, patient: str) -> Path:
    """Patients_CT/049/brain, accepting unpadded folder names (49) too."""
    padded = root / PATIENTS / patient / "brain"
    return padded if padded.is_dir() else root / PATIENTS / str(int(patient)) / "brain"


def _present(root: Path, labels: dict, patients: Collection[str] | None) -> Iterator[tuple[str, int, Path]]:
    """(patient, SliceNumber, brain JPG) for the labelled rows whose JPG exists. A CSV row without
    its JPG is skipped (the public release has one) and counted in a warning."""
    skipped = 0
    for patient, number in sorted(labels):
        if patients is not None and patient not in patients:
            continue
        image_path = brain_folder(root, patient) / f"{number}.jpg"
        if not image_path.is_file():
            skipped += 1
            continue
        yield patient, number, image_path
    if skipped:
        log.warning("%d rows of %s have no image under %s/ and were skipped", skipped, LABELS_CSV, PATIENTS)


def ctich_jpg_positives(root: Path) -> dict[str, bool]:
    """patient -> whether any of the patient's slices with a JPG is positive, from the CSV alone."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    positives: dict[str, bool] = {}
    for patient, number, _ in _present(root, labels, None):
        positives[patient] = positives.get(patient, False) or labels[(patient, number)][0][ANY]
    return positives


def load_ctich_jpg(
    root: Path, patients: Collection[str] | None = None, source_window: Window = CTICH_JPG_BRAIN
) -> Iterator[SliceRecord]:
    """Every labelled slice of `patients` (all when None), patient by patient, in slice order."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    for patient, number, image_path in _present(root, labels, patients):
        hu = as_brain_window_export(window_pixels_to_hu(read_gray(image_path), source_window))
        mask_path = image_path.parent / f"{number}{MASK_SUFFIX}.jpg"
        mask = read_mask_image(mask_path, MASK_THRESHOLD) if mask_path.is_file() else np.zeros(hu.shape, bool)
        slice_labels, extra = labels[(patient, number)]
        yield validate(SliceRecord(hu, mask, slice_labels, patient, number - 1, None, BRAIN_WINDOW_FORM, extra))
