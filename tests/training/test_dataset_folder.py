"""The generic images/ + masks/ loader, in PNG and NIfTI."""

import cv2
import numpy as np
import pytest

from core.windowing import as_brain_window_export, hu_to_brain_window_pixels
from tests.training.layouts import SPACING_MM, THICKNESS_MM, make_patients, write_folder
from training.datasets import DatasetError, load_folder
from training.datasets.records import BRAIN_WINDOW_FORM, HU_FORM


@pytest.fixture(scope="module")
def patients():
    return make_patients()


@pytest.mark.parametrize("form", ["png", "nifti"])
def test_folder_round_trips_hu_masks_and_patients(tmp_path, patients, form):
    records = list(load_folder(write_folder(tmp_path, patients, form)))

    truths = [(p.pid, k, s) for p in patients for k, s in enumerate(p.slices)]
    assert [(r.patient_id, r.slice_index) for r in records] == [(pid, k) for pid, k, _ in truths]
    for record, (_, _, truth) in zip(records, truths):
        np.testing.assert_array_equal(record.hu, truth.hu)
        np.testing.assert_array_equal(record.mask, truth.mask)
        assert record.labels == {"any": truth.labels["any"]}
        assert record.form == HU_FORM
    expected_spacing = (SPACING_MM, SPACING_MM, THICKNESS_MM) if form == "nifti" else None
    assert records[0].spacing_mm == (pytest.approx(expected_spacing) if expected_spacing else None)


def test_folder_orders_slices_numerically_not_alphabetically(tmp_path, patients):
    root = write_folder(tmp_path, patients[:1])
    for folder in ("images", "masks"):
        (root / folder / "049_2.png").rename(root / folder / "049_10.png")
    assert [r.slice_index for r in load_folder(root)] == [0, 1, 10]


def test_folder_reads_8bit_png_as_the_brain_window(tmp_path, patients):
    truth = patients[0].slices[0]
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "a_0.png"), hu_to_brain_window_pixels(truth.hu))
    cv2.imwrite(str(tmp_path / "masks" / "a_0.png"), truth.mask.astype(np.uint8) * 255)
    (record,) = load_folder(tmp_path)
    assert record.form == BRAIN_WINDOW_FORM
    np.testing.assert_allclose(record.hu, as_brain_window_export(truth.hu), atol=1e-4)


def test_folder_needs_a_mask_for_each_image(tmp_path, patients):
    root = write_folder(tmp_path, patients[:1])
    (root / "masks" / "049_1.png").unlink()
    with pytest.raises(DatasetError, match="^masks/: no mask named 049_1 for images/049_1$"):
        list(load_folder(root))


def test_folder_rejects_a_single_slice_without_a_patient_in_its_name(tmp_path, patients):
    root = write_folder(tmp_path, patients[:1])
    for folder in ("images", "masks"):
        (root / folder / "049_0.png").rename(root / folder / "scan.png")
    with pytest.raises(
        DatasetError, match=r"^images/scan.png: a single slice must be named PATIENT_SLICE, e.g. 017_12.png$"
    ):
        list(load_folder(root))


def test_folder_without_masks_is_refused(tmp_path, patients):
    root = write_folder(tmp_path, patients[:1])
    for path in (root / "masks").iterdir():
        path.unlink()
    (root / "masks").rmdir()
    with pytest.raises(DatasetError, match=f"^masks/ not found in {tmp_path}$"):
        list(load_folder(root))
