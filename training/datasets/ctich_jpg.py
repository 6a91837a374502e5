"""PhysioNet CT-ICH, earlier JPG release.

Layout: Patients_CT/NNN/brain/K.jpg, K_HGE_Seg.jpg, Patients_CT/NNN/bone/K.jpg, hemorrhage_diagnosis.csv.

The brain JPGs are 8-bit exports through the dataset's brain window (level 40, width 120, so
-20..100 HU). They are mapped back to HU through that window, then folded into the 0..80 HU
brain-window form (core.windowing.as_brain_window_export) that the models are trained on for
8-bit inputs; everything outside 0..80 HU is lost either way. The bone JPGs are not used.
"""

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.windowing import Window, as_brain_window_export
from training.datasets.ctich_labels import read_slice_labels
from training.datasets.images import read_gray, read_mask_image, window_pixels_to_hu
from training.datasets.records import BRAIN_WINDOW_FORM, SliceRecord, validate

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


def load_ctich_jpg(root: Path, source_window: Window = CTICH_JPG_BRAIN) -> Iterator[SliceRecord]:
    """Every labelled slice, patient by patient, in slice order. A CSV row without its JPG
    is skipped (the public release has one) and counted in a warning."""
    root = Path(root)
    labels = read_slice_labels(root / LABELS_CSV)
    skipped = 0
    for patient, number in sorted(labels):
        folder = brain_folder(root, patient)
        image_path = folder / f"{number}.jpg"
        if not image_path.is_file():
            skipped += 1
            continue
        hu = as_brain_window_export(window_pixels_to_hu(read_gray(image_path), source_window))
        mask_path = folder / f"{number}{MASK_SUFFIX}.jpg"
        mask = read_mask_image(mask_path, MASK_THRESHOLD) if mask_path.is_file() else np.zeros(hu.shape, bool)
        slice_labels, extra = labels[(patient, number)]
        yield validate(SliceRecord(hu, mask, slice_labels, patient, number - 1, None, BRAIN_WINDOW_FORM, extra))
    if skipped:
        log.warning("%d rows of %s have no image under %s/ and were skipped", skipped, LABELS_CSV, PATIENTS)
