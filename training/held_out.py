"""Held-out figures for the model cards, computed with serving's preprocessing.

Phantoms: a fresh test set (seed TEST_SEED) in each of FORMS, the same phantoms in each.
A real dataset: its test patients, through the same report as `python -m training.evaluate_store`.
"""

from pathlib import Path

from training.cards import MASK_THRESHOLD
from training.config import DataConfig
from training.evaluate import choose_threshold, classifier_metrics, predict_in_batches, segmenter_metrics
from training.held_out_forms import FORMS
from training.phantom_data import BRAIN_WINDOW_FRACTION, TEST_SEED, VALIDATION_SEED, build_arrays
from training.reporting.evaluation import build_report, score_dataset
from training.reporting.writer import write_report
from training.shards import ShardSpec
from training.splits import PatientSplit
from training.training_data import load_records


def phantom_evaluation_data(
    test_count: int, source_mix: dict, context_slices: int, confinement: str, workers: int, val_count: int = 0
) -> DataConfig:
    """The DataConfig of a run that trains nothing and only draws phantoms to measure stored models."""
    return DataConfig(
        dataset="phantoms",
        root=None,
        split_file=None,
        split_seed=0,
        train_count=0,
        val_count=val_count,
        test_count=test_count,
        brain_window_fraction=BRAIN_WINDOW_FRACTION,
        source_mix=source_mix,
        context_slices=context_slices,
        augment=False,
        workers=workers,
        confinement=confinement,
    )


def phantom_scores(
    classify,
    seed: int,
    count: int,
    mix: dict,
    spec: ShardSpec,
    workers: int,
    brain_window_fraction: float,
    simulated_exports: bool = False,
    eight_bit_exports: bool = False,
) -> tuple:
    """(labels bool, P(any)) of the classifier on `count` fresh phantoms of `seed`, fed as `spec` says; the 8-bit
    form a lossless 40/80 export unless `simulated_exports` (as the training shards hold them) or `eight_bit_exports`
    (every source's 8-bit share drawn as an export: training.held_out_forms' exported_8bit)."""
    arrays = build_arrays(
        seed,
        count,
        size=spec.size,
        slices=spec.slices,
        brain_window_fraction=brain_window_fraction,
        workers=workers,
        mix=mix,
        confinement=spec.confinement,
        simulated_exports=simulated_exports,
        eight_bit_exports=eight_bit_exports,
    )
    return arrays.labels[:, 0] > 0.5, predict_in_batches(classify, arrays.images)[:, 0]


def validation_operating_point(
    classify,
    count: int,
    mix: dict,
    spec: ShardSpec,
    workers: int,
    target: float,
    brain_window_fraction: float = BRAIN_WINDOW_FRACTION,
    simulated_exports: bool = False,
) -> dict:
    """The classifier's operating point for a stored or imported model: on validation phantoms (seed
    VALIDATION_SEED), the highest threshold reaching `target` sensitivity. Training chooses it on its validation
    shards, which hold the run's share of exports drawn as training.scanner draws them: `simulated_exports` and the
    run's `brain_window_fraction` choose as it does."""
    labels, scores = phantom_scores(
        classify, VALIDATION_SEED, count, mix, spec, workers, brain_window_fraction, simulated_exports
    )
    return choose_threshold(labels, scores, target)


def phantom_held_out(
    data: DataConfig, classify, segment, threshold: float, spec: ShardSpec, forms=tuple(FORMS)
) -> tuple[dict, dict]:
    """(classifier figures, segmenter figures) by form, on `data.test_count` fresh test phantoms per form."""
    tests = held_out_arrays(data, spec, forms)
    classifier = (
        {form: classifier_metrics(classify, arrays, threshold) for form, arrays in tests.items()} if classify else {}
    )
    segmenter = {form: segmenter_metrics(segment, arrays) for form, arrays in tests.items()} if segment else {}
    return classifier, segmenter


def held_out_arrays(data: DataConfig, spec: ShardSpec, forms=tuple(FORMS)) -> dict:
    """The fresh test phantoms (seed TEST_SEED) of each form asked for, by form: the same phantoms in each."""
    return {
        form: build_arrays(
            TEST_SEED,
            data.test_count,
            size=spec.size,
            brain_window_fraction=share,
            workers=data.workers,
            keep_native=True,
            slices=spec.slices,
            confinement=spec.confinement,
            mix=data.source_mix,
            eight_bit_exports=exported,
        )
        for form, (share, exported) in FORMS.items()
        if form in forms
    }


def dataset_held_out(
    data: DataConfig,
    split: PatientSplit,
    classify,
    segment,
    threshold: float,
    target_sensitivity: float,
    out: Path,
) -> tuple[dict, dict]:
    """The test patients' report, written to `out`; the cards keep its detection and segmentation parts."""
    records = load_records(data, split.test)
    scored = score_dataset(
        records, classify, segment, MASK_THRESHOLD, context=data.context_slices, confinement=data.confinement
    )
    report, curves = build_report(scored, threshold, target_sensitivity, validation_fraction=0.0)
    write_report(out, report, curves, scored, {})
    return {"test_patients": report["detection"]}, {"test_patients": report["segmentation"]}
