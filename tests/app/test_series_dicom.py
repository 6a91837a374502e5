"""POST /v1/series: DICOM slices of one series, sorted along the normal; volume in mL, Dice, masks, refusals."""

import base64

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from core.scan_decision import ScanRule
from tests.app.dicom_files import block_slice, ct_bytes, series_bytes, series_datasets, to_bytes
from tests.app.images import png

SIZE, SLICES, GAP_MM, SPACING_MM = 64, 5, 5.0, 3.0  # ct_dataset's default spacing
MAX_SLICES, MAX_VOXELS = 8, 6 * SIZE * SIZE + SIZE * SIZE // 2  # six slices and a bit
UPLOAD_ORDER = [3, 0, 4, 1, 2]  # shuffled on purpose


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        model_store=tmp_path,
        max_upload_bytes=2_000_000,
        max_series_slices=MAX_SLICES,
        max_volume_voxels=MAX_VOXELS,
        series_batch_slices=2,
    )


def volume() -> np.ndarray:
    """Slice k holds a bleed k rows tall (slice 0 none), so the answer's order shows in its areas."""
    hu = np.stack([block_slice(SIZE, bleed_hu=30.0) for _ in range(SLICES)])
    for k in range(1, SLICES):
        hu[k, 20 : 20 + 4 * k, 20:40] = 75.0
    return hu


def expected_masks() -> np.ndarray:
    """What the fake segmenter paints (>= 64 HU), less the skull the service cuts away."""
    hu = volume()
    return (hu >= 64.0) & (hu < 100.0)


def decode_png(text: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_UNCHANGED)


def post(client, files: list[bytes], masks: list[bytes] | None = None, query: str = ""):
    parts = [("files", (f"f{i}.dcm", data, "application/dicom")) for i, data in enumerate(files)]
    parts += [("reference_masks", (f"m{i}.png", data, "image/png")) for i, data in enumerate(masks or [])]
    return client.post(f"/v1/series{query}", files=parts)


def shuffled(items: list) -> list:
    return [items[i] for i in UPLOAD_ORDER]


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["message"]


def test_series_is_sorted_by_position_and_measured(client):
    masks = [png(m.astype(np.uint8) * 255) for m in expected_masks()]
    response = post(client, shuffled(series_bytes(volume(), GAP_MM)), shuffled(masks))
    assert response.status_code == 200
    body = response.json()
    slices = body["slices"]
    assert [s["upload_index"] for s in slices] == [UPLOAD_ORDER.index(k) for k in range(SLICES)]
    assert [s["position_mm"] for s in slices] == pytest.approx([k * GAP_MM for k in range(SLICES)])
    areas = [int(m.sum()) for m in expected_masks()]
    assert [s["area_pixels"] for s in slices] == areas
    assert [s["area_mm2"] for s in slices] == pytest.approx([a * SPACING_MM**2 for a in areas])
    assert body["bleed_volume_ml"] == pytest.approx(sum(areas) * SPACING_MM**2 * GAP_MM / 1000)
    assert body["dice"] == 1.0 and [s["dice"] for s in slices] == [1.0] * SLICES
    assert body["most_suspicious_slice"] == SLICES - 1  # the fake classifier scores the bleed's share
    assert body["probability"] == max(s["probability"] for s in slices)
    assert body["scan_rule"] == {
        "text": ScanRule().describe(),
        "min_run": ScanRule().min_run,
        "min_volume_ml": None,
        "run_threshold": None,
        "chosen_on": ScanRule().chosen_on,
        "validation_sensitivity": None,  # the default rule was chosen on nothing
        "validation_specificity": None,
    }
    assert body["flagged_slices"] == [s["index"] for s in slices if s["probability"] >= body["threshold"]]
    assert body["hemorrhage"] is True
    for s, mask in zip(slices, expected_masks()):
        np.testing.assert_array_equal(decode_png(s["mask_png_base64"]) > 0, mask)
    assert body["input"]["format"] == "dicom" and body["input"]["slice_spacing_mm"] == GAP_MM
    assert body["input"]["series_instance_uid"] and body["mask_nifti_base64"] is None
    assert body["montage_png_base64"] is None
    assert {"decode", "preprocess", "classify", "segment", "postprocess", "measure", "encode"} <= set(
        body["timings_ms"]
    )


