import json

import cv2
import numpy as np
import pytest

from app.pipeline.decode.slice_file import decode_slice
from core.raster import BRAIN_WINDOW_FORM, HU_FORM
from core.windowing import BRAIN
from tests.training.scanner_heads import flat_head
from training.scanner import EXPORT_FORM_WEIGHTS, export, scanner_mix, simulate_export, simulate_export_with_mask
from training.scanner.export import (
    decode_raster,
    encode_png16,
    export_8bit_bytes,
    export_series_8bit,
    simulate_8bit_export_with_mask,
    stored_roundoff,
)
from training.scanner.export_render import window_pixels

MAX_PIXELS = 4096 * 4096


@pytest.mark.parametrize("codec", ["png8", "jpeg8"])
@pytest.mark.parametrize("seed", range(6))
def test_service_decodes_an_8bit_export_as_the_simulation_does(codec, seed):
    hu = flat_head() + np.random.default_rng(seed).normal(0, 5, (256, 256)).astype(np.float32)
    data, _ = export_8bit_bytes(hu, None, codec, np.random.default_rng(seed))
    service = decode_slice(data, MAX_PIXELS)
    simulated, form = decode_raster(data)
    assert service.interpretation == form == BRAIN_WINDOW_FORM
    np.testing.assert_array_equal(service.hu, simulated)


def test_service_decodes_a_16bit_png_as_the_simulation_does():
    hu = np.round(flat_head() + np.random.default_rng(0).normal(0, 5, (256, 256))).astype(np.float32)
    data = encode_png16(hu)
    service = decode_slice(data, MAX_PIXELS)
    simulated, form = decode_raster(data)
    assert service.interpretation == form == HU_FORM
    np.testing.assert_array_equal(service.hu, simulated)
    np.testing.assert_array_equal(simulated, hu)


def test_colour_export_decodes_to_the_same_grey():
    pixels = np.random.default_rng(0).integers(0, 256, (64, 64)).astype(np.uint8)
    colour = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR))[1].tobytes()
    np.testing.assert_array_equal(decode_raster(colour)[0], decode_raster(cv2.imencode(".png", pixels)[1].tobytes())[0])
    np.testing.assert_allclose(decode_raster(colour)[0], pixels * (BRAIN.width / 255.0) + BRAIN.low, atol=1e-4)


def test_a_wider_window_reaches_the_model_mis_scaled():
    """A 40/120 export read as 40/80: 70 HU becomes (70 + 20) / 120 * 80 = 60 HU."""
    pixels = window_pixels(np.full((8, 8), 70.0, np.float32), 40.0, 120.0, 1.0)
    decoded, _ = decode_raster(cv2.imencode(".png", pixels)[1].tobytes())
    assert decoded.mean() == pytest.approx(60.0, abs=0.2)


def test_dicom_round_off_keeps_the_slope_resolution_and_stored_range():
    hu = np.array([[-2000.0, 10.26, 10.74, 3500.0]], np.float32)
    np.testing.assert_allclose(stored_roundoff(hu, 1.0, -1024.0, 0, 4095), [[-1024.0, 10.0, 11.0, 3071.0]])
    np.testing.assert_allclose(stored_roundoff(hu, 0.5, -1024.0, 0, 65535)[0, 1:3], [10.5, 10.5])


def test_form_mix_matches_its_weights():
    assert sum(EXPORT_FORM_WEIGHTS.values()) == pytest.approx(1.0)
    hu = flat_head()[::8, ::8].copy()
    forms = [simulate_export(hu, np.random.default_rng(seed))[1] for seed in range(1000)]
    eight_bit = sum(EXPORT_FORM_WEIGHTS[f] for f in ("png8", "jpeg8"))
    assert forms.count(BRAIN_WINDOW_FORM) / len(forms) == pytest.approx(eight_bit, abs=0.06)
    assert set(forms) == {HU_FORM, BRAIN_WINDOW_FORM}


def test_mask_follows_the_exported_geometry():
    hu = np.zeros((128, 128), np.float32)
    hu[40:70, 50:90] = 70.0  # a bright bleed-like block the mask marks
    mask = hu > 0
    shapes = set()
    for seed in range(40):
        decoded, moved, _form = simulate_export_with_mask(hu, mask, np.random.default_rng(seed))
        assert moved.shape == decoded.shape and moved.dtype == bool
        shapes.add(decoded.shape)
        if moved.any() and (~moved).any():
            assert decoded[moved].mean() > decoded[~moved].mean()
    assert len(shapes) > 3  # rescaled, cropped and padded exports change the shape


def test_the_recorded_mix_is_json_and_its_shares_sum_to_one():
    mix = json.loads(json.dumps(scanner_mix()))
    for name in ("kernels", "export_forms", "export_windows"):
        assert sum(mix[name].values()) == pytest.approx(1.0), name
    assert all(0.0 <= p <= 1.0 for p in mix["occasional"].values())
    assert mix["export_forms"] == EXPORT_FORM_WEIGHTS


@pytest.mark.parametrize("seed", range(4))
def test_a_series_is_exported_at_one_brain_window_and_decoded_as_the_service_reads_it(seed):
    series = np.stack([flat_head() + offset for offset in (0.0, 10.0, 20.0)])
    decoded, window = export_series_8bit(series, np.random.default_rng(seed))
    assert decoded.shape == series.shape and decoded.dtype == np.float32
    assert 20.0 <= window["centre"] <= 60.0 and 60.0 <= window["width"] <= 200.0
    for hu, read in zip(series, decoded):
        pixels = window_pixels(hu, window["centre"], window["width"], window["gamma"])
        assert np.array_equal(read, decode_slice(cv2.imencode(".png", pixels)[1].tobytes(), MAX_PIXELS).hu)
    assert BRAIN.low <= decoded.min() and decoded.max() <= BRAIN.high


def test_an_8bit_only_export_is_always_an_8bit_file_png_and_jpeg_in_the_mix_proportion(monkeypatch):
    codecs = []

    def spy(pixels, codec, rng):
        codecs.append(codec)
        return real_encode(pixels, codec, rng)

    real_encode = export.encode_8bit
    monkeypatch.setattr(export, "encode_8bit", spy)
    hu = flat_head()
    for seed in range(80):
        decoded, moved, form = simulate_8bit_export_with_mask(hu, hu > 60, np.random.default_rng(seed))
        assert form == BRAIN_WINDOW_FORM and moved.shape == decoded.shape
    share = EXPORT_FORM_WEIGHTS["jpeg8"] / (EXPORT_FORM_WEIGHTS["png8"] + EXPORT_FORM_WEIGHTS["jpeg8"])
    assert export.eight_bit_codec_weights()["jpeg8"] == pytest.approx(share)
    assert set(codecs) == {"png8", "jpeg8"} and len(codecs) == 80
    assert codecs.count("jpeg8") / 80 == pytest.approx(share, abs=0.15)
