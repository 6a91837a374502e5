"""Synthetic CT DICOM files for tests, written with pydicom from HU arrays (phantoms or hand-made blocks).

Each file carries a distinctive fake PatientName/PatientID so tests can check that none of it leaks.
Compressed transfer syntaxes use pydicom's own encoders (RLE, JPEG-LS via pyjpegls, JPEG 2000 via openjpeg);
JPEG Lossless, which pydicom cannot encode, is transcoded with GDCM.
"""

import tempfile
from io import BytesIO
from pathlib import Path

import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset, FileMetaDataset

PATIENT_NAME = "Zebedee^Quuxington"
PATIENT_ID = "PID-7731-QX"
STUDY_DATE = "19470812"
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
CT_IMAGE_STORAGE = uid.CTImageStorage


def ct_dataset(
    hu: np.ndarray,
    *,
    z_mm: float = 0.0,
    spacing_mm: tuple[float, float] = (3.0, 3.0),  # 64 px span a head's 192 mm, so its slices are assessed
    orientation: tuple[float, ...] = AXIAL,
    series_uid: str | None = None,
    study_uid: str | None = None,
    frame_uid: str | None = None,
    slope: float = 1.0,
    intercept: float = -1024.0,
    signed: bool = True,
    bits_stored: int = 16,
    photometric: str = "MONOCHROME2",
    modality: str = "CT",
    image_type: tuple[str, ...] = ("ORIGINAL", "PRIMARY", "AXIAL"),
    thickness_mm: float | None = 5.0,
) -> Dataset:
    """HU (rows, columns) -> a CT Image Storage dataset whose stored values rescale back to those HU."""
    stored = np.round((np.asarray(hu, np.float64) - intercept) / slope)
    dtype = np.int16 if signed else np.uint16
    info = np.iinfo(dtype)
    if stored.min() < info.min or stored.max() > info.max:
        raise ValueError("HU do not fit the stored type with this rescale")
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid.generate_uid()
    ds.file_meta.TransferSyntaxUID = uid.ExplicitVRLittleEndian
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = PATIENT_NAME, PATIENT_ID, STUDY_DATE
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = STUDY_DATE
    ds.InstitutionName = "Quuxington General"
    ds.StudyInstanceUID = study_uid or uid.generate_uid()
    ds.SeriesInstanceUID = series_uid or uid.generate_uid()
    ds.FrameOfReferenceUID = frame_uid or uid.generate_uid()
    ds.Modality = modality
    ds.ImageType = list(image_type)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = stored.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    ds.PixelSpacing = [f"{spacing_mm[0]:g}", f"{spacing_mm[1]:g}"]
    if thickness_mm is not None:
        ds.SliceThickness = f"{thickness_mm:g}"
    normal = np.cross(orientation[:3], orientation[3:])
    ds.ImageOrientationPatient = [f"{v:g}" for v in orientation]
    ds.ImagePositionPatient = [f"{v:.4f}" for v in (-64.0, -64.0, 0.0) + normal * z_mm]
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = f"{slope:g}", f"{intercept:g}", "HU"
    ds.PixelData = stored.astype(dtype).tobytes()
    return ds


def to_bytes(ds: Dataset, transfer_syntax: str = uid.ExplicitVRLittleEndian) -> bytes:
    """Write the dataset, compressing with pydicom's encoders (or GDCM for JPEG Lossless) when asked."""
    if transfer_syntax in (uid.JPEGLosslessSV1, uid.JPEGLossless):
        return _gdcm_transcode(to_bytes(ds), transfer_syntax)
    ds = ds.copy()
    if uid.UID(transfer_syntax).is_compressed:
        ds.compress(transfer_syntax)
    else:  # native: pydicom writes the dataset with this encoding (implicit VR, deflate)
        ds.file_meta.TransferSyntaxUID = transfer_syntax
    return save(ds)


def save(ds: Dataset) -> bytes:
    """The dataset as a DICOM file, in the transfer syntax its file meta names, without re-encoding pixels."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _gdcm_transcode(data: bytes, transfer_syntax: str) -> bytes:
    import gdcm

    target = {
        uid.JPEGLosslessSV1: gdcm.TransferSyntax.JPEGLosslessProcess14_1,
        uid.JPEGLossless: gdcm.TransferSyntax.JPEGLosslessProcess14,
    }[transfer_syntax]
    with tempfile.TemporaryDirectory() as folder:
        source, result = Path(folder) / "in.dcm", Path(folder) / "out.dcm"
        source.write_bytes(data)
        reader = gdcm.ImageReader()
        reader.SetFileName(str(source))
        assert reader.Read()
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(gdcm.TransferSyntax(target))
        change.SetInput(reader.GetImage())
        assert change.Change()
        writer = gdcm.ImageWriter()
        writer.SetFile(reader.GetFile())
        writer.SetImage(change.GetOutput())
        writer.SetFileName(str(result))
        assert writer.Write()
        return result.read_bytes()


def ct_bytes(hu: np.ndarray, transfer_syntax: str = uid.ExplicitVRLittleEndian, **kwargs) -> bytes:
    return to_bytes(ct_dataset(hu, **kwargs), transfer_syntax)


def series_datasets(volume_hu: np.ndarray, gap_mm: float = 5.0, **kwargs) -> list[Dataset]:
    """(slices, rows, columns) HU, inferior first -> one dataset per slice of a single series, in slice order.

    InstanceNumber runs backwards on purpose: the service must order slices by position, not by it.
    """
    shared = {"series_uid": uid.generate_uid(), "study_uid": uid.generate_uid(), "frame_uid": uid.generate_uid()}
    shared.update(kwargs)
    datasets = []
    for index, hu in enumerate(volume_hu):
        ds = ct_dataset(hu, z_mm=index * gap_mm, **shared)
        ds.InstanceNumber = len(volume_hu) - index
        datasets.append(ds)
    return datasets


def series_bytes(volume_hu: np.ndarray, gap_mm: float = 5.0, **kwargs) -> list[bytes]:
    return [to_bytes(ds) for ds in series_datasets(volume_hu, gap_mm, **kwargs)]


def block_slice(size: int = 64, bleed_hu: float = 75.0) -> np.ndarray:
    """Air, a skull ring, a 30 HU brain and a 75 HU block: the fake segmenter (>= 64 HU) finds the block and the
    skull, and the service's confinement to the intracranial space leaves exactly the block."""
    hu = np.full((size, size), -1000.0, np.float32)
    hu[2:-2, 2:-2] = 1000.0
    hu[4:-4, 4:-4] = 30.0
    hu[size // 4 : size // 2, size // 3 : 2 * size // 3] = bleed_hu
    return hu


def walled_in(corner: tuple[int, int], side: int, size: int = 64) -> np.ndarray:
    """A head with one bony box walling in brain-dense tissue and a 75 HU block the fake models flag."""
    hu = np.full((size, size), -1000.0, np.float32)
    hu[2:-2, 2:-2] = 40.0
    row, col = corner
    hu[row : row + side, col : col + side] = 1000.0
    hu[row + 2 : row + side - 2, col + 2 : col + side - 2] = 30.0
    hu[row + 4 : row + side - 4, col + 4 : col + side - 4] = 75.0
    return hu


def block_mask(size: int = 64) -> np.ndarray:
    return block_slice(size) == 75.0