def test_unflagged_slices_have_no_mask_and_add_no_volume(settings, runtime):
    # The fake classifier's P grows with the bleed's size: at 0.8 slices 1-2 are not flagged, 3-4 are.
    with TestClient(create_app(settings.model_copy(update={"threshold": 0.8}), runtime)) as client:
        body = post(client, series_bytes(volume(), GAP_MM)).json()
    slices, painted = body["slices"], [int(m.sum()) for m in expected_masks()]
    assert [s["flagged"] for s in slices] == [False, False, False, True, True]
    assert [s["area_pixels"] for s in slices] == [0, 0, 0, painted[3], painted[4]]
    assert [s["withheld_area_pixels"] for s in slices] == [0, painted[1], painted[2], 0, 0]
    assert body["bleed_volume_ml"] == pytest.approx((painted[3] + painted[4]) * SPACING_MM**2 * GAP_MM / 1000)
    assert [s["models_agree"] for s in slices] == [True, False, False, True, True]  # 80 and 160 pixels withheld
    disagree = next(w for w in body["warnings"] if w["code"] == "models_disagree")
    assert disagree["slices"] == [1, 2] and "withheld" in disagree["message"]
    assert all(s["withheld_mask_png_base64"] is None for s in slices)  # only when asked for


def test_the_withheld_outlines_come_back_when_asked_for(settings, runtime):
    with TestClient(create_app(settings.model_copy(update={"threshold": 0.8}), runtime)) as client:
        body = post(client, series_bytes(volume(), GAP_MM), query="?withheld_masks=true").json()
    outlines = [s["withheld_mask_png_base64"] for s in body["slices"]]
    assert [o is not None for o in outlines] == [False, True, True, False, False]
    for k in (1, 2):  # exactly what the segmenter painted there, less the skull
        np.testing.assert_array_equal(decode_png(outlines[k]) > 0, expected_masks()[k])


def test_each_slice_carries_its_files_uids_and_lossy_files_are_flagged(client):
    datasets = series_datasets(volume(), GAP_MM)
    datasets[2].LossyImageCompression = "01"
    body = post(client, [to_bytes(ds) for ds in datasets]).json()
    for answer in body["slices"]:
        assert answer["sop_instance_uid"] == datasets[answer["upload_index"]].SOPInstanceUID
    assert body["input"]["series_instance_uid"] == datasets[0].SeriesInstanceUID
    assert body["input"]["study_instance_uid"] == datasets[0].StudyInstanceUID
    assert body["input"]["lossy"] is True
    assert post(client, series_bytes(volume(), GAP_MM)).json()["input"]["lossy"] is False


def test_per_slice_dice_counts_disagreement(client):
    masks = [m.copy() for m in expected_masks()]
    masks[2][:] = False  # the reference says slice 2 is clean; the model finds 160 pixels there
    encoded = [png(m.astype(np.uint8) * 255) for m in masks]
    body = post(client, series_bytes(volume(), GAP_MM), encoded).json()
    dice = [s["dice"] for s in body["slices"]]
    assert dice[2] == 0.0 and dice[:2] == [1.0, 1.0] and dice[3:] == [1.0, 1.0]
    total, missed = int(expected_masks().sum()), int(expected_masks()[2].sum())
    assert body["dice"] == pytest.approx(2 * (total - missed) / (total + total - missed))


def test_montage_shows_the_flagged_slices(client):
    body = post(client, series_bytes(volume(), GAP_MM), query="?montage=true").json()
    montage = decode_png(body["montage_png_base64"])
    tiles = len(body["flagged_slices"])
    columns = int(np.ceil(np.sqrt(tiles)))
    assert montage.shape == (int(np.ceil(tiles / columns)) * 256, columns * 256, 3)
    red = (montage[..., 2] > 150) & (montage[..., 1] < 100)
    assert red.any()


def test_a_gap_in_the_volume_uses_each_slices_own_slab(client):
    files = series_bytes(volume(), GAP_MM)
    body = post(client, files[:2] + files[3:]).json()  # slice 2 missing: gaps 5, 10, 5 mm
    areas = [s["area_pixels"] for s in body["slices"]]
    slabs = [5.0, 7.5, 7.5, 5.0]
    assert body["bleed_volume_ml"] == pytest.approx(sum(a * s for a, s in zip(areas, slabs)) * SPACING_MM**2 / 1000)


def test_single_slice_series_uses_slice_thickness(client):
    body = post(client, [ct_bytes(volume()[3], thickness_mm=2.5)]).json()
    assert body["bleed_volume_ml"] == pytest.approx(body["slices"][0]["area_pixels"] * SPACING_MM**2 * 2.5 / 1000)


def with_change(index: int, **values) -> list[bytes]:
    datasets = series_datasets(volume(), GAP_MM)
    for keyword, value in values.items():
        setattr(datasets[index], keyword, value)
    return [to_bytes(ds) for ds in datasets]


def test_mixed_series_are_refused(client):
    files = series_bytes(volume()[:2], GAP_MM) + series_bytes(volume()[2:], GAP_MM)
    assert error_of(post(client, files)) == (
        400,
        "the files belong to 2 series (SeriesInstanceUID of files[0] and files[2] differ); send one series per request",
    )


