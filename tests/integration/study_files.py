"""A head CT study written as DICOM files: an axial phantom series with a bleed, plus the series a scanner adds
(a localizer, a bone-kernel duplicate, a dose report), each file with the fake patient data of tests/app."""

import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset

from tests.app.dicom_files import ct_dataset, save

SIZE = 64
SLICES = 6
PIXEL_MM = (3.0, 3.0)  # 64 pixels span a head
BLEED_SLICES = (2, 3)  # fake models flag what is >= 64 HU


def phantom_hu(index: int) -> np.ndarray:
    """A head the service assesses (skull ring, 30 HU brain, 3 mm pixels), with a 70 HU bleed on BLEED_SLICES."""
    hu = np.full((SIZE, SIZE), -1000.0)
    hu[2:-2, 2:-2] = 1000.0
    hu[4:-4, 4:-4] = 30.0
    if index in BLEED_SLICES:
        hu[16:32, 20:40] = 70.0
    return hu


def axial_series(study_uid: str, kernel: str = "H30s", slices: int = SLICES) -> list[Dataset]:
    series_uid, frame_uid = uid.generate_uid(), uid.generate_uid()
    datasets = []
    for index in range(slices):
        ds = ct_dataset(
            phantom_hu(index),
            z_mm=5.0 * index,
            study_uid=study_uid,
            series_uid=series_uid,
            frame_uid=frame_uid,
            spacing_mm=PIXEL_MM,
        )
        ds.ConvolutionKernel, ds.BodyPartExamined, ds.InstanceNumber = kernel, "HEAD", index + 1
        ds.StudyTime = ds.SeriesTime = "101010"
        ds.PatientSex, ds.AccessionNumber, ds.StudyID, ds.ReferringPhysicianName = "O", "ACC55501X", "1", ""
        ds.SeriesNumber, ds.Manufacturer, ds.PatientBirthDate = 2, "Phantom", "19470812"
        datasets.append(ds)
    return datasets


def localizer(study_uid: str) -> Dataset:
    ds = axial_series(study_uid, slices=1)[0]
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "0", "-1"]
    return ds


def dose_report(study_uid: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = Dataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = uid.XRayRadiationDoseSRStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = uid.generate_uid()
    ds.file_meta.TransferSyntaxUID = uid.ExplicitVRLittleEndian
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = study_uid, uid.generate_uid(), "SR"
    ds.PatientName, ds.PatientID = "Zebedee^Quuxington", "PID-7731-QX"
    return ds


def study(with_extras: bool = True) -> tuple[str, list[Dataset]]:
    """(study UID, datasets): the soft-tissue axial series first, then the extras."""
    study_uid = uid.generate_uid()
    datasets = axial_series(study_uid)
    if with_extras:
        datasets += [localizer(study_uid), *axial_series(study_uid, kernel="H70h"), dose_report(study_uid)]
    return study_uid, datasets


def as_files(datasets: list[Dataset]) -> list[bytes]:
    return [save(ds) for ds in datasets]
