"""Does the card's scan rule hold on atlas head volumes it was not chosen on, as HU and as 8-bit exports?

`python -m training.choose_scan_rule` chooses the rule on one set of atlas volumes (the card says which seed). This
scores another set, drawn from another seed, through the same scoring (training.site_scoring: the served pair, slice
assessment and the stack rule, confined masks) and gives the scan-level sensitivity and specificity of: the card's
rule for the form (its `scan_rule_by_input` entry for 8-bit exports where it has one), the card's `scan_rule`, the
same counting every flagged slice (no run threshold), and the maximum over slices. The 8-bit forms are the volumes
exported at a fixed display window, decoded as the service decodes an 8-bit file, and sent without a spacing as
exports arrive (so no rule's volume arm can fire on them).

python -m experiments.scan_rule_holdout [--seed 78] [--volumes 48] [--forms hu,png8_40_80,png8_50_150]
    [--json experiments/results/scan_rule_holdout_v9_by_input.json]
About 10 s a volume and form on a 2-core CPU.
"""

import argparse
import dataclasses
import json
from pathlib import Path

from bench.realct.forms import FORMS_BY_NAME
from core.model_store import paired_input, resolve
from experiments.stack_assessment import WINDOWS, exported
from training.choose_scan_rule import atlas_volumes, paired_segmenter, volume_scorer
from training.evaluate_store import CLASSIFIER, SEGMENTER
from training.scan_rule_choice import MAX_OVER_SLICES, VolumeScores, rule_figures

DEFAULT_SEED = 78  # the card's rule was chosen on seed 77; training's phantom sets use 1-3
MATRIX = 256


def exported_records(records, form: str):
    """The volume as it reaches the service in `form`: 8-bit exports without a spacing, which PNG and JPEG lack."""
    if form == "hu":
        return records
    return [dataclasses.replace(r, hu=exported(r.hu, form), spacing_mm=None) for r in records]


def scored_forms(store: Path, version: int, seed: int, count: int, forms: list[str]):
    """-> (classifier, segmenter, {form: [VolumeScores]}): atlas volumes of `seed` scored as the service answers
    them, each volume in every form."""
    classifier = resolve(store, CLASSIFIER, version)
    segmenter = paired_segmenter(store, SEGMENTER, version)
    feed = paired_input(classifier.card, segmenter.card)
    score = volume_scorer(
        classifier.path, segmenter.path, segmenter.card.mask_threshold, feed, classifier.card.assessment_limits
    )
    scored = {form: [] for form in forms}
    for records in atlas_volumes(seed, count, MATRIX, None):
        for form in forms:
            volume = score(exported_records(records, form))
            scored[form].append(VolumeScores(volume.raw, volume.assessed, volume.volume_ml, volume.label))
    return classifier, segmenter, scored


def print_report(report: dict, path: Path | None) -> None:
    text = json.dumps(report, indent=1)
    print(text)
    if path:
        path.write_text(text + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--version", type=int, default=9)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--volumes", type=int, default=48)
    parser.add_argument("--forms", default="hu,png8_40_80", help=f"hu and any of {', '.join(WINDOWS)}")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    forms = args.forms.split(",")
    classifier, segmenter, scored = scored_forms(args.store, args.version, args.seed, args.volumes, forms)
    card = classifier.card
    served = card.scan_rule_policy
    shared = {
        "card_scan_rule": served,
        "card_without_run_threshold": dataclasses.replace(served, run_threshold=None),
        "max_over_slices": MAX_OVER_SLICES,
    }
    rules = {form: {"card": card.scan_rule_for(FORMS_BY_NAME[form].interpretation), **shared} for form in forms}
    report = {
        "command": f"python -m experiments.scan_rule_holdout --seed {args.seed} --volumes {args.volumes} "
        f"--forms {args.forms}",
        "classifier": f"{CLASSIFIER} v{classifier.version}",
        "segmenter": f"{SEGMENTER} v{segmenter.version}",
        "card_rules": {form: dataclasses.asdict(rules[form]["card"]) for form in forms},
        "volumes": {"positive": sum(v.label for v in scored[forms[0]]), "total": len(scored[forms[0]])},
        "forms": {
            form: {name: rule_figures(volumes, card.threshold, rule) for name, rule in rules[form].items()}
            for form, volumes in scored.items()
        },
    }
    print_report(report, args.json)


if __name__ == "__main__":
    main()