@pytest.mark.parametrize(
    ("change", "keyword"),
    [
        ({"PixelSpacing": ["0.6", "0.6"]}, "PixelSpacing"),
        ({"ImageOrientationPatient": ["1", "0", "0", "0", "0.9848", "-0.1736"]}, "ImageOrientationPatient"),
        ({"FrameOfReferenceUID": "1.2.3.4"}, "FrameOfReferenceUID"),
    ],
)
def test_inconsistent_geometry_is_refused(client, change, keyword):
    assert error_of(post(client, with_change(3, **change))) == (
        400,
        f"inconsistent geometry: {keyword} of files[0] and files[3] differ",
    )


def test_slices_of_different_sizes_are_refused(client):
    datasets = series_datasets(volume(), GAP_MM)
    smaller = series_datasets(np.stack([block_slice(SIZE + 8)]), GAP_MM)[0]
    for keyword in ("SeriesInstanceUID", "StudyInstanceUID", "FrameOfReferenceUID"):
        setattr(smaller, keyword, getattr(datasets[0], keyword))
    smaller.ImagePositionPatient = ["-64", "-64", "100"]
    files = [to_bytes(ds) for ds in datasets] + [to_bytes(smaller)]
    assert error_of(post(client, files)) == (400, "inconsistent geometry: Rows/Columns of files[0] and files[5] differ")


def test_duplicate_slices_are_refused(client):
    duplicate = with_change(2, ImagePositionPatient=["-64", "-64", "5"])
    assert error_of(post(client, duplicate)) == (
        400,
        "files[1] and files[2] lie at the same position along the slice normal (5.00 mm); send each slice once",
    )


def test_a_large_gap_is_refused_as_a_missing_slice(client):
    files = series_bytes(volume(), GAP_MM)
    assert error_of(post(client, files[:1] + files[3:])) == (
        400,
        (
            "inconsistent geometry: gaps between slices range from 5.00 to 15.00 mm along the slice normal; "
            "a slice may be missing"
        ),
    )


def test_slices_without_position_cannot_be_ordered(client):
    datasets = series_datasets(volume(), GAP_MM)
    del datasets[1].ImagePositionPatient
    assert error_of(post(client, [to_bytes(ds) for ds in datasets])) == (
        400,
        "files[1] has no ImagePositionPatient/ImageOrientationPatient; a series needs both to order its slices",
    )


def test_a_bad_file_is_named_by_its_index(client):
    files = series_bytes(volume(), GAP_MM)
    files[1] = ct_bytes(block_slice(SIZE), modality="MR")
    assert error_of(post(client, files)) == (415, "files[1]: DICOM Modality is MR, expected CT")
    files[1] = b""
    assert error_of(post(client, files)) == (400, "files[1]: file is empty")


def test_series_size_is_bounded_by_the_setting(client):
    files = series_bytes(np.stack([block_slice(16)] * (MAX_SLICES + 1)), GAP_MM)
    assert error_of(post(client, files)) == (413, f"the series has {MAX_SLICES + 1} files, over the limit of 8 slices")


def test_series_voxels_are_bounded_by_the_setting(client):
    files = series_bytes(np.stack([block_slice(SIZE)] * 7), GAP_MM)
    assert error_of(post(client, files)) == (413, f"the series holds more than {MAX_VOXELS} voxels (at files[6])")


def test_reference_masks_must_match_the_files(client):
    files = series_bytes(volume(), GAP_MM)
    masks = [png(np.zeros((SIZE, SIZE), np.uint8))] * 2
    assert error_of(post(client, files, masks)) == (
        400,
        "2 reference_masks for 5 files; send one per file, in the same order",
    )
    masks = [png(np.zeros((SIZE, SIZE), np.uint8))] * 4 + [png(np.zeros((8, 8), np.uint8))]
    assert error_of(post(client, files, masks)) == (
        400,
        f"reference_masks[4]: reference_mask is 8x8 but the image is {SIZE}x{SIZE}",
    )


def test_gantry_tilted_series_is_ordered_and_measured_between_planes(client):
    """A 20 degree gantry tilt: planes tilted about the patient's x axis, stacked by table movement along z.
    The distance between planes, and so each slab, is the table step times cos(20 degrees)."""
    tilt = np.radians(20.0)
    orientation = (1.0, 0.0, 0.0, 0.0, float(np.cos(tilt)), float(-np.sin(tilt)))
    datasets = series_datasets(volume(), GAP_MM, orientation=orientation)
    for k, ds in enumerate(datasets):
        ds.ImagePositionPatient = ["-64", "-64", f"{k * GAP_MM:.4f}"]
    body = post(client, shuffled([to_bytes(ds) for ds in datasets])).json()
    slab = GAP_MM * np.cos(tilt)
    assert [s["upload_index"] for s in body["slices"]] == [UPLOAD_ORDER.index(k) for k in range(SLICES)]
    assert body["input"]["slice_spacing_mm"] == pytest.approx(slab)
    areas = [int(m.sum()) for m in expected_masks()]
    assert body["bleed_volume_ml"] == pytest.approx(sum(areas) * SPACING_MM**2 * slab / 1000)
