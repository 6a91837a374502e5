"""Both PhysioNet CT-ICH loaders read phantom data written in exactly their layouts."""

import logging

import numpy as np
import pytest

from core.windowing import as_brain_window_export
from tests.training.layouts import (
    CTICH_JPG_BRAIN,
    SPACING_MM,
    THICKNESS_MM,
    make_patients,
    write_ctich_jpg,
    write_ctich_nifti,
)
from training.datasets import DatasetError, load_ctich_jpg, load_ctich_nifti
from training.datasets.records import BRAIN_WINDOW_FORM, HU_FORM


@pytest.fixture(scope="module")
def patients():
    return make_patients()


def test_nifti_release_round_trips_values_masks_labels_and_orientation(tmp_path, patients):
    records = list(load_ctich_nifti(write_ctich_nifti(tmp_path, patients)))

    expected = [(p.pid, k, s) for p in patients for k, s in enumerate(p.slices)]
    assert [(r.patient_id, r.slice_index) for r in records] == [(pid, k) for pid, k, _ in expected]
    for record, (_, _, truth) in zip(records, expected):
        # Patients 050 is stored RAS, the others LPS: both must come back in display orientation.
        np.testing.assert_array_equal(record.hu, truth.hu)
        np.testing.assert_array_equal(record.mask, truth.mask)
        assert record.labels == truth.labels
        assert record.spacing_mm == pytest.approx((SPACING_MM, SPACING_MM, THICKNESS_MM))
        assert record.form == HU_FORM
        assert record.extra == {"fracture": False}


def test_nifti_release_skips_patients_without_a_scan_and_says_so(tmp_path, patients, caplog):
    root = write_ctich_nifti(tmp_path, patients)
    (root / "ct_scans" / "050.nii").unlink()
    with caplog.at_level(logging.WARNING):
        seen = {r.patient_id for r in load_ctich_nifti(root)}
    assert seen == {"049", "051"}
    assert "1 patients in hemorrhage_diagnosis_raw_ct.csv have no scan in ct_scans/ and were skipped" in caplog.text


def test_nifti_release_rejects_a_csv_without_a_label_column(tmp_path, patients):
    root = write_ctich_nifti(tmp_path, patients)
    csv_path = root / "hemorrhage_diagnosis_raw_ct.csv"
    csv_path.write_text(csv_path.read_text().replace("Subdural", "Sub_dural"))
    with pytest.raises(DatasetError, match="^hemorrhage_diagnosis_raw_ct.csv: missing columns Subdural$"):
        next(load_ctich_nifti(root))


def test_nifti_release_needs_a_mask_per_scan(tmp_path, patients):
    root = write_ctich_nifti(tmp_path, patients)
    (root / "masks" / "049.nii").unlink()
    with pytest.raises(DatasetError, match="^ct_scans/049.nii has no mask in masks/$"):
        next(load_ctich_nifti(root))


def test_jpg_release_maps_brain_window_pixels_into_the_0_to_80_hu_form(tmp_path, patients):
    records = list(load_ctich_jpg(write_ctich_jpg(tmp_path, patients)))

    truths = [s for p in patients for s in p.slices]
    assert [(r.patient_id, r.slice_index) for r in records] == [
        (p.pid, k) for p in patients for k in range(len(p.slices))
    ]
    for record, truth in zip(records, truths):
        assert record.form == BRAIN_WINDOW_FORM
        assert record.hu.min() >= 0.0 and record.hu.max() <= 80.0
        # What an exact 40/120 export folded into 0..80 HU gives; JPEG adds ~1 grey level.
        expected = as_brain_window_export(np.clip(truth.hu, CTICH_JPG_BRAIN.low, CTICH_JPG_BRAIN.high))
        soft_tissue = (truth.hu > 0) & (truth.hu < 80)
        assert np.median(np.abs(record.hu - expected)[soft_tissue]) <= 1.0
        assert np.mean(np.abs(record.hu - expected)) <= 1.5
        np.testing.assert_array_equal(record.mask, truth.mask)
        assert record.labels == truth.labels
        assert record.spacing_mm is None


def test_jpg_release_keeps_brain_tissue_near_its_true_hu(tmp_path, patients):
    """Grey/white matter (20..45 HU) must land at its HU, not stretched as if exported at 0..80."""
    record = next(load_ctich_jpg(write_ctich_jpg(tmp_path, patients)))
    truth = patients[0].slices[0].hu
    brain = (truth > 20) & (truth < 45)
    assert abs(float(np.mean(record.hu[brain] - truth[brain]))) < 1.0


def test_jpg_release_counts_rows_without_an_image(tmp_path, patients, caplog):
    root = write_ctich_jpg(tmp_path, patients)
    (root / "Patients_CT" / "049" / "brain" / "2.jpg").unlink()
    with caplog.at_level(logging.WARNING):
        records = list(load_ctich_jpg(root))
    assert len(records) == sum(len(p.slices) for p in patients) - 1
    assert "1 rows of hemorrhage_diagnosis.csv have no image under Patients_CT/ and were skipped" in caplog.text
