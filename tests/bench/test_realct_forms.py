"""Export forms: the bytes a user would send, read back by the service's decoder (bench.realct.forms), and the
volume wrapper that carries decoded slices through the /v1/volume flow (bench.realct.serving.volume_nifti)."""

from io import BytesIO

import numpy as np
import pydicom

from app.pipeline.decode.nifti import read_nifti
from app.pipeline.decode.nifti_volume import to_display
from app.pipeline.decode.slice_file import decode_slice
from bench.realct.forms import FORMS, FORMS_BY_NAME, HU, encode_slices, resampled_dicom, slice_encoder
from bench.realct.serving import volume_nifti
from core.windowing import as_brain_window_export
from tests.app.dicom_files import ct_bytes

MAX_PIXELS = 4096 * 4096


def _ramp() -> np.ndarray:
    return np.linspace(-1000, 1500, 64 * 64, dtype=np.float32).reshape(64, 64).round()


def _decoded(form_name: str, hu: np.ndarray):
    (data,) = encode_slices(hu[None], FORMS_BY_NAME[form_name])
    return data, decode_slice(data, MAX_PIXELS)


def test_the_40_80_png_reads_back_as_the_brain_window_export():
    hu = _ramp()
    _, decoded = _decoded("png8_40_80", hu)
    assert decoded.interpretation == "brain_window_8bit"
    np.testing.assert_allclose(decoded.hu, as_brain_window_export(hu), atol=1e-4)


def test_a_wider_window_is_read_as_40_80_by_the_decoder():
    hu = np.full((64, 64), 100.0, np.float32)  # inside the 50/150 window, above the 40/80 one
    hu[:, :32] = 50.0  # the 50/150 window's centre
    _, decoded = _decoded("png8_50_150", hu)
    # The decoder cannot know the exporter's window: the centre (mid-grey) comes back as 40 HU, not 50.
    assert abs(float(decoded.hu[0, 0]) - 40.0) < 0.5
    assert abs(float(decoded.hu[0, 40]) - (100 + 25) / 150 * 80) < 0.5  # the window runs from -25 HU


def test_jpeg_and_16bit_png_carry_what_they_should():
    hu = _ramp()
    data, jpeg = _decoded("jpeg75_40_80", hu)
    assert data[:3] == b"\xff\xd8\xff" and jpeg.interpretation == "brain_window_8bit"
    _, png16 = _decoded("png16_hu", hu)
    assert png16.interpretation == "hu"
    np.testing.assert_array_equal(png16.hu, hu)


def test_resampled_dicom_keeps_its_geometry_honest():
    hu = _ramp()
    original = ct_bytes(hu, spacing_mm=(0.5, 0.5))
    ds = pydicom.dcmread(BytesIO(resampled_dicom(original, hu, 128)))
    assert (ds.Rows, ds.Columns) == (128, 128)
    assert [float(v) for v in ds.PixelSpacing] == [0.25, 0.25]
    decoded = decode_slice(resampled_dicom(original, hu, 128), MAX_PIXELS)
    assert decoded.hu.shape == (128, 128)
    assert abs(float(decoded.hu.mean()) - float(hu.mean())) < 2.0


def test_decoded_slices_wrapped_as_nifti_come_back_unchanged_through_the_service_reader():
    rng = np.random.default_rng(0)
    hu = rng.normal(30, 20, (5, 48, 40)).astype(np.float32)
    slices = to_display(read_nifti(volume_nifti(hu, (0.6, 0.7), 2.5), 10**8), 100, 10**8)
    np.testing.assert_array_equal(slices.hu, hu)
    np.testing.assert_allclose([*slices.spacing_mm, slices.slice_spacing_mm], [0.6, 0.7, 2.5], rtol=1e-6)


def test_each_form_says_how_the_service_reads_it_and_so_which_scan_rule_answers_it():
    hu = _ramp()
    for form in FORMS:
        if form.name == "hu":  # sent as the DICOM series itself
            continue
        decoded = decode_slice(slice_encoder(form)(hu), MAX_PIXELS)
        assert decoded.interpretation == form.interpretation, form.name
    assert HU.interpretation == "hu"
    assert {form.name for form in FORMS if form.interpretation == "brain_window_8bit"} == {
        "png8_40_80",
        "png8_40_120",
        "png8_50_150",
        "png8_35_100",
        "jpeg75_40_80",
    }
