"""DICOM -> HU: rescale in float, signedness, BitsStored, MONOCHROME1, padding and every supported transfer syntax."""

from io import BytesIO

import numpy as np
import pytest
from pydicom import dcmread, uid

from app.pipeline.decode.dicom import read_dicom_slice
from app.pipeline.decode.dicom_pixels import HU_FLOOR
from core.windowing import AIR_HU
from tests.app.dicom_files import block_slice, ct_bytes, ct_dataset, to_bytes

MAX_PIXELS = 1024 * 1024


def decode(data: bytes):
    return read_dicom_slice(data, MAX_PIXELS)


def test_fractional_rescale_is_computed_in_float():
    hu = block_slice(32) + 0.25  # every value needs the fractional intercept to come back
    decoded = decode(ct_bytes(hu, slope=0.5, intercept=-1024.25))
    assert decoded.hu.dtype == np.float32
    np.testing.assert_array_equal(decoded.hu, hu)
    assert decoded.hu[10, 14] == 75.25  # an integer-only rescale would give 75.0 or 76.0


def test_unsigned_pixels_with_zero_intercept_convention():
    hu = block_slice(32)
    decoded = decode(ct_bytes(hu, signed=False, intercept=-1024.0))
    np.testing.assert_array_equal(decoded.hu, hu)


def test_bits_stored_below_bits_allocated_ignores_the_high_bits():
    hu = block_slice(32)
    ds = ct_dataset(hu, signed=False, bits_stored=12)
    stored = np.frombuffer(ds.PixelData, np.uint16).copy()
    stored |= 0xB000  # old scanners kept overlay planes in the unused high bits
    ds.PixelData = stored.tobytes()
    np.testing.assert_array_equal(decode(to_bytes(ds)).hu, hu)


def test_signed_twelve_bit_values_are_sign_extended():
    hu = np.full((16, 16), -1000.0, np.float32)
    hu[4:8, 4:8] = 60.0
    ds = ct_dataset(hu, signed=True, bits_stored=12, intercept=0.0)
    stored = np.frombuffer(ds.PixelData, np.int16).astype(np.uint16) & 0x0FFF  # 12-bit two's complement, no extension
    ds.PixelData = stored.tobytes()
    np.testing.assert_array_equal(decode(to_bytes(ds)).hu, hu)


def test_monochrome1_keeps_hu_because_inversion_is_for_display_only():
    hu = block_slice(32)
    mono1 = decode(ct_bytes(hu, photometric="MONOCHROME1"))
    mono2 = decode(ct_bytes(hu))
    np.testing.assert_array_equal(mono1.hu, mono2.hu)
    assert mono1.hu[10, 14] == 75.0


def test_padding_value_becomes_air_and_nothing_falls_below_the_floor():
    hu = block_slice(32)
    hu[:, :2] = -3024.0  # outside the reconstruction circle
    hu[:, -2:] = -2048.0  # fill without a PixelPaddingValue
    ds = ct_dataset(hu)
    ds.PixelPaddingValue = -2000  # stored value for -3024 HU
    decoded = decode(to_bytes(ds)).hu
    assert (decoded[:, :2] == AIR_HU).all()
    assert (decoded[:, -2:] == HU_FLOOR).all()
    np.testing.assert_array_equal(decoded[:, 2:-2], hu[:, 2:-2])


def test_padding_range_limit_covers_a_range_of_stored_values():
    hu = block_slice(32)
    hu[:, :3] = [-3000.0, -3010.0, -3020.0]
    ds = ct_dataset(hu)
    ds.PixelPaddingValue, ds.PixelPaddingRangeLimit = -1996, -1976  # stored -1976..-1996
    assert (decode(to_bytes(ds)).hu[:, :3] == AIR_HU).all()


def test_spacing_thickness_uids_and_geometry_are_read():
    decoded = decode(ct_bytes(block_slice(32), spacing_mm=(0.45, 0.5), z_mm=12.5, thickness_mm=2.5))
    assert decoded.spacing_mm == (0.45, 0.5)
    assert decoded.slice_thickness_mm == 2.5
    assert set(decoded.uids) == {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"}
    assert decoded.geometry.tilt_deg == 0.0
    assert decoded.geometry.distance_along(decoded.geometry.normal) == pytest.approx(12.5)
    assert decoded.lossy is False


@pytest.mark.parametrize(
    "syntax",
    [
        uid.ImplicitVRLittleEndian,
        uid.DeflatedExplicitVRLittleEndian,
        uid.RLELossless,
        uid.JPEGLosslessSV1,
        uid.JPEGLossless,
        uid.JPEGLSLossless,
        uid.JPEG2000Lossless,
    ],
    ids=lambda syntax: uid.UID(syntax).keyword,
)
def test_lossless_transfer_syntaxes_give_identical_hu(syntax):
    hu = block_slice(48)
    data = ct_bytes(hu, syntax)
    assert dcmread(BytesIO(data)).file_meta.TransferSyntaxUID == syntax  # really written in that syntax
    np.testing.assert_array_equal(decode(data).hu, hu)


def test_lossy_compression_is_reported():
    ds = ct_dataset(block_slice(32))
    ds.LossyImageCompression = "01"
    assert decode(to_bytes(ds)).lossy is True


def test_patient_tags_are_never_parsed():
    from app.pipeline.decode.dicom import parse

    ds = parse(ct_bytes(block_slice(16)))
    assert "PatientName" not in ds and "PatientID" not in ds and "StudyDate" not in ds
    assert ds.Modality == "CT"
