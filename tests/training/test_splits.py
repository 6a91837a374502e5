"""Patient-level splits never put a patient in two parts, and are reproducible from a seed."""

import itertools

import numpy as np
import pytest

from tests.training.layouts import make_patients, write_ctich_nifti
from training.datasets import SliceRecord, load_ctich_nifti
from training.splits import PatientSplit, holdout_patients, kfold_patients, patient_positives, select, split_patients


def cohort(count: int = 40, positive_share: float = 0.4) -> dict[str, bool]:
    return {f"{i:03d}": i < count * positive_share for i in range(count)}


def slices_of(positives: dict[str, bool], per_patient: int = 5) -> list[SliceRecord]:
    blank = np.zeros((2, 2), np.float32)
    return [
        SliceRecord(blank, None, {"any": positive and k % 2 == 0}, patient, k)
        for patient, positive in positives.items()
        for k in range(per_patient)
    ]


def test_no_patient_has_slices_in_two_splits():
    positives = cohort()
    split = split_patients(positives, seed=3)
    parts = {name: set(getattr(split, name)) for name in ("train", "validation", "test")}
    for a, b in itertools.combinations(parts.values(), 2):
        assert not a & b
    assert set().union(*parts.values()) == set(positives)

    slices_by_part = {name: {r.patient_id for r in select(slices_of(positives), ids)} for name, ids in parts.items()}
    for a, b in itertools.combinations(slices_by_part.values(), 2):
        assert not a & b
    assert sum(len(list(select(slices_of(positives), ids))) for ids in parts.values()) == 5 * len(positives)


def test_split_sizes_and_stratification():
    split = split_patients(cohort(40), validation=0.2, test=0.2, seed=0)
    assert (len(split.train), len(split.validation), len(split.test)) == (24, 8, 8)
    positives = cohort(40)
    # 16 of 40 patients are positive; stratified, each part keeps about that share.
    assert [sum(positives[p] for p in ids) for ids in (split.train, split.validation, split.test)] == [10, 3, 3]


def test_a_small_half_positive_cohort_splits_unstratified_where_a_part_holds_one_patient():
    positives = cohort(6, positive_share=0.5)  # 15% test of 6 is one patient: no room for both classes
    split = split_patients(positives, seed=0)
    assert sorted(split.train + split.validation + split.test) == sorted(positives)
    assert (len(split.validation), len(split.test)) == (1, 1)


def test_split_is_deterministic_by_seed():
    assert split_patients(cohort(), seed=7) == split_patients(cohort(), seed=7)
    assert split_patients(cohort(), seed=7) != split_patients(cohort(), seed=8)
    shuffled = dict(reversed(list(cohort().items())))
    assert split_patients(shuffled, seed=7) == split_patients(cohort(), seed=7)


def test_kfold_tests_each_patient_exactly_once():
    positives = cohort(23)
    folds = kfold_patients(positives, folds=5, seed=1)
    assert len(folds) == 5
    tested = [p for fold in folds for p in fold.test]
    assert sorted(tested) == sorted(positives)
    for fold in folds:
        assert not set(fold.train) & set(fold.test)
        assert set(fold.train) | set(fold.test) == set(positives)
        assert any(positives[p] for p in fold.test)
    assert kfold_patients(positives, 5, seed=1) == folds


def test_patient_positives_from_a_loaded_dataset(tmp_path):
    records = list(load_ctich_nifti(write_ctich_nifti(tmp_path, make_patients())))
    assert patient_positives(records) == {"049": True, "050": True, "051": False}


def test_split_round_trips_through_json(tmp_path):
    split = split_patients(cohort(), seed=2)
    split.save(tmp_path / "split.json")
    assert PatientSplit.load(tmp_path / "split.json") == split
    assert split.part_of(split.test[0]) == "test"


def test_too_few_patients_are_refused():
    with pytest.raises(ValueError, match="^a train/validation/test split needs at least 3 patients, got 2$"):
        split_patients({"a": True, "b": False})
    with pytest.raises(ValueError, match="^5-fold cross-validation needs at least 5 patients, got 4$"):
        kfold_patients(cohort(4), folds=5)


def test_holdout_is_disjoint_stratified_and_deterministic():
    positives = cohort(20)
    kept, held_out = holdout_patients(positives, 0.25, seed=4)
    assert not set(kept) & set(held_out)
    assert set(kept) | set(held_out) == set(positives)
    assert len(held_out) == 5 and sum(positives[p] for p in held_out) == 2
    assert holdout_patients(positives, 0.25, seed=4) == (kept, held_out)
