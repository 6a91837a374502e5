"""GET /viewer and POST /viewer/pixels against fake models: offline assets, the pixels in answer order, every refusal."""

import random
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.middleware.api_key import MISSING
from app.serving.runtime import ModelRuntime
from app.viewer import ASSETS, STATIC_DIR
from tests.app.conftest import fake_models
from tests.app.dicom_files import series_bytes
from tests.app.nifti_files import display_image, nifti_bytes, reoriented
from tests.e2e.phantom_files import hu_png

API_KEY = "viewer-test-key-0123456789"
SPACING = (0.5, 0.6, 4.0)
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def make_client(tmp_path, **overrides) -> TestClient:
    runtime = ModelRuntime(fake_models)
    runtime.load()
    return TestClient(create_app(Settings(model_store=tmp_path, **overrides), runtime))


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path) as client:
        yield client


def volume(slices: int = 4, size: int = 64) -> np.ndarray:
    """Distinct values on every slice, row and column, so any reordering or turn shows."""
    grid = np.arange(slices * size * size, dtype=np.float32).reshape(slices, size, size)
    return grid % 2000 - 1000


def pixels_of(response, masks: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    assert response.status_code == 200, response.text
    shape = tuple(map(int, response.headers["X-Viewer-Shape"].split(",")))
    assert int(response.headers["X-Viewer-Masks"]) == masks
    count = int(np.prod(shape))
    hu = np.frombuffer(response.content[: 2 * count], "<i2").reshape(shape)
    rest = response.content[2 * count :]
    assert len(rest) == masks * count
    return hu, [np.frombuffer(rest[k * count : (k + 1) * count], np.uint8).reshape(shape) for k in range(masks)]


def test_the_page_and_its_assets_load_from_this_service_only(client):
    page = client.get("/viewer")
    assert page.status_code == 200
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'data-api-key-required="false"' in page.text
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced and all(url.startswith("/viewer/static/") for url in referenced)
    for url in referenced:
        assert client.get(url).status_code == 200, url
    for path in STATIC_DIR.iterdir():
        urls = set(re.findall(r"https?://[^\s\"'`)]+", path.read_text())) - {SVG_NAMESPACE}
        assert not urls, f"{path.name} names another host: {urls}"
        imports = re.findall(r'from "([^"]+)"', path.read_text())
        assert all(name.removeprefix("./") in ASSETS for name in imports), imports


def test_an_unknown_asset_is_a_404(client):
    response = client.get("/viewer/static/secrets.txt")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not Found"


def test_dicom_slices_come_back_in_the_answers_order(client):
    hu = volume()
    files = list(enumerate(series_bytes(hu, 5.0, spacing_mm=(0.5, 0.6))))
    random.Random(3).shuffle(files)
    body = [("files", (f"{i}.dcm", data)) for i, data in files]
    answer = client.post("/v1/series", files=body).json()
    pixels, _ = pixels_of(client.post("/viewer/pixels", files=body))
    # The answer puts slices back in position order; the pixels follow the same order, whatever the upload's.
    assert [files[s["upload_index"]][0] for s in answer["slices"]] == list(range(len(hu)))
    np.testing.assert_array_equal(pixels, hu)


def test_a_png_slice_comes_back_in_hu(client):
    hu = volume(1)[0]
    pixels, masks = pixels_of(client.post("/viewer/pixels", files={"files": ("s.png", hu_png(hu))}))
    np.testing.assert_array_equal(pixels, hu[None])
    assert masks == []


def test_png_exports_come_back_in_upload_order_as_the_series_answers_them(client):
    hu = volume()
    body = [("files", (f"{i}.png", hu_png(slice_hu))) for i, slice_hu in enumerate(hu)]
    answer = client.post("/v1/series", files=body).json()
    pixels, _ = pixels_of(client.post("/viewer/pixels", files=body))
    assert [s["upload_index"] for s in answer["slices"]] == list(range(len(hu)))
    np.testing.assert_array_equal(pixels, hu)


def test_nifti_masks_are_turned_like_the_image(client):
    hu = volume()
    mask = (volume() > 0).astype(np.uint8)
    codes = ("R", "A", "I")
    files = [
        ("volume", ("v.nii.gz", nifti_bytes(reoriented(display_image(hu, SPACING), codes)))),
        ("masks", ("m.nii.gz", nifti_bytes(reoriented(display_image(mask, SPACING, np.uint8), codes)))),
    ]
    response = client.post("/viewer/pixels", files=files)
    pixels, (turned,) = pixels_of(response, masks=1)
    assert response.headers["X-Viewer-Spacing"] == "0.5,0.6"
    # Stored inferior-last, so the answer's slice 0 is the file's first plane: the input's top slice.
    np.testing.assert_array_equal(pixels, hu[::-1])
    np.testing.assert_array_equal(turned, mask[::-1])


def test_a_mask_on_another_grid_is_refused(client):
    files = [
        ("volume", ("v.nii.gz", nifti_bytes(display_image(volume(), SPACING)))),
        ("masks", ("m.nii.gz", nifti_bytes(display_image(volume(3) > 0, SPACING, np.uint8)))),
    ]
    response = client.post("/viewer/pixels", files=files)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "masks[0] has shape (64, 64, 3) but the volume has (64, 64, 4)"


@pytest.mark.parametrize("files", [[], [("files", ("a.png", b"x")), ("volume", ("v.nii", b"y"))]])
def test_neither_or_both_inputs_are_refused(client, files):
    response = client.post("/viewer/pixels", files=files, data={} if files else {"nothing": "1"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_input",
        "message": "send either files (DICOM slices, or PNG/JPEG exports in slice order) or volume (NIfTI)",
        "field": "files",
    }


def test_a_wrong_file_gets_the_same_words_as_the_series_endpoint(client):
    body = [("files", ("notes.txt", b"not a scan\n" * 30))]
    series, pixels = client.post("/v1/series", files=body), client.post("/viewer/pixels", files=body)
    assert pixels.status_code == series.status_code >= 400
    assert pixels.json()["error"]["message"] == series.json()["error"]["message"]


def test_with_an_api_key_the_page_asks_for_it_and_the_data_needs_it(tmp_path):
    with make_client(tmp_path, api_key=API_KEY) as client:
        page = client.get("/viewer")
        assert page.status_code == 200
        assert 'data-api-key-required="true"' in page.text
        assert all(client.get(f"/viewer/static/{name}").status_code == 200 for name in ASSETS)
        refused = client.post("/viewer/pixels", files={"files": ("s.png", hu_png(volume(1)[0]))})
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == MISSING
        allowed = client.post(
            "/viewer/pixels", files={"files": ("s.png", hu_png(volume(1)[0]))}, headers={"X-API-Key": API_KEY}
        )
        assert allowed.status_code == 200
