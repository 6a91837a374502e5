"""Benchmark inputs from phantoms: 16-bit HU PNG slices at 256 and 512, and a 40-slice 512x512 DICOM series."""

import io

import cv2
import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset, FileMetaDataset

from core.windowing import PNG16_HU_OFFSET
from training.phantoms.generator import generate_phantom

BENCH_SEED = 4_000_000  # far from the training, validation and test seeds
SLICE_MM = 5.0
PIXEL_MM = 0.45


def phantom_hu(index: int, matrix: int) -> np.ndarray:
    # Alternate positives and negatives so both paths of the mask encoder are exercised.
    return generate_phantom(BENCH_SEED + index, matrix=matrix, positive=index % 2 == 0).hu


def png_slice(hu: np.ndarray) -> bytes:
    """The 16-bit HU + 1024 PNG convention the service documents."""
    stored = np.clip(np.round(hu) + PNG16_HU_OFFSET, 0, 65535).astype(np.uint16)
    ok, buffer = cv2.imencode(".png", stored)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buffer.tobytes()


def png_slices(count: int, matrix: int) -> list[bytes]:
    return [png_slice(phantom_hu(i, matrix)) for i in range(count)]


def series_inputs(count: int, matrix: int = 512) -> tuple[list[bytes], list[bytes]]:
    """The same phantoms as single-slice PNGs and as one DICOM series, so both paths see identical pixels."""
    volume = [phantom_hu(i, matrix) for i in range(count)]
    return [png_slice(hu) for hu in volume], dicom_series(volume)


def dicom_slice(hu: np.ndarray, z_mm: float, series: dict[str, str], number: int) -> bytes:
    """A minimal CT Image Storage file: geometry and rescale only, no patient data."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = uid.CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = uid.generate_uid()
    ds.file_meta.TransferSyntaxUID = uid.ExplicitVRLittleEndian
    ds.StudyInstanceUID, ds.SeriesInstanceUID = series["study"], series["series"]
    ds.FrameOfReferenceUID = series["frame"]
    ds.Modality, ds.InstanceNumber = "CT", number
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = hu.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelSpacing = [f"{PIXEL_MM:g}", f"{PIXEL_MM:g}"]
    ds.SliceThickness = f"{SLICE_MM:g}"
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.ImagePositionPatient = ["-115", "-115", f"{z_mm:.2f}"]
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "-1024", "HU"
    ds.PixelData = np.clip(np.round(hu) + 1024, -32768, 32767).astype(np.int16).tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def dicom_series(volume: list[np.ndarray]) -> list[bytes]:
    series = {"study": uid.generate_uid(), "series": uid.generate_uid(), "frame": uid.generate_uid()}
    return [dicom_slice(hu, i * SLICE_MM, series, i + 1) for i, hu in enumerate(volume)]
