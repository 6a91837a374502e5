"""Writes small phantom datasets to disk in exactly the public layouts, so loaders are tested without real data."""

import csv
import functools
import uuid
from dataclasses import dataclass
from pathlib import Path

import cv2
import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from core.resize import resize_image, resize_mask
from core.windowing import PNG16_HU_OFFSET, Window, apply_window
from training.models.classifier import SUBTYPES
from training.phantoms.generator import generate_phantom, phantom_seeds

SIZE = 128  # pixels: phantoms are drawn at 256 and halved
SPACING_MM, THICKNESS_MM = 1.8, 5.0
CT_RANGE_HU = (-1024.0, 3071.0)  # what 12-bit CT stores
FIRST_PATIENT = 49  # CT-ICH numbers its patients from 049
CSV_COLUMNS = ("Intraventricular", "Intraparenchymal", "Subarachnoid", "Epidural", "Subdural")
CTICH_JPG_BRAIN = Window("ctich_jpg_brain", 40.0, 120.0)
CTICH_JPG_BONE = Window("ctich_jpg_bone", 700.0, 3200.0)


@dataclass
class FixtureSlice:
    hu: np.ndarray  # float32, HU rounded to integers as CT stores them
    mask: np.ndarray  # bool
    labels: dict[str, bool]  # any, then the five subtypes


@dataclass
class FixturePatient:
    number: int
    slices: list[FixtureSlice]

    @property
    def pid(self) -> str:
        return f"{self.number:03d}"


@functools.cache
def make_patients(
    pattern: tuple[tuple[bool, ...], ...] = ((True, False, True), (False, True), (False, False, False)), seed: int = 5
) -> list[FixturePatient]:
    """One patient per tuple; True marks a slice with hemorrhage. Deterministic."""
    patients, seeds = [], iter(phantom_seeds(seed, sum(map(len, pattern)) * 4))
    for offset, positives in enumerate(pattern):
        slices = []
        for positive in positives:
            while True:  # redraw the rare bleed that halving the matrix erases
                phantom = generate_phantom(next(seeds), matrix=256, positive=positive)
                mask = resize_mask(phantom.mask, (SIZE, SIZE))
                if mask.any() == positive:
                    break
            labels = {"any": positive, **{s: positive and phantom.labels[s] for s in SUBTYPES}}
            hu = np.clip(np.round(resize_image(phantom.hu, (SIZE, SIZE))), *CT_RANGE_HU)
            slices.append(FixtureSlice(hu, mask, labels))
        patients.append(FixturePatient(FIRST_PATIENT + offset, slices))
    return patients


def _csv_rows(patients: list[FixturePatient], fracture: bool = True) -> list[dict]:
    rows = []
    for patient in patients:
        for number, item in enumerate(patient.slices, start=1):
            row = {"PatientNumber": patient.number, "SliceNumber": number}
            row.update({c: int(item.labels[c.lower()]) for c in CSV_COLUMNS})
            row["No_Hemorrhage"] = int(not item.labels["any"])
            if fracture:
                row["Fracture_Yes_No"] = 0
            rows.append(row)
    return rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _nifti(stack: np.ndarray, ras: bool, dtype) -> nib.Nifti1Image:
    """Display-oriented (S, rows, cols) -> a NIfTI stored LPS (as dcm2niix writes axial CT) or RAS."""
    if ras:
        data = stack[:, ::-1, ::-1].transpose(2, 1, 0)
        affine = np.diag([SPACING_MM, SPACING_MM, THICKNESS_MM, 1.0])
    else:
        data = stack.transpose(2, 1, 0)
        affine = np.diag([-SPACING_MM, -SPACING_MM, THICKNESS_MM, 1.0])
    return nib.Nifti1Image(np.ascontiguousarray(data).astype(dtype), affine)


