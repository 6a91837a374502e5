"""Measure a stored model on held-out phantom forms its card lacks, and add the figures to its card.

python -m training.measure_held_out --store model_store --classifier 36 --segmenter 9 [--forms exported_8bit]

Cards written before a form existed (training.held_out_forms) lack its figures. This draws the same fresh test
phantoms training would (seed TEST_SEED, the card's own source mix, the card's input), scores the classifier at its
card's threshold and the segmenter at its mask threshold, and writes the figures into `metrics.held_out` beside the
old ones, with the command in `metrics.held_out_added`. The weights and every other figure are left as they are.
"""

import argparse
import json
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.model_card import ModelCard
from core.model_store import StoreError, resolve, write_card
from training.datasets.atlas_phantoms import ALL_PROCEDURAL
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.held_out import phantom_evaluation_data, phantom_held_out
from training.held_out_forms import FORMS, held_out_metrics
from training.shards import ShardSpec


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.measure_held_out", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--classifier", type=int, help="classifier version to measure")
    parser.add_argument("--segmenter", type=int, help="segmenter version to measure")
    parser.add_argument("--forms", help=f"comma-separated forms of {list(FORMS)} (default: those the card lacks)")
    parser.add_argument("--test-count", type=int, default=600, help="held-out phantoms per form, as training draws")
    parser.add_argument("--workers", type=int, default=2, help="processes generating phantoms")
    args = parser.parse_args(argv)
    if args.classifier is None and args.segmenter is None:
        parser.error("name a --classifier or a --segmenter version")
    args.forms = [form.strip() for form in args.forms.split(",")] if args.forms else None
    if args.forms and (unknown := set(args.forms) - set(FORMS)):
        parser.error(f"--forms: unknown {sorted(unknown)}; choose from {list(FORMS)}")
    args.command = f"{parser.prog} " + shlex.join(sys.argv[1:] if argv is None else argv)
    return args


def phantom_mix(card: ModelCard) -> dict[str, float]:
    """The source mix the card's held-out figures were drawn from."""
    derived = (card.as_dict().get("derived_from") or {}).get("held_out_phantoms", {})
    return derived.get("mix") or card.training_data.get("source_mix") or ALL_PROCEDURAL


def measure(args: argparse.Namespace, name: str, version: int) -> dict:
    """The figures of the forms asked for (or missing), added to the model's card; returns them."""
    stored = resolve(args.store, name, version)
    card = stored.card
    if "hu" not in card.metrics.get("held_out", {}):
        raise StoreError(f"{name} v{version} was measured on a dataset, not on phantoms; nothing to add to")
    forms = args.forms or [form for form in FORMS if form not in card.metrics["held_out"]]
    if not forms:
        return {}
    spec = ShardSpec(card.input.size, card.input.context_slices, card.input.confinement)
    data = phantom_evaluation_data(args.test_count, phantom_mix(card), spec.context, spec.confinement, args.workers)
    model = load_saved_model(stored.path)
    classify, segment = (model, None) if name == CLASSIFIER else (None, model)
    figures = phantom_held_out(data, classify, segment, card.threshold, spec, tuple(forms))[name == SEGMENTER]
    updated = card.as_dict()
    updated["metrics"] = updated["metrics"] | held_out_metrics(updated["metrics"]["held_out"] | figures)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    added = {form: f"{args.command} ({when}, {args.test_count} phantoms)" for form in figures}
    updated["metrics"]["held_out_added"] = updated["metrics"].get("held_out_added", {}) | added
    write_card(stored.path, updated)
    return figures


def main(argv=None) -> None:
    args = parse_args(argv)
    asked = ((CLASSIFIER, args.classifier), (SEGMENTER, args.segmenter))
    try:
        written = {name: measure(args, name, version) for name, version in asked if version is not None}
    except StoreError as e:
        sys.exit(f"error: {e}")
    print(json.dumps(written, indent=1, default=float))


if __name__ == "__main__":
    main()
