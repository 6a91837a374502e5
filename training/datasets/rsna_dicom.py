"""RSNA-style DICOM slices with a labels CSV (stage_2_train.csv: `ID_<image>_<subtype>,Label`).

Labels only: there are no masks. Patients are told apart by the DICOM PatientID, which is
kept only as a one-way hash so that no identifier reaches a split file, a log or a report.
Patients and labels come from the CSV and the DICOM headers; pixels are decoded only by the loader.
"""

import csv
import hashlib
import logging
from collections import defaultdict
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np

from training.datasets.records import ANY, HU_FORM, DatasetError, SliceRecord, validate
from training.outputs import SUBTYPES

LABELS_CSV, IMAGES = "stage_2_train.csv", "stage_2_train"
LABEL_NAMES = (ANY, *SUBTYPES)

log = logging.getLogger(__name__)


def read_rsna_labels(path: Path) -> dict[str, dict[str, bool]]:
    """image id (ID_xxx) -> labels, from rows `ID_xxx_subtype,Label`; repeated rows agree in the
    public CSV and the last one wins."""
    if not path.is_file():
        raise DatasetError(f"label file not found: {path.name}")
    labels: dict[str, dict[str, bool]] = defaultdict(dict)
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"ID", "Label"} <= set(reader.fieldnames):
            raise DatasetError(f"{path.name}: expected columns ID,Label")
        for line, row in enumerate(reader, start=2):
            image_id, _, name = row["ID"].rpartition("_")
            if name not in LABEL_NAMES:
                raise DatasetError(f"{path.name} line {line}: unknown label {name!r}")
            labels[image_id][name] = row["Label"].strip() == "1"
    incomplete = [i for i, found in labels.items() if len(found) != len(LABEL_NAMES)]
    if incomplete:
        raise DatasetError(f"{path.name}: {len(incomplete)} images lack some of {', '.join(LABEL_NAMES)}")
    return dict(labels)


def anonymous_patient(patient_id: str) -> str:
    return "p" + hashlib.sha256(patient_id.encode()).hexdigest()[:12]


def _header(path: Path):
    # pydicom is imported where it reads: the phantom-only GPU machine (training.fit_in_memory) has no pydicom.
    import pydicom

    try:
        return pydicom.dcmread(path, stop_before_pixels=True)
    except Exception as e:
        raise DatasetError(f"{path.name}: cannot read DICOM: {e}") from e


def _position(ds) -> float:
    """Height of the slice along the patient's axis; files without a position sort by instance."""
    position = ds.get("ImagePositionPatient")
    return float(position[2]) if position else float(ds.get("InstanceNumber", 0))


def _spacing(ds) -> tuple[float, float, float] | None:
    pixel_spacing, thickness = ds.get("PixelSpacing"), ds.get("SliceThickness")
    if not pixel_spacing or thickness in (None, ""):
        return None
    return float(pixel_spacing[0]), float(pixel_spacing[1]), float(thickness)


def read_hu(path: Path) -> np.ndarray:
    import pydicom
    from pydicom.pixels import apply_modality_lut

    try:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
    except Exception as e:
        raise DatasetError(f"{path.name}: cannot decode DICOM pixels: {e}") from e
    if pixels.ndim != 2:
        raise DatasetError(f"{path.name}: expected one frame, got shape {pixels.shape}")
    return np.asarray(apply_modality_lut(pixels, ds), dtype=np.float32)


def _stacks(root: Path, labels: dict, images: str) -> dict[str, list[tuple[Path, tuple | None]]]:
    """(hashed) patient -> the patient's labelled files with their spacing, each series foot to head
    (ascending ImagePositionPatient z), from the headers alone."""
    stacks: dict[str, list[tuple[str, float, Path, tuple | None]]] = defaultdict(list)
    missing = 0
    for image_id in sorted(labels):
        path = root / images / f"{image_id}.dcm"
        if not path.is_file():
            missing += 1
            continue
        ds = _header(path)
        patient = anonymous_patient(str(ds.get("PatientID", image_id)))
        stacks[patient].append((str(ds.get("SeriesInstanceUID", "")), _position(ds), path, _spacing(ds)))
    if missing:
        log.warning("%d labelled images have no file under %s/ and were skipped", missing, images)
    return {patient: [s[2:] for s in sorted(stack, key=lambda s: (s[0], s[1]))] for patient, stack in stacks.items()}


def rsna_dicom_positives(root: Path, labels_csv: str = LABELS_CSV, images: str = IMAGES) -> dict[str, bool]:
    """patient -> whether any of the patient's labelled images is positive; no pixel data decoded."""
    root = Path(root)
    labels = read_rsna_labels(root / labels_csv)
    stacks = _stacks(root, labels, images)
    return {patient: any(labels[path.stem][ANY] for path, _ in stack) for patient, stack in stacks.items()}


def load_rsna_dicom(
    root: Path, patients: Collection[str] | None = None, labels_csv: str = LABELS_CSV, images: str = IMAGES
) -> Iterator[SliceRecord]:
    """Every labelled image with a file of `patients` (all when None), patient by patient, each
    series foot to head; slice_index counts within the patient."""
    root = Path(root)
    labels = read_rsna_labels(root / labels_csv)
    stacks = _stacks(root, labels, images)
    for patient in sorted(stacks):
        if patients is not None and patient not in patients:
            continue
        for index, (path, spacing) in enumerate(stacks[patient]):
            yield validate(SliceRecord(read_hu(path), None, labels[path.stem], patient, index, spacing, HU_FORM))