def write_ctich_nifti(root: Path, patients: list[FixturePatient]) -> Path:
    """ct_scans/NNN.nii (int16 HU), masks/NNN.nii, the two CSVs. Odd patients are stored RAS."""
    for folder in ("ct_scans", "masks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for i, patient in enumerate(patients):
        hu = np.stack([s.hu for s in patient.slices])
        masks = np.stack([s.mask for s in patient.slices])
        nib.save(_nifti(hu, i % 2 == 1, np.int16), root / "ct_scans" / f"{patient.pid}.nii")
        nib.save(_nifti(masks, i % 2 == 1, np.uint8), root / "masks" / f"{patient.pid}.nii")
    _write_csv(root / "hemorrhage_diagnosis_raw_ct.csv", _csv_rows(patients))
    demographics = [
        {"Patient Number": p.number, "Age\n(years)": 40 + i, "Gender": "Male"} for i, p in enumerate(patients)
    ]
    _write_csv(root / "Patient_demographics.csv", demographics)
    return root


def to_8bit(hu: np.ndarray, window: Window) -> np.ndarray:
    return np.round(apply_window(hu, window) * 255.0).astype(np.uint8)


def write_ctich_jpg(root: Path, patients: list[FixturePatient]) -> Path:
    """Patients_CT/NNN/{brain,bone}/K.jpg, K_HGE_Seg.jpg where the slice has a mask, hemorrhage_diagnosis.csv."""
    for patient in patients:
        brain, bone = root / "Patients_CT" / patient.pid / "brain", root / "Patients_CT" / patient.pid / "bone"
        brain.mkdir(parents=True, exist_ok=True)
        bone.mkdir(parents=True, exist_ok=True)
        for number, item in enumerate(patient.slices, start=1):
            quality = [cv2.IMWRITE_JPEG_QUALITY, 95]
            cv2.imwrite(str(brain / f"{number}.jpg"), to_8bit(item.hu, CTICH_JPG_BRAIN), quality)
            cv2.imwrite(str(bone / f"{number}.jpg"), to_8bit(item.hu, CTICH_JPG_BONE), quality)
            if item.mask.any():
                cv2.imwrite(str(brain / f"{number}_HGE_Seg.jpg"), item.mask.astype(np.uint8) * 255, quality)
    _write_csv(root / "hemorrhage_diagnosis.csv", _csv_rows(patients, fracture=False))
    return root


def write_folder(root: Path, patients: list[FixturePatient], form: str = "png") -> Path:
    """images/ and masks/: 16-bit PNGs named PATIENT_SLICE, or one .nii.gz volume per patient."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(parents=True, exist_ok=True)
    for patient in patients:
        if form == "nifti":
            nib.save(
                _nifti(np.stack([s.hu for s in patient.slices]), False, np.int16),
                root / "images" / f"{patient.pid}.nii.gz",
            )
            nib.save(
                _nifti(np.stack([s.mask for s in patient.slices]), False, np.uint8),
                root / "masks" / f"{patient.pid}.nii.gz",
            )
            continue
        for number, item in enumerate(patient.slices):
            cv2.imwrite(
                str(root / "images" / f"{patient.pid}_{number}.png"), (item.hu + PNG16_HU_OFFSET).astype(np.uint16)
            )
            cv2.imwrite(str(root / "masks" / f"{patient.pid}_{number}.png"), item.mask.astype(np.uint8) * 255)
    return root


def _dicom(path: Path, hu: np.ndarray, patient_id: str, series: str, z: float) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientID, ds.SeriesInstanceUID, ds.Modality = patient_id, series, "CT"
    ds.ImagePositionPatient = [0.0, 0.0, z]
    ds.PixelSpacing, ds.SliceThickness = [SPACING_MM, SPACING_MM], THICKNESS_MM
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.Rows, ds.Columns = hu.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = (hu + 1024).astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)


def write_rsna(root: Path, patients: list[FixturePatient]) -> dict[str, tuple[str, int]]:
    """stage_2_train/ID_x.dcm with random ids (file order says nothing of slice order) and
    stage_2_train.csv. Returns image id -> (patient number, slice index) for the tests."""
    (root / "stage_2_train").mkdir(parents=True, exist_ok=True)
    truth, rows = {}, []
    for patient in patients:
        series = generate_uid()
        for index, item in enumerate(patient.slices):
            image_id = "ID_" + uuid.uuid4().hex[:9]
            _dicom(
                root / "stage_2_train" / f"{image_id}.dcm",
                item.hu,
                f"ANON{patient.pid}",
                series,
                -40.0 + THICKNESS_MM * index,
            )
            rows += [{"ID": f"{image_id}_{name}", "Label": int(item.labels[name])} for name in (*SUBTYPES, "any")]
            truth[image_id] = (patient.number, index)
    _write_csv(root / "stage_2_train.csv", rows)
    return truth
