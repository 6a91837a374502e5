"""One live service with the shipped models, one headless Chromium and one phantom DICOM series per session."""

from pathlib import Path

import numpy as np
import pytest

from tests.app.dicom_files import series_bytes
from tests.app.images import png
from tests.app.nifti_files import display_image, nifti_bytes, reoriented
from tests.e2e.phantom_files import brain_window_png
from tests.live_server import ROOT, live_server
from tests.viewer.browser import download_folder, start_chromium, stop_chromium
from training.phantoms.generator import generate_phantom, phantom_seeds

SHIPPED_STORE = ROOT / "model_store"
SLICES, MATRIX, GAP_MM, SPACING_MM = 8, 256, 5.0, 0.9
FRESH_SEED = 91  # outside training's seeds
BLEED_SLICES = range(2, 6)  # neighbouring slices, as a real bleed spans them
STORED_CODES = ("R", "A", "I")  # NIfTI voxel axes unlike the display's, so the page's masks must be turned
# A fresh bleeding phantom that the served classifier misses (P 0.16 as HU, 0.12 as an 8-bit export) and the
# segmenter outlines: its outline is withheld. Found by trying fresh phantoms; a test that needs it says so if the
# shipped models stop missing it.
MISSED_BLEED = 53


@pytest.fixture(scope="session")
def chromium_and_profile():
    driver, profile = start_chromium()
    yield driver, profile
    stop_chromium(driver, profile)


@pytest.fixture(scope="session")
def chromium(chromium_and_profile):
    return chromium_and_profile[0]


@pytest.fixture
def downloads(chromium_and_profile) -> Path:
    """The browser's download folder, emptied."""
    folder = download_folder(chromium_and_profile[1])
    for path in folder.glob("*"):
        path.unlink()
    return folder


@pytest.fixture(scope="session")
def live_url() -> str:
    assert (SHIPPED_STORE / "ich_classifier").is_dir(), "the shipped models are missing from model_store/"
    with live_server(SHIPPED_STORE) as base:
        yield base


@pytest.fixture(scope="session")
def phantoms():
    seeds = phantom_seeds(FRESH_SEED, SLICES)
    return [generate_phantom(seed, matrix=MATRIX, positive=i in BLEED_SLICES) for i, seed in enumerate(seeds)]


def _write(folder: Path, named: dict[str, bytes]) -> list[Path]:
    for name, data in named.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in named]


@pytest.fixture(scope="session")
def phantom_series(tmp_path_factory, phantoms) -> list[Path]:
    """A small series with a bleed over BLEED_SLICES, written as DICOM files named in upload order."""
    files = series_bytes(np.stack([p.hu for p in phantoms]), GAP_MM, spacing_mm=(SPACING_MM, SPACING_MM))
    return _write(tmp_path_factory.mktemp("series"), {f"slice{i:03d}.dcm": data for i, data in enumerate(files)})


@pytest.fixture(scope="session")
def phantom_references(tmp_path_factory, phantoms) -> list[Path]:
    """The phantoms' true masks as PNGs, named so that they sort like the series' files."""
    masks = {f"mask{i:03d}.png": png(p.mask.astype(np.uint8) * 255) for i, p in enumerate(phantoms)}
    return _write(tmp_path_factory.mktemp("references"), masks)


@pytest.fixture(scope="session")
def phantom_volume(tmp_path_factory, phantoms) -> tuple[Path, Path]:
    """The first four phantoms as a NIfTI volume and its reference mask, stored flipped as some converters write."""
    spacing = (SPACING_MM, SPACING_MM, GAP_MM)
    hu = np.stack([p.hu for p in phantoms[:4]])
    mask = np.stack([p.mask for p in phantoms[:4]]).astype(np.uint8)
    named = {
        "head.nii.gz": nifti_bytes(reoriented(display_image(hu, spacing), STORED_CODES)),
        "head_mask.nii.gz": nifti_bytes(reoriented(display_image(mask, spacing, np.uint8), STORED_CODES)),
    }
    volume, reference = _write(tmp_path_factory.mktemp("volume"), named)
    return volume, reference


@pytest.fixture(scope="session")
def missed_bleed():
    return generate_phantom(phantom_seeds(FRESH_SEED, MISSED_BLEED + 1)[MISSED_BLEED], matrix=MATRIX, positive=True)


@pytest.fixture(scope="session")
def missed_bleed_volume(tmp_path_factory, phantoms, missed_bleed) -> Path:
    """A NIfTI volume of three slices, the middle one holding MISSED_BLEED, stored like phantom_volume."""
    hu = np.stack([phantoms[0].hu, missed_bleed.hu, phantoms[1].hu])
    data = nifti_bytes(reoriented(display_image(hu, (SPACING_MM, SPACING_MM, GAP_MM)), STORED_CODES))
    return _write(tmp_path_factory.mktemp("missed"), {"missed.nii.gz": data})[0]


@pytest.fixture(scope="session")
def missed_bleed_png(tmp_path_factory, missed_bleed) -> Path:
    """MISSED_BLEED exported as an 8-bit brain-window PNG, as a user's export arrives."""
    data = brain_window_png(missed_bleed.hu)
    return _write(tmp_path_factory.mktemp("missed_png"), {"missed.png": data})[0]
