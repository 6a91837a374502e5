"""RSNA-style DICOM slices with a labels CSV: HU from the modality LUT, labels, anonymous patients, slice order."""

import numpy as np
import pytest

from tests.training.layouts import SPACING_MM, THICKNESS_MM, make_patients, write_rsna
from training.datasets import DatasetError, load_rsna_dicom
from training.datasets.rsna_dicom import anonymous_patient


@pytest.fixture(scope="module")
def patients():
    return make_patients()


def test_rsna_loads_hu_labels_and_orders_slices_by_position(tmp_path, patients):
    truth = write_rsna(tmp_path, patients)
    records = list(load_rsna_dicom(tmp_path))

    assert len(records) == len(truth)
    by_patient = {anonymous_patient(f"ANON{p.pid}"): p for p in patients}
    assert {r.patient_id for r in records} == set(by_patient)
    for record in records:
        expected = by_patient[record.patient_id].slices[record.slice_index]
        np.testing.assert_array_equal(record.hu, expected.hu)
        assert record.mask is None
        assert record.labels == expected.labels
        assert record.spacing_mm == pytest.approx((SPACING_MM, SPACING_MM, THICKNESS_MM))


def test_rsna_patient_ids_carry_no_dicom_identifier(tmp_path, patients):
    write_rsna(tmp_path, patients)
    ids = {r.patient_id for r in load_rsna_dicom(tmp_path)}
    assert not any("ANON" in i for i in ids)
    assert all(len(i) == 13 and i.startswith("p") for i in ids)


def test_rsna_rejects_an_unknown_label_name(tmp_path, patients):
    write_rsna(tmp_path, patients[:1])
    csv_path = tmp_path / "stage_2_train.csv"
    lines = csv_path.read_text().splitlines()
    lines[1] = lines[1].rsplit("_", 1)[0] + "_chronic,0"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match="^stage_2_train.csv line 2: unknown label 'chronic'$"):
        next(load_rsna_dicom(tmp_path))


def test_rsna_reports_an_unreadable_file_by_name(tmp_path, patients):
    truth = write_rsna(tmp_path, patients[:1])
    broken = min(truth)
    (tmp_path / "stage_2_train" / f"{broken}.dcm").write_bytes(b"not a dicom file")
    with pytest.raises(DatasetError, match=f"^{broken}.dcm: cannot read DICOM: "):
        list(load_rsna_dicom(tmp_path))
