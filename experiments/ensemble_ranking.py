"""Would averaging the P(any) of several classifiers rank the semi-real positives better against the whole normal
scan (the bench's `against_whole_scan`)?

python -m experiments.ensemble_ranking NAME=runs/realct/<time>/report.json NAME=... [--json FILE]
python -m experiments.ensemble_ranking --store STORE --versions 57 59 65 67 [--json FILE]
Scores every combination of the classifiers by the mean of their probabilities. From real-scan bench reports of
classifiers run with the same seed (the same positives, the same normal slices; seconds, no model runs), or from a
store's classifiers scored here as experiments/classifier_by_form.py scores them (HU and the four 8-bit PNG windows;
about a minute a classifier). Evaluation only: never trains on the real scan.
"""

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from bench.realct.semi_real_eval import against_whole_scan, assessed_rows
from core.model_store import resolve
from experiments.classifier_by_form import scores_by_form
from experiments.export_floor import real_sets
from training.evaluate_store import CLASSIFIER

Scores = dict[str, tuple[np.ndarray, np.ndarray]]  # form -> (positives' P, the assessed normal slices' P)


def report_scores(report: dict) -> Scores:
    """A bench report's probabilities in each form, as the bench ranks them."""
    return {
        form: (
            np.array([p["probability"] for p in report["semi_real"][form]["positives_detail"]]),
            np.array([s["probability"] for s in assessed_rows(report["normal"][form]["slices_detail"])]),
        )
        for form in report["semi_real"]
    }


def store_scores(store: Path, versions: list[int]) -> dict[str, Scores]:
    """Each classifier's probabilities on the semi-real positives and the assessed normal slices, in each form."""
    positives, assessed = real_sets()
    positives = [p.hu for p in positives]
    out = {}
    for version in versions:
        out[f"v{version}"] = scores_by_form(resolve(store, CLASSIFIER, version), positives, assessed)
        print(f"v{version} scored", flush=True)
    return out


def ranking(scores: list[Scores]) -> dict:
    """The bench's `against_whole_scan` of the members' mean P, form by form."""
    row = {}
    for form in scores[0]:
        positive, negative = (np.mean(parts, axis=0) for parts in zip(*(s[form] for s in scores)))
        row[form] = against_whole_scan(positive.tolist(), negative.tolist())
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", help="NAME=path to a bench report.json")
    parser.add_argument("--store", type=Path, help="score this store's classifiers instead of reading reports")
    parser.add_argument("--versions", type=int, nargs="+", default=[], help="the store's classifiers to combine")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if bool(args.reports) == bool(args.store and args.versions):
        parser.error("give bench reports, or --store with --versions")
    if args.reports:
        named = (r.split("=", 1) for r in args.reports)
        members = {name: report_scores(json.loads(Path(path).read_text())) for name, path in named}
    else:
        members = store_scores(args.store, args.versions)
    results = {}
    for size in range(1, len(members) + 1):
        for combo in itertools.combinations(members, size):
            results["+".join(combo)] = ranking([members[m] for m in combo])
            print("+".join(combo), json.dumps(results["+".join(combo)]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
