"""Each layout's labels reader gives the patients and positives its loader would, without decoding an image;
a loader asked for some patients yields exactly their records."""

import numpy as np
import pytest

from tests.training.layouts import make_patients, write_ctich_jpg, write_ctich_nifti, write_folder, write_rsna
from training.datasets import LOADERS, POSITIVES, ctich_jpg, ctich_nifti, folder, rsna_dicom
from training.splits import patient_positives

WRITERS = {
    "ctich-nifti": write_ctich_nifti,
    "ctich-jpg": write_ctich_jpg,
    "folder": write_folder,
    "rsna-dicom": write_rsna,
}
# What each loader decodes images with; the labels readers must not call it.
IMAGE_DECODERS = {
    "ctich-nifti": (ctich_nifti, "read_nifti_axial"),
    "ctich-jpg": (ctich_jpg, "read_gray"),
    "folder": (folder, "read_stack"),
    "rsna-dicom": (rsna_dicom, "read_hu"),
}


@pytest.fixture(scope="module", params=sorted(WRITERS))
def layout(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    WRITERS[request.param](root, make_patients())
    return request.param, root


def test_labels_reader_equals_the_loaders_records_without_decoding(layout, monkeypatch):
    name, root = layout
    from_records = patient_positives(LOADERS[name](root))
    module, decoder = IMAGE_DECODERS[name]

    def refuse(*args, **kwargs):
        raise AssertionError(f"{name}: the labels reader decoded an image")

    monkeypatch.setattr(module, decoder, refuse)
    assert POSITIVES[name](root) == from_records
    assert sorted(from_records.values()) == [False, True, True]  # make_patients: two patients bleed


def test_loader_asked_for_some_patients_yields_exactly_theirs(layout):
    name, root = layout
    everyone = list(LOADERS[name](root))
    wanted = {everyone[0].patient_id, everyone[-1].patient_id}
    some = list(LOADERS[name](root, patients=wanted))
    expected = [r for r in everyone if r.patient_id in wanted]
    assert [(r.patient_id, r.slice_index, r.labels) for r in some] == [
        (r.patient_id, r.slice_index, r.labels) for r in expected
    ]
    assert all(np.array_equal(a.hu, b.hu) for a, b in zip(some, expected))
    assert {r.patient_id for r in some} == wanted


def test_nifti_labels_stop_at_the_scans_last_slice(tmp_path):
    """A CSV row past the scan's depth is never yielded by the loader, so it must not make the patient positive."""
    negative = make_patients(((False, False),), seed=6)
    root = write_ctich_nifti(tmp_path, negative)
    with (root / ctich_nifti.LABELS_CSV).open("a") as csv_file:
        csv_file.write(f"{negative[0].number},3,0,1,0,0,0,0,0\n")  # slice 3 of a 2-slice scan, marked positive
    assert POSITIVES["ctich-nifti"](root) == {negative[0].pid: False}
