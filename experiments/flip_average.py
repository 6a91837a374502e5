"""Would the served classifier rank bleeds better if it averaged its P over each slice and the slice's left-right
mirror image (test-time flip; it was trained with flips, so the mirror is in its training distribution)?

Measured on phantoms first, the way the cards' figures are: held-out procedural phantoms (seed 3) in both input forms
through the served pair's input, at a threshold chosen for each variant on validation phantoms (seed 2) by the
cards' rule (95 % sensitivity). Then the real-scan bench (bench.realct.evaluate: the real normal scan and its
semi-real positives, as HU and as 8-bit exports), each variant at its own threshold. The real scan is a yardstick;
nothing here is chosen on it.

python -m experiments.flip_average [--count 600] [--validation 400] [--positives 40]
    [--json experiments/results/flip_average_v9.json]
Needs ../shared/realct for the bench part. A few minutes on 2 cores.
"""

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from bench.realct.__main__ import default_scan
from bench.realct.evaluate import evaluate
from bench.realct.forms import FORMS_BY_NAME, HU
from bench.realct.scan_input import read_scan
from bench.realct.serving import served
from core.model_store import paired_input
from training.datasets.atlas_phantoms import parse_source_mix
from training.evaluate import choose_threshold, classifier_metrics, predict_in_batches
from training.evaluate_store import load_saved_model
from training.held_out import FORMS as PHANTOM_FORMS
from training.phantom_data import BRAIN_WINDOW_FRACTION, TEST_SEED, VALIDATION_SEED, build_arrays
from training.shards import ShardSpec

BENCH_FORMS = (HU, FORMS_BY_NAME["png8_40_80"], FORMS_BY_NAME["png8_50_150"])
MIX = "procedural=1.0"  # the served weights' own training source, as in the cards' held-out figures
TARGET_SENSITIVITY = 0.95


def mirrored(predict):
    """P averaged over the batch and its left-right mirror image."""
    return lambda batch: (predict(batch) + predict(np.ascontiguousarray(batch[:, :, ::-1]))) / 2.0


def phantom_figures(classifier_path: Path, feed, counts: tuple[int, int]) -> tuple[dict, dict]:
    """-> ({variant: threshold chosen on validation phantoms}, {variant: {form: held-out figures there}})."""
    plain = load_saved_model(classifier_path)
    variants = {"served": plain, "flip_average": mirrored(plain)}
    spec = ShardSpec(feed.size, feed.context_slices, feed.confinement)
    common = {"slices": spec.slices, "confinement": spec.confinement, "mix": parse_source_mix(MIX), "workers": 2}
    validation = build_arrays(
        VALIDATION_SEED, counts[1], size=feed.size, brain_window_fraction=BRAIN_WINDOW_FRACTION, **common
    )
    thresholds = {
        name: choose_threshold(
            validation.labels[:, 0] > 0.5, predict_in_batches(f, validation.images)[:, 0], TARGET_SENSITIVITY
        )["threshold"]
        for name, f in variants.items()
    }
    tests = {
        form: build_arrays(
            TEST_SEED, counts[0], size=feed.size, brain_window_fraction=share, eight_bit_exports=exported, **common
        )
        for form, (share, exported) in PHANTOM_FORMS.items()
    }
    figures = {
        name: {form: classifier_metrics(f, arrays, thresholds[name]) for form, arrays in tests.items()}
        for name, f in variants.items()
    }
    return thresholds, figures


def bench_figures(models, config, scan, positives: int) -> dict:
    result = evaluate(models, config, scan, BENCH_FORMS, positives)
    normal, semi = result.report["normal"], result.report["semi_real"]
    return {
        form.name: {
            "scan_positive": normal[form.name]["scan_positive"],
            "flagged_slices": normal[form.name]["flagged_slices"],
            **{k: semi[form.name][k] for k in ("auc", "sensitivity", "specificity")},
        }
        for form in BENCH_FORMS
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="held-out phantoms per input form")
    parser.add_argument("--validation", type=int, default=400, help="validation phantoms for the thresholds")
    parser.add_argument("--positives", type=int, default=40, help="semi-real positives on the bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    models, config = served()
    feed = paired_input(models.classifier_version.card, models.segmenter_version.card)
    thresholds, phantoms = phantom_figures(models.classifier_version.path, feed, (args.count, args.validation))
    print(json.dumps({"thresholds": thresholds, "phantoms": phantoms}, default=float), flush=True)
    scan = read_scan(default_scan())
    variants = {"served": models, "flip_average": dataclasses.replace(models, classifier=mirrored(models.classifier))}
    bench = {
        name: bench_figures(variant, dataclasses.replace(config, threshold=thresholds[name]), scan, args.positives)
        for name, variant in variants.items()
    }
    report = {
        "command": f"python -m experiments.flip_average --count {args.count} --validation {args.validation} "
        f"--positives {args.positives}",
        "classifier": models.classifier_version.version,
        "card_threshold": models.classifier_version.card.threshold,
        "thresholds_on_validation_phantoms": thresholds,
        "held_out_phantoms": phantoms,
        "real_scan_bench": bench,
    }
    text = json.dumps(report, indent=1, default=float)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
