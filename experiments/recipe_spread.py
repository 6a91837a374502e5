"""Does one training recipe rank the real scan better than another, beyond the spread between runs of each? Reads the
runs' `classifier_by_form` figures and gives each recipe's mean, sd and range as HU and in 8-bit windows, and the
difference of two recipes' means with an exact two-sided permutation p (every split of the pooled runs), and how many
runs each recipe would need to tell a difference of DETECTABLE AUC from the run-to-run spread.

python -m experiments.recipe_spread --recipe baseline=36,53,55 --recipe young=73,74,77 [--json FILE]
Reads experiments/results/classifier_by_form_vN.json (or --results DIR); seconds. Two recipes, each of two or more runs.
"""

import argparse
import json
from itertools import combinations
from math import comb
from pathlib import Path

import numpy as np
from scipy.stats import norm

from experiments.export_floor import EXPORTS, form_name

RESULTS = Path(__file__).parent / "results"
HU_FORM, EIGHT_BIT_FORMS = form_name(None), [form_name(window) for window in EXPORTS if window is not None]
MEASURES = ("hu", "8bit_mean")
MAX_SPLITS = 200_000  # an exact test enumerates every split: about 20 runs in all
DETECTABLE = (0.01, 0.02)  # differences of mean AUC worth finding
ALPHA, POWER = 0.05, 0.80


def run_figures(results: Path, version: int) -> dict[str, float]:
    """A run's AUC against the whole normal scan as HU and averaged over its 8-bit windows."""
    forms = json.loads((results / f"classifier_by_form_v{version}.json").read_text())
    eight_bit = [forms[form]["auc_against_whole_scan"] for form in EIGHT_BIT_FORMS]
    return {"hu": forms[HU_FORM]["auc_against_whole_scan"], "8bit_mean": float(np.mean(eight_bit))}


def permutation_p(a: list[float], b: list[float]) -> float:
    """Exact two-sided p of the difference of means: the share of splits of the pooled runs into groups of these sizes
    whose difference is at least as large."""
    if comb(len(a) + len(b), len(a)) > MAX_SPLITS:
        raise ValueError(f"{len(a)} and {len(b)} runs: too many splits for an exact test")
    pooled, observed = np.array(a + b), abs(np.mean(a) - np.mean(b))
    sums = np.array([pooled[list(picked)].sum() for picked in combinations(range(len(pooled)), len(a))])
    differences = np.abs(sums / len(a) - (pooled.sum() - sums) / len(b))
    return float(np.mean(differences >= observed - 1e-12))


def runs_needed(a: list[float], b: list[float], difference: float) -> int:
    """Runs per recipe for a two-sided test at ALPHA to find `difference` with POWER, given the pooled run-to-run sd
    (the normal approximation)."""
    pooled_sd = np.sqrt((np.var(a, ddof=1) * (len(a) - 1) + np.var(b, ddof=1) * (len(b) - 1)) / (len(a) + len(b) - 2))
    z = norm.ppf(1 - ALPHA / 2) + norm.ppf(POWER)
    return int(np.ceil(2 * (z * pooled_sd / difference) ** 2))


def spread(values: list[float]) -> dict:
    return {
        "mean": round(float(np.mean(values)), 4),
        "sd": round(float(np.std(values, ddof=1)), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def compare(results: Path, recipes: dict[str, list[int]]) -> dict:
    runs = {name: {v: run_figures(results, v) for v in versions} for name, versions in recipes.items()}
    values = {name: {m: [f[m] for f in figures.values()] for m in MEASURES} for name, figures in runs.items()}
    report = {"recipes": {name: {"runs": runs[name]} | {m: spread(values[name][m]) for m in MEASURES} for name in runs}}
    first, second = runs
    report["difference"] = {
        m: {
            f"{second}_minus_{first}": round(float(np.mean(values[second][m]) - np.mean(values[first][m])), 4),
            "permutation_p": round(permutation_p(values[first][m], values[second][m]), 4),
            "runs_per_recipe_to_find": {
                f"{d:g}": runs_needed(values[first][m], values[second][m], d) for d in DETECTABLE
            },
        }
        for m in MEASURES
    }
    return report


def _recipe(text: str) -> tuple[str, list[int]]:
    name, _, versions = text.partition("=")
    try:
        parsed = [int(v) for v in versions.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=V1,V2,... with versions as integers") from None
    if not name or len(parsed) < 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=V1,V2,... with two runs or more")
    return name, parsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", type=_recipe, action="append", required=True, help="NAME=V1,V2,...; give two")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where classifier_by_form_vN.json are")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if len(args.recipe) != 2:
        parser.error("give exactly two --recipe")
    try:
        report = compare(args.results, dict(args.recipe))
    except (OSError, ValueError) as e:
        parser.error(str(e))
    print(json.dumps(report["difference"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
