"""The shipped models over real HTTP: the CQ500 slice in two transfer syntaxes, and a 40-slice 512x512 series.

The series is made of head-CT phantoms the models never saw (seeds outside training's), written as DICOM.
"""

import base64
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core.dice import dice_score
from tests.app.dicom_files import series_bytes
from tests.app.images import png
from tests.app.nifti_files import display_image, nifti_bytes
from tests.live_server import ROOT, live_server
from training.phantoms.generator import generate_phantom, phantom_seeds

SHIPPED_STORE = ROOT / "model_store"
SERIES_SLICES, MATRIX, GAP_MM, SPACING_MM = 40, 512, 5.0, 0.45
FRESH_SEED = 77
BUDGET_S = 60.0  # the bound for a 40-slice 512x512 series on the 2-core CPU
TIMEOUT = httpx.Timeout(120.0)


@pytest.fixture(scope="module")
def base_url():
    assert (SHIPPED_STORE / "ich_classifier").is_dir(), "the shipped models are missing from model_store/"
    with live_server(Path(SHIPPED_STORE)) as base:
        yield base


@pytest.fixture(scope="module")
def phantoms():
    return [generate_phantom(seed, matrix=MATRIX) for seed in phantom_seeds(FRESH_SEED, SERIES_SLICES)]


def predict_file(base_url: str, name: str) -> dict:
    data = Path(get_testdata_file(name, download=False)).read_bytes()
    response = httpx.post(f"{base_url}/v1/predict", files={"image": ("slice", data)}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def test_cq500_uncompressed_and_jpeg2000_get_the_same_prediction(base_url):
    uncompressed, jpeg2000 = predict_file(base_url, "693_UNCR.dcm"), predict_file(base_url, "693_J2KR.dcm")
    # Both answers carry the files' UIDs, which callers use to match results to images.
    assert (
        set(uncompressed["input"].pop("uids"))
        == set(jpeg2000["input"].pop("uids"))
        == {
            "StudyInstanceUID",
            "SeriesInstanceUID",
            "SOPInstanceUID",
        }
    )
    assert (
        uncompressed["input"]
        == jpeg2000["input"]
        == {
            "format": "dicom",
            "interpretation": "hu",
            "height": 512,
            "width": 512,
        }
    )
    assert uncompressed["probability"] == jpeg2000["probability"]
    assert uncompressed["subtypes"] == jpeg2000["subtypes"]
    assert uncompressed["mask_png_base64"] == jpeg2000["mask_png_base64"]
    assert uncompressed["area_mm2"] == pytest.approx(uncompressed["area_pixels"] * 0.478516**2)


def test_forty_slice_series_is_fast_and_finds_the_bleeds(base_url, phantoms):
    files = series_bytes(np.stack([p.hu for p in phantoms]), GAP_MM, spacing_mm=(SPACING_MM, SPACING_MM))
    masks = [png(p.mask.astype(np.uint8) * 255) for p in phantoms]
    parts = [("files", (f"{i}.dcm", f)) for i, f in enumerate(files)]
    parts += [("reference_masks", (f"{i}.png", m)) for i, m in enumerate(masks)]
    started = time.perf_counter()
    response = httpx.post(f"{base_url}/v1/series", files=parts, timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    body = response.json()
    print(f"\n40x512x512 series: {elapsed:.1f} s over HTTP; stages {body['timings_ms']}")
    assert elapsed < BUDGET_S
    positives = np.array([p.positive for p in phantoms])
    assert positives[body["most_suspicious_slice"]]
    reference_ml = sum(p.mask.sum() for p in phantoms) * SPACING_MM**2 * GAP_MM / 1000
    assert body["bleed_volume_ml"] == pytest.approx(reference_ml, rel=0.25)
    assert body["dice"] >= 0.8
    assert body["dice"] == pytest.approx(
        dice_score(
            np.stack([_png_mask(s["mask_png_base64"]) for s in body["slices"]]), np.stack([p.mask for p in phantoms])
        )
    )


def test_the_same_scan_as_nifti_gets_the_same_answer(base_url, phantoms):
    hu = np.stack([p.hu for p in phantoms[:8]])
    files = series_bytes(hu, GAP_MM, spacing_mm=(SPACING_MM, SPACING_MM))
    series = httpx.post(
        f"{base_url}/v1/series", files=[("files", (f"{i}", f)) for i, f in enumerate(files)], timeout=TIMEOUT
    )
    stored = np.round(hu)  # DICOM stores integers; the NIfTI gets the same values
    volume = nifti_bytes(display_image(stored, (SPACING_MM, SPACING_MM, GAP_MM)))
    nifti = httpx.post(f"{base_url}/v1/volume", files={"volume": ("scan.nii.gz", volume)}, timeout=TIMEOUT)
    assert series.status_code == nifti.status_code == 200
    from_dicom, from_nifti = series.json(), nifti.json()
    assert [s["probability"] for s in from_dicom["slices"]] == pytest.approx(
        [s["probability"] for s in from_nifti["slices"]], abs=1e-5
    )
    assert from_dicom["bleed_volume_ml"] == pytest.approx(from_nifti["bleed_volume_ml"], rel=1e-3)


def _png_mask(text: str) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_UNCHANGED) > 0
