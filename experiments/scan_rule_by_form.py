"""Should a scan arriving as 8-bit exports be answered by a rule chosen on exported volumes?

The served card's scan rule is chosen on atlas head volumes as HU (training.choose_scan_rule) and answers every
input form. This scores atlas volumes as HU and as 8-bit 40/80 exports (experiments.scan_rule_holdout's scoring),
then chooses a rule the card's way (training.scan_rule_choice, the same grid and target) on the HU volumes, on the
exported ones, and on both together, and gives each rule's sensitivity and specificity in each form. In-sample
figures: the rules are measured on the volumes they were chosen on.

python -m experiments.scan_rule_by_form [--seed 77] [--volumes 64]
    [--json experiments/results/scan_rule_by_form_v9.json]
About 15 s a volume on a 2-core CPU.
"""

import argparse
from pathlib import Path

from core.scan_decision import ScanRule
from experiments.scan_rule_holdout import print_report, scored_forms
from training.scan_rule_choice import choose_scan_rule, rule_figures

FORMS = ["hu", "png8_40_80"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--version", type=int, default=9)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--volumes", type=int, default=64)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    classifier, _, scored = scored_forms(args.store, args.version, args.seed, args.volumes, FORMS)
    threshold = classifier.card.threshold
    choices = {"hu": scored["hu"], "png8_40_80": scored["png8_40_80"], "both": scored["hu"] + scored["png8_40_80"]}
    rules = {"card": classifier.card.scan_rule_policy}
    rules |= {
        f"chosen_on_{name}": ScanRule.from_card({"scan_rule": choose_scan_rule(v, threshold, chosen_on=name)})
        for name, v in choices.items()
    }
    report = {
        "command": f"python -m experiments.scan_rule_by_form --seed {args.seed} --volumes {args.volumes}",
        "classifier": classifier.version,
        "rules": {name: rule.describe() for name, rule in rules.items()},
        "figures": {
            name: {form: rule_figures(scored[form], threshold, rule) for form in FORMS} for name, rule in rules.items()
        },
    }
    print_report(report, args.json)


if __name__ == "__main__":
    main()
