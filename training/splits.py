"""Patient-level splits: every slice of a patient lands in exactly one split, whatever the seed.

The split is drawn over patient ids, never over slices, and stratified by whether a patient has
any hemorrhage so that small datasets keep positives in every part. scikit-learn draws it.
"""

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from training.datasets.records import SliceRecord

VALIDATION_FRACTION, TEST_FRACTION = 0.15, 0.15
FOLDS = 5


@dataclass(frozen=True)
class PatientSplit:
    train: tuple[str, ...]
    validation: tuple[str, ...]
    test: tuple[str, ...]

    def part_of(self, patient: str) -> str:
        for name in ("train", "validation", "test"):
            if patient in getattr(self, name):
                return name
        raise KeyError(f"patient {patient} is in no split")

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "PatientSplit":
        return cls(**{name: tuple(ids) for name, ids in json.loads(path.read_text()).items()})


@dataclass(frozen=True)
class Fold:
    train: tuple[str, ...]
    test: tuple[str, ...]


def patient_positives(records: Iterable[SliceRecord]) -> dict[str, bool]:
    """patient id -> whether any of the patient's slices is labelled positive."""
    positives: dict[str, bool] = {}
    for record in records:
        positives[record.patient_id] = positives.get(record.patient_id, False) or record.positive
    return positives


def _strata(ids: list[str], positives: Mapping[str, bool], parts: int) -> list[bool] | None:
    """Stratify only when each class has a member for every part; otherwise a plain shuffle."""
    labels = [bool(positives[p]) for p in ids]
    return labels if min(labels.count(True), labels.count(False)) >= parts else None


def _split_strata(ids: list[str], positives: Mapping[str, bool], held_out: float) -> list[bool] | None:
    """Strata for one train_test_split, which also needs room for both classes on each side
    (6 patients with a 15% test part hold out one patient: too few to stratify)."""
    test_count = math.ceil(held_out * len(ids))
    roomy = min(test_count, len(ids) - test_count) >= 2
    return _strata(ids, positives, 2) if roomy else None


def split_patients(
    positives: Mapping[str, bool],
    validation: float = VALIDATION_FRACTION,
    test: float = TEST_FRACTION,
    seed: int = 0,
) -> PatientSplit:
    """Train/validation/test by patient, deterministic for a seed (ids are sorted first)."""
    ids = sorted(positives)
    if len(ids) < 3:
        raise ValueError(f"a train/validation/test split needs at least 3 patients, got {len(ids)}")
    if not (0 < validation < 1 and 0 < test < 1 and validation + test < 1):
        raise ValueError(f"validation ({validation}) and test ({test}) fractions must be in (0, 1) and sum below 1")
    rest, held_out = train_test_split(
        ids, test_size=test, random_state=seed, stratify=_split_strata(ids, positives, test)
    )
    share = validation / (1.0 - test)
    train, val = train_test_split(
        rest, test_size=share, random_state=seed, stratify=_split_strata(rest, positives, share)
    )
    return PatientSplit(tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(held_out)))


def kfold_patients(positives: Mapping[str, bool], folds: int = FOLDS, seed: int = 0) -> list[Fold]:
    """K folds by patient: each patient is tested in exactly one fold and trained on in the others."""
    ids = sorted(positives)
    if len(ids) < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} patients, got {len(ids)}")
    strata = _strata(ids, positives, folds)
    splitter = (StratifiedKFold if strata else KFold)(n_splits=folds, shuffle=True, random_state=seed)
    return [
        Fold(tuple(sorted(ids[i] for i in train)), tuple(sorted(ids[i] for i in held_out)))
        for train, held_out in splitter.split(ids, strata or [0] * len(ids))
    ]


def select(records: Iterable[SliceRecord], patients: Iterable[str]) -> Iterator[SliceRecord]:
    """The records of the given patients, in their original order."""
    wanted = set(patients)
    return (r for r in records if r.patient_id in wanted)


def holdout_patients(
    positives: Mapping[str, bool], fraction: float, seed: int = 0
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(kept, held out): `fraction` of the patients, stratified like split_patients."""
    ids = sorted(positives)
    if len(ids) < 2:
        raise ValueError(f"holding patients out needs at least 2 patients, got {len(ids)}")
    strata = _split_strata(ids, positives, fraction)
    kept, held_out = train_test_split(ids, test_size=fraction, random_state=seed, stratify=strata)
    return tuple(sorted(kept)), tuple(sorted(held_out))
