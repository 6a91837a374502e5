"""Would averaging the P(any) of several classifiers rank the semi-real positives better against the whole normal
scan (the bench's `against_whole_scan`)?

python -m experiments.ensemble_ranking NAME=runs/realct/<time>/report.json NAME=... [--json FILE]
Reads real-scan bench reports of classifiers run with the same seed (the same positives, the same normal slices),
and scores every combination of them by the mean of their probabilities. Seconds: no model runs.
"""

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from bench.realct.semi_real_eval import PRIVATE_SET_SENSITIVITY, assessed_rows, specificity_at
from training.metrics import roc_auc


def scores(report: dict, form: str) -> tuple[np.ndarray, np.ndarray]:
    """(positives' P, the assessed normal slices' P) in one form, as the bench ranks them."""
    negative = [s["probability"] for s in assessed_rows(report["normal"][form]["slices_detail"])]
    positive = [p["probability"] for p in report["semi_real"][form]["positives_detail"]]
    return np.array(positive), np.array(negative)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="NAME=path to a bench report.json")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    reports = {name: json.loads(Path(path).read_text()) for name, path in (r.split("=", 1) for r in args.reports)}
    forms = list(next(iter(reports.values()))["semi_real"])
    results = {}
    for size in range(1, len(reports) + 1):
        for combo in itertools.combinations(reports, size):
            row = {}
            for form in forms:
                positive, negative = (
                    np.mean(parts, axis=0) for parts in zip(*(scores(reports[m], form) for m in combo))
                )
                row[form] = {
                    "auc": roc_auc(np.r_[np.ones(len(positive)), np.zeros(len(negative))], np.r_[positive, negative]),
                    "specificity_at_90_sensitivity": specificity_at(
                        list(positive), list(negative), PRIVATE_SET_SENSITIVITY
                    ),
                }
            results["+".join(combo)] = row
            print("+".join(combo), json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
