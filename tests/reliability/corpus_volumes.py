"""The bad-input corpus for DICOM slices, DICOM series and NIfTI volumes (endpoints of app/routers/series.py)."""

import gzip

import nibabel as nib
import numpy as np
from pydicom import uid
from pydicom.encaps import encapsulate

from tests.app.dicom_files import block_slice, ct_bytes, ct_dataset, save, series_bytes
from tests.reliability.bad_files import good_png, random_bytes, truncated
from tests.reliability.corpus import MAX_PIXELS, MAX_SLICES, Case

DICOM_TYPE = "application/dicom"
GZIP = b"\x1f\x8b\x08\x00"


def dicom(data: bytes) -> list:
    return [("image", ("slice.dcm", data, DICOM_TYPE))]


def series(files: list[bytes]) -> list:
    return [("files", (f"{index}.dcm", data, DICOM_TYPE)) for index, data in enumerate(files)]


def nifti(array: np.ndarray, affine: np.ndarray | None = None, gz: bool = False) -> bytes:
    data = nib.Nifti1Image(array, np.eye(4) if affine is None else affine).to_bytes()
    return gzip.compress(data) if gz else data


def volume(data: bytes, mask: bytes | None = None) -> list:
    files = [("volume", ("head.nii", data, "application/octet-stream"))]
    if mask is not None:
        files.append(("reference_mask", ("mask.nii", mask, "application/octet-stream")))
    return files


def edited(**changes):
    """A valid CT slice with some attributes changed (None deletes one)."""
    ds = ct_dataset(block_slice())
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return ds


def with_syntax(syntax: str) -> bytes:
    """Pixels wrapped as a compressed syntax would carry them, under a syntax no decoder here supports."""
    ds = ct_dataset(block_slice())
    ds.PixelData = encapsulate([ds.PixelData])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = syntax
    return save(ds)


def dicom_cases() -> list[Case]:
    pixels = ct_dataset(block_slice()).PixelData
    syntax = "transfer syntax"
    return [
        Case("DICOM without pixel data", 400, "DICOM file has no pixel data", dicom(save(edited(PixelData=None)))),
        Case("DICOM PixelData too short", 400, "pixel data", dicom(save(edited(PixelData=pixels[:-100])))),
        Case("DICOM PixelData twice too long", 400, "pixel data", dicom(save(edited(PixelData=pixels * 2)))),
        Case("DICOM MPEG2 syntax", 415, syntax, dicom(with_syntax(uid.MPEG2MPML))),
        Case("DICOM HEVC syntax", 415, syntax, dicom(with_syntax(uid.HEVCMP51))),
        Case("DICOM multi-frame", 415, "frame", dicom(save(edited(NumberOfFrames=2, PixelData=pixels * 2)))),
        Case("DICOM MR", 415, "DICOM Modality is MR, expected CT", dicom(save(edited(Modality="MR")))),
        Case("DICOM localizer", 415, "localizer", dicom(save(edited(ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])))),
        Case(
            "DICOM huge Rows/Columns",
            400,
            f"pixels, over the limit of {MAX_PIXELS}",
            dicom(save(edited(Rows=60000, Columns=60000))),
        ),
        Case("DICOM header then random", 400, "DICOM", dicom(bytes(128) + b"DICM" + random_bytes(5, 3000))),
        Case("DICOM cut in half", 400, "DICOM", dicom(truncated(ct_bytes(block_slice()), 0.5))),
    ]


def series_cases() -> list[Case]:
    good = series_bytes(np.stack([block_slice()] * 3))
    other_series = ct_bytes(block_slice(), z_mm=15.0)
    too_many = series_bytes(np.stack([block_slice(16)] * (MAX_SLICES + 1)))
    return [
        Case(
            "series with too many files",
            413,
            f"the series has {MAX_SLICES + 1} files, over the limit of {MAX_SLICES} slices",
            series(too_many),
            "/v1/series",
        ),
        Case("PNG labelled DICOM in a series", 400, "files[1]", series([good[0], good_png(), good[2]]), "/v1/series"),
        Case(
            "series with an empty file", 400, "files[1]: file is empty", series([good[0], b"", good[2]]), "/v1/series"
        ),
        Case("series mixing two series", 400, "series", series([*good, other_series]), "/v1/series"),
        Case(
            "series with a truncated file", 400, "files[2]", series([*good[:2], truncated(good[2], 0.5)]), "/v1/series"
        ),
        Case(
            "series with 1001 parts",
            400,
            "Too many files. Maximum number of files is 1000.",
            series([b"x"] * 1001),
            "/v1/series",
        ),
        Case("series without files", 422, "files", [("other", ("x", b"1", "text/plain"))], "/v1/series"),
    ]


def nifti_cases() -> list[Case]:
    head = np.full((16, 16, 4), 30, np.int16)
    noisy = np.random.default_rng(8).integers(-1000, 1000, (64, 64, 8), dtype=np.int16)  # compresses poorly
    nan, inf = head.astype(np.float32), head.astype(np.float32)
    nan[3, 3, 1], inf[5, 5, 2] = np.nan, np.inf
    shifted = np.eye(4)
    shifted[0, 3] = 10.0
    not_finite = "volume contains NaN or infinite values"
    return [
        Case(
            "NIfTI zero-sized dimension",
            400,
            "empty dimension",
            volume(nifti(np.zeros((16, 16, 0), np.int16))),
            "/v1/volume",
        ),
        Case(
            "NIfTI 4D", 415, "expected one 3-D volume", volume(nifti(np.zeros((16, 16, 4, 2), np.int16))), "/v1/volume"
        ),
        Case("NIfTI with NaN", 400, not_finite, volume(nifti(nan)), "/v1/volume"),
        Case("NIfTI.gz with Inf", 400, not_finite, volume(nifti(inf, gz=True)), "/v1/volume"),
        Case("NIfTI truncated", 400, "truncated", volume(truncated(nifti(head), 0.7)), "/v1/volume"),
        Case("NIfTI.gz truncated", 400, "truncated", volume(truncated(nifti(noisy, gz=True), 0.5)), "/v1/volume"),
        Case("gzip magic then garbage", 400, "corrupt", volume(random_bytes(7, 2000, GZIP)), "/v1/volume"),
        Case("random bytes as NIfTI", 415, "volume is not a NIfTI file", volume(random_bytes(6, 2000)), "/v1/volume"),
        Case("PNG as NIfTI", 415, "volume is not a NIfTI file", volume(good_png()), "/v1/volume"),
        Case("empty NIfTI", 400, "volume is empty", volume(b""), "/v1/volume"),
        Case(
            "NIfTI with too many slices",
            413,
            f"over the limit of {MAX_SLICES}",
            volume(nifti(np.zeros((16, 16, MAX_SLICES + 1), np.int16))),
            "/v1/volume",
        ),
        Case(
            "NIfTI mask of another shape",
            400,
            "reference_mask has shape",
            volume(nifti(head), nifti(np.zeros((16, 16, 3), np.uint8))),
            "/v1/volume",
        ),
        Case(
            "NIfTI mask on another grid",
            400,
            "affine differs",
            volume(nifti(head), nifti(np.zeros((16, 16, 4), np.uint8), shifted)),
            "/v1/volume",
        ),
    ]


def volume_cases() -> list[Case]:
    return [*dicom_cases(), *series_cases(), *nifti_cases()]
