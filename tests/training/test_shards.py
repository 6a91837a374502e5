"""TFRecord shards: what a loader yields is what the pipeline reads back, at model size."""

import numpy as np
import pytest

from core.resize import resize_image, resize_mask
from tests.training.layouts import make_patients, write_folder
from training.datasets import load_folder, load_phantoms
from training.datasets.records import ANY, SliceRecord
from training.shards import (
    UNKNOWN,
    ShardSpec,
    label_vector,
    parser,
    prepare,
    read_shards,
    serialize,
    with_context,
    write_records,
    write_shards,
)

SPEC = ShardSpec((64, 64), 0)


def _read(shards, spec):
    parse = parser(spec)
    return [{k: np.asarray(v) for k, v in parse(s).items()} for s in read_shards(list(shards.paths))]


def test_round_trip_keeps_hu_mask_labels_and_form(tmp_path):
    records = list(load_phantoms(6, seed=8, brain_window=True))
    shards = write_records(iter(records), tmp_path, "train", SPEC)
    assert shards.count == 6 and shards.positive == sum(r.positive for r in records)
    assert shards.masked_positive + shards.masked_negative == 6
    examples = _read(shards, SPEC)
    for record, example in zip(records, examples):
        np.testing.assert_allclose(example["hu"][..., 0], resize_image(record.hu, SPEC.size), atol=0.1)
        np.testing.assert_array_equal(example["mask"][..., 0] > 0, resize_mask(record.mask, SPEC.size))
        assert example["labels"][0] == float(record.positive)
        assert bool(example["brain_window"]) and bool(example["has_mask"])


def test_many_shards_stream_every_example_once(tmp_path):
    records = list(load_phantoms(7, seed=9))
    paths = write_shards((serialize(prepare(r, r.hu[..., None], SPEC)) for r in records), tmp_path, "part", per_shard=2)
    assert len(paths) == 4
    means = sorted(float(np.asarray(parser(SPEC)(x)["hu"]).mean()) for x in read_shards(paths))
    expected = sorted(
        float(resize_image(r.hu, SPEC.size).astype(np.float16).astype(np.float32).mean()) for r in records
    )
    np.testing.assert_allclose(means, expected, rtol=1e-5)


def test_unrecorded_subtypes_are_unknown_unless_the_slice_is_negative():
    assert label_vector({ANY: True}).tolist() == [1.0] + [UNKNOWN] * 5
    assert label_vector({ANY: False}).tolist() == [0.0] * 6
    assert label_vector({ANY: True, "subdural": True})[2] == 1.0


def test_a_folder_dataset_without_subtypes_writes_unknown_subtype_labels(tmp_path):
    root = write_folder(tmp_path / "data", make_patients())
    shards = write_records(load_folder(root), tmp_path / "shards", "train", SPEC)
    labels = np.stack([e["labels"] for e in _read(shards, SPEC)])
    positive = labels[:, 0] == 1
    assert positive.any() and (labels[positive, 1:] == UNKNOWN).all() and (labels[~positive, 1:] == 0).all()


def test_context_takes_neighbours_from_the_same_patient_in_slice_order():
    def record(patient, index):
        return SliceRecord(np.full((4, 4), 10.0 * index, np.float32), None, {ANY: False}, patient, index)

    shuffled = [record("a", 1), record("a", 0), record("a", 2), record("b", 0)]
    out = [(r.patient_id, r.slice_index, hu[0, 0].tolist()) for r, hu in with_context(shuffled, 1)]
    assert out == [("a", 0, [0, 0, 10]), ("a", 1, [0, 10, 20]), ("a", 2, [10, 20, 20]), ("b", 0, [0, 0, 0])]


def test_context_refuses_a_patient_whose_slices_differ_in_matrix():
    records = [
        SliceRecord(np.zeros((4, 4), np.float32), None, {ANY: False}, "a", 0),
        SliceRecord(np.zeros((5, 5), np.float32), None, {ANY: False}, "a", 1),
    ]
    with pytest.raises(ValueError, match="differ in matrix"):
        list(with_context(records, 1))


def test_a_confined_spec_reads_back_only_the_cranium(tmp_path):
    from core.model_input import confine

    records = list(load_phantoms(4, seed=10))
    shards = write_records(iter(records), tmp_path, "train", SPEC)
    confined_spec = ShardSpec(SPEC.size, 0, "cranium")
    for whole, confined in zip(_read(shards, SPEC), _read(shards, confined_spec)):
        np.testing.assert_array_equal(confined["hu"][..., 0], confine(whole["hu"][..., 0], "cranium"))
        assert (confined["hu"] != whole["hu"]).any()  # the scalp and face are gone
        np.testing.assert_array_equal(confined["mask"], whole["mask"])
