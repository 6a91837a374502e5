"""DICOM through /v1/predict: HU in, area in mm², UIDs never patient tags; every refusal names its problem."""

import base64
import io
import logging

import cv2
import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.encaps import encapsulate

from app.pipeline.decode.dicom_pixels import supported_syntaxes
from tests.app.dicom_files import (
    PATIENT_ID,
    PATIENT_NAME,
    STUDY_DATE,
    block_mask,
    block_slice,
    ct_bytes,
    ct_dataset,
    save,
    to_bytes,
)
from tests.app.images import png


def post(client, data: bytes, mask: bytes | None = None, path: str = "/v1/predict"):
    files = {"image": ("slice.dcm", data, "application/dicom")}
    if mask is not None:
        files["reference_mask"] = ("mask.png", mask, "image/png")
    return client.post(path, files=files)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["message"]


def test_dicom_slice_is_read_in_hu_with_area_in_mm2(client, caplog):
    caplog.set_level(logging.DEBUG)
    data = ct_bytes(block_slice(64), spacing_mm=(3.0, 2.5), transfer_syntax=uid.JPEG2000Lossless)
    response = post(client, data, png(block_mask(64).astype(np.uint8) * 255))
    assert response.status_code == 200
    body = response.json()
    uids = body["input"].pop("uids")
    assert body["input"] == {"format": "dicom", "interpretation": "hu", "height": 64, "width": 64}
    assert set(uids) == {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"}
    sent = pydicom.dcmread(io.BytesIO(data))
    assert uids["SOPInstanceUID"] == sent.SOPInstanceUID and uids["StudyInstanceUID"] == sent.StudyInstanceUID
    assert body["area_pixels"] == int(block_mask(64).sum())
    assert body["area_mm2"] == pytest.approx(body["area_pixels"] * 3.0 * 2.5)
    assert body["dice"] == 1.0  # the fake segmenter marks >= 64 HU; only the 75 HU block qualifies
    mask = cv2.imdecode(np.frombuffer(base64.b64decode(body["mask_png_base64"]), np.uint8), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (64, 64)
    for secret in (PATIENT_NAME, PATIENT_ID, STUDY_DATE, "Quuxington"):
        assert secret not in response.text
        assert secret not in caplog.text


def dataset(**kwargs):
    return ct_dataset(block_slice(32), **kwargs)


def rgb_secondary_capture() -> bytes:
    ds = dataset()
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = np.zeros((32, 32, 3), np.uint8).tobytes()
    return to_bytes(ds)


def without(keyword: str) -> bytes:
    ds = dataset()
    delattr(ds, keyword)
    return to_bytes(ds)


def with_values(**values) -> bytes:
    ds = dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return to_bytes(ds)


def two_frames() -> bytes:
    ds = dataset()
    ds.NumberOfFrames = 2
    ds.PixelData = ds.PixelData * 2
    return to_bytes(ds)


def mpeg2() -> bytes:
    ds = dataset()
    ds.file_meta.TransferSyntaxUID = uid.MPEG2MPML
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(60)])
    return save(ds)


def truncated_pixels() -> bytes:
    ds = dataset()
    ds.PixelData = ds.PixelData[:-64]
    return to_bytes(ds)


SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
REFUSALS = {
    "mr": (lambda: ct_bytes(block_slice(32), modality="MR"), 415, "DICOM Modality is MR, expected CT"),
    "localizer": (
        lambda: ct_bytes(block_slice(32), image_type=("ORIGINAL", "PRIMARY", "LOCALIZER")),
        415,
        "DICOM image is a localizer (ImageType ORIGINAL/PRIMARY/LOCALIZER), not an axial slice",
    ),
    "no pixel data": (lambda: without("PixelData"), 400, "DICOM file has no pixel data"),
    "rgb": (
        rgb_secondary_capture,
        415,
        (
            "DICOM image is RGB with 3 samples per pixel; a colour picture such as a secondary capture holds no HU: "
            "send the original grayscale CT slice"
        ),
    ),
    "multi-frame": (
        two_frames,
        415,
        "DICOM file holds 2 frames; one slice per file is expected (send each slice as its own file)",
    ),
    "sagittal": (
        lambda: ct_bytes(block_slice(32), orientation=SAGITTAL),
        415,
        "DICOM slice is sagittal, not axial: its normal is 90 degrees from the head-foot axis (at most 45 accepted)",
    ),
    "no rescale": (
        lambda: without("RescaleIntercept"),
        400,
        "DICOM image has no RescaleIntercept or Modality LUT: HU cannot be derived",
    ),
    "zero slope": (
        lambda: with_values(RescaleSlope="0"),
        400,
        "DICOM RescaleSlope 0.0 / RescaleIntercept -1024 cannot map pixels to HU",
    ),
    "bad spacing": (
        lambda: with_values(PixelSpacing=["0", "0.5"]),
        400,
        "DICOM PixelSpacing must be 2 positive numbers",
    ),
    "skewed orientation": (
        lambda: with_values(ImageOrientationPatient=["1", "0", "0", "0.5", "1", "0"]),
        400,
        "DICOM ImageOrientationPatient is not two orthogonal unit vectors",
    ),
    "unsupported syntax": (
        mpeg2,
        415,
        (
            "DICOM transfer syntax MPEG2 Main Profile / Main Level (1.2.840.10008.1.2.4.100) is not "
            f"supported; supported: {', '.join(supported_syntaxes())}"
        ),
    ),
    "short pixel data": (
        truncated_pixels,
        400,
        "DICOM pixel data could not be decoded (Explicit VR Little Endian): the file is corrupt or truncated",
    ),
    "truncated file": (
        lambda: ct_bytes(block_slice(32))[:400],
        400,
        "DICOM file is truncated: it ends inside a data element",
    ),
    "too many pixels": (
        lambda: with_values(Rows=4096, Columns=4096),
        400,
        "image is 4096x4096 pixels, over the limit of 4194304",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_name_the_problem(client, case):
    build, status, message = REFUSALS[case]
    assert error_of(post(client, build())) == (status, message)
    # the service carries on
    assert post(client, ct_bytes(block_slice(64))).status_code == 200


def test_a_nifti_volume_sent_as_a_slice_is_refused_by_name(client):
    import nibabel as nib

    volume = nib.Nifti1Image(np.zeros((8, 8, 2), np.int16), np.eye(4)).to_bytes()
    assert error_of(post(client, volume)) == (415, "nifti files are not supported by this endpoint")
