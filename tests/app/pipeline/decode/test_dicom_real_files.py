"""Real DICOM files this project did not write: pydicom's bundled test files and the pydicom-data package.

pydicom-data is installed from PyPI (requirements-dev.txt) and registers itself with pydicom as an external data
source, so get_testdata_file(..., download=False) finds its files in site-packages; nothing is fetched and nothing
is copied into this repository (the CQ500 head CT slice is under a non-commercial licence).
"""

import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from app.errors import UnsupportedImage
from app.pipeline.decode.dicom import read_dicom_slice
from core.windowing import AIR_HU

MAX_PIXELS = 1024 * 1024
PYDICOM_DATA_FILES = ("693_UNCR.dcm", "693_J2KR.dcm", "693_UNCI.dcm", "SC_rgb.dcm")


def real_file(name: str) -> Path:
    path = get_testdata_file(name, download=False)
    assert path is not None, f"{name} not installed: pip install -r requirements-dev.txt (pydicom-data)"
    return Path(path)


def read(name: str):
    return read_dicom_slice(real_file(name).read_bytes(), MAX_PIXELS)


@pytest.mark.parametrize("name", PYDICOM_DATA_FILES)
def test_pydicom_data_files_come_from_the_installed_package(name):
    import data_store  # pydicom-data's import name

    assert real_file(name).resolve().is_relative_to(Path(data_store.__file__).resolve().parent)


def test_no_dicom_file_is_committed():
    root = Path(__file__).resolve().parents[4]
    tracked = subprocess.run(
        ["git", "ls-files", "*.dcm", "*.DCM"], cwd=root, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""


def test_bundled_ct_small_is_rescaled_to_hu():
    ds = pydicom.dcmread(real_file("CT_small.dcm"))
    decoded = read("CT_small.dcm")
    expected = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(decoded.hu, np.maximum(expected, -1024).astype(np.float32))
    assert decoded.spacing_mm == pytest.approx((0.661468, 0.661468))
    assert decoded.uids["SOPInstanceUID"] == ds.SOPInstanceUID


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("MR_small.dcm", "DICOM Modality is MR, expected CT"),
        ("SC_rgb.dcm", "DICOM Modality is OT, expected CT"),
        (
            "eCT_Supplemental.dcm",
            "DICOM file holds 2 frames; one slice per file is expected (send each slice as its own file)",
        ),
    ],
)
def test_real_non_slices_are_refused(name, message):
    with pytest.raises(UnsupportedImage) as refused:
        read(name)
    assert refused.value.message == message


def test_cq500_uncompressed_and_jpeg2000_lossless_give_the_same_hu():
    uncompressed, jpeg2000 = read("693_UNCR.dcm"), read("693_J2KR.dcm")
    assert pydicom.dcmread(real_file("693_J2KR.dcm")).file_meta.TransferSyntaxUID == pydicom.uid.JPEG2000Lossless
    np.testing.assert_array_equal(uncompressed.hu, jpeg2000.hu)
    assert uncompressed.hu.shape == (512, 512)
    assert uncompressed.spacing_mm == pytest.approx((0.478516, 0.478516))
    # PixelPaddingValue -2000 marks the corners outside the reconstruction circle: air, not -3024 HU
    assert uncompressed.hu[0, 0] == AIR_HU
    brain = uncompressed.hu[200:300, 200:300]
    assert 0 < np.median(brain) < 60
    assert uncompressed.lossy is False and jpeg2000.lossy is False


def test_cq500_lossy_copy_with_mismatched_bits_stored_decodes_and_says_it_is_lossy():
    """693_UNCI is the 338:1 lossy JPEG 2000 copy (693_J2KI, bundled with pydicom) decompressed; the J2K
    codestream is 16-bit while BitsStored says 14 (pydicom issue 693). Both must give the same HU."""
    lossy, codestream = read("693_UNCI.dcm"), read("693_J2KI.dcm")
    np.testing.assert_array_equal(lossy.hu, codestream.hu)
    assert lossy.lossy is True and codestream.lossy is True
    original = read("693_UNCR.dcm")
    assert not np.array_equal(lossy.hu, original.hu)
    assert np.median(np.abs(lossy.hu - original.hu)[original.hu > -500]) < 40  # the same head, degraded
