"""Training on a dataset decodes each scan once: the split is drawn from the labels, and the train,
validation and test patients are each read by the one step that needs them."""

from collections import Counter

import pytest

from tests.training.layouts import make_patients, write_ctich_nifti
from training import training_data
from training.config import DataConfig
from training.datasets import ctich_nifti
from training.datasets.atlas_phantoms import ALL_PROCEDURAL
from training.held_out import dataset_held_out
from training.shards import Shards, ShardSpec

PATTERN = tuple((True, False) if i % 2 else (False, False) for i in range(6))


def count_records(records, directory, prefix, spec) -> Shards:
    """Stands in for the TFRecord writer: reads every record, writes nothing."""
    return Shards((), sum(1 for _ in records), 0, 0, 0)


@pytest.fixture
def decodes(monkeypatch) -> Counter:
    """Scan file name -> how often its voxels were decoded."""
    counts: Counter = Counter()
    decode = ctich_nifti.read_nifti_axial

    def counting(path):
        if path.parent.name == ctich_nifti.SCANS:
            counts[path.name] += 1
        return decode(path)

    monkeypatch.setattr(ctich_nifti, "read_nifti_axial", counting)
    monkeypatch.setattr(training_data, "write_records", count_records)
    return counts


def test_every_scan_is_decoded_once_across_split_shards_and_held_out_report(tmp_path, decodes):
    root = write_ctich_nifti(tmp_path / "ct-ich", make_patients(PATTERN))
    data = DataConfig("ctich-nifti", root, None, 0, 0, 0, 0, 0.5, ALL_PROCEDURAL, 0, False, 1)

    prepared = training_data.dataset_shards(data, ShardSpec(), tmp_path / "shards")
    split = prepared.split
    assert prepared.description["counts"] == {"train": 2 * len(split.train), "validation": 2 * len(split.validation)}
    assert set(decodes) == {f"{p}.nii" for p in split.train + split.validation}  # test scans not yet read

    dataset_held_out(data, split, None, None, 0.5, 0.95, tmp_path / "report")
    assert decodes == Counter({f"{p.pid}.nii": 1 for p in make_patients(PATTERN)})
    rows = (tmp_path / "report" / "slices.csv").read_text().splitlines()[1:]
    assert sorted({row.split(",")[0] for row in rows}) == sorted(split.test)
    assert len(rows) == 2 * len(split.test)
