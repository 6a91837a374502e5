"""Which levels of the real normal scan hold the slices that outrank the semi-real bleeds (the bench's
`against_whole_scan`)?

python -m experiments.outranking_levels REPORT [REPORT ...] [--sensitivity 0.9] [--json FILE]
For each real-scan bench report and form: the cut that flags the given share of the semi-real positives, and per
level of the bench's anatomy, how many assessed normal slices score at or above it. Seconds: no model runs.
"""

import argparse
import json
from collections import Counter
from pathlib import Path

from bench.realct.semi_real_eval import PRIVATE_SET_SENSITIVITY, assessed_rows, cut_at


def outranking(report: dict, form: str, sensitivity: float) -> dict:
    cut = cut_at([p["probability"] for p in report["semi_real"][form]["positives_detail"]], sensitivity)
    rows = assessed_rows(report["normal"][form]["slices_detail"])
    above, assessed = Counter(s["level"] for s in rows if s["probability"] >= cut), Counter(s["level"] for s in rows)
    return {"cut": cut, "levels": {level: [above[level], count] for level, count in assessed.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--sensitivity", type=float, default=PRIVATE_SET_SENSITIVITY)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {}
    for path in args.reports:
        report = json.loads(path.read_text())
        name = f"classifier v{report['meta']['classifier_version']}"
        results[name] = {form: outranking(report, form, args.sensitivity) for form in report["semi_real"]}
        print(name, json.dumps(results[name]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
