"""How often does the scan-level answer find a bleed that spans neighbouring real slices, under the card's scan rule
for the form, the card's HU rule, and that rule counting every flagged slice?

Each rule is reported twice: on the whole scan (what the service answers; a rule that already calls the untouched
scan positive "finds" every bleed), and on the bleed's slices alone (`_on_bleed`: would the bleed itself make the
scan positive).

The bench's semi-real positives are single slices, which say nothing of a rule over neighbouring slices. Here a
bleed of each type (bench.realct.semi_real, the same shapes and densities) is pasted into a run of neighbouring
in-brain slices of the real normal scan, its size tapering towards the run's ends, and the whole scan, otherwise
untouched, goes through the service's scan flow as HU and as an 8-bit 40/80 export series. Placement is redrawn on
each slice from the same random stream, so extra-axial and subarachnoid bleeds keep their side and sector while a
haematoma's centre may move: the models are 2-D, and the rule needs only which slices they flag.

python -m experiments.semi_real_scans [--scans 20] [--json experiments/results/semi_real_scans_v9.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About 20 s a scan and form.
"""

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from bench.realct.anatomy import IN_BRAIN_LEVELS, scan_anatomy, slice_levels
from bench.realct.forms import FORMS_BY_NAME, HU, encode_slices
from bench.realct.scan_input import read_scan
from bench.realct.semi_real import SUBTYPES, make_bleed, slice_maps
from bench.realct.serving import answered, run_exports, run_stack, served
from core.scan_decision import decide

SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
SEED = 31
MIN_SLICES, MAX_SLICES = 2, 12  # a run of 3-18 mm at the scan's 1.5 mm
FORMS = (HU, FORMS_BY_NAME["png8_40_80"])


@dataclasses.dataclass
class PastedScan:
    subtype: str
    size: float
    slices: list[int]
    hu: np.ndarray  # the whole scan with the bleed


def paste_run(scan, candidates: list[int], subtype: str, size: float, seed: int) -> PastedScan | None:
    rng = np.random.default_rng(seed)
    count = MIN_SLICES + round(size * (MAX_SLICES - MIN_SLICES))
    centre = int(rng.choice(candidates))
    run = [i for i in range(centre - count // 2, centre - count // 2 + count) if i in candidates]
    hu, pasted = scan.hu.copy(), []
    for i in run:
        offset = abs(i - (run[0] + run[-1]) / 2) / max(1.0, len(run) / 2)
        bleed = make_bleed(
            scan.hu[i],
            scan.spacing_mm,
            slice_maps(scan.hu[i], scan.spacing_mm),
            subtype,
            size * float(np.sqrt(max(0.0, 1 - offset**2))),
            np.random.default_rng([seed, 1]),
            i,
        )
        if bleed is not None:
            hu[i] = bleed.hu
            pasted.append(i)
    return PastedScan(subtype, size, pasted, hu) if pasted else None


def scan_answer(models, config, scan, hu: np.ndarray, form) -> tuple[np.ndarray, np.ndarray]:
    """(P(any), assessed) per slice, as the service's scan flow answers the scan sent as `form`."""
    if form is HU:
        answer, _ = run_stack(models, config, hu, scan.spacing_mm, scan.slice_spacing_mm)
    else:
        outcome = run_exports(models, config, encode_slices(hu, form), scan.spacing_mm, scan.slice_spacing_mm)
        answer, _ = answered(models, config, outcome)
    p = np.array([s.probability if s.probability is not None else 0.0 for s in answer.slices])
    return p, np.array([s.assessed is not False for s in answer.slices])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=20, help="bleeds, the five types in turn")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    models, config = served()
    scan = read_scan(SCAN)
    anatomy = scan_anatomy(scan.hu, scan.spacing_mm, scan.hu.shape[1:])
    levels = slice_levels(np.array([a.intracranial_mm2 for a in anatomy]))
    candidates = [i for i, level in enumerate(levels) if level in IN_BRAIN_LEVELS]
    card = models.classifier_version.card
    shared = {
        "card_scan_rule": card.scan_rule_policy,
        "card_without_run_threshold": dataclasses.replace(card.scan_rule_policy, run_threshold=None),
    }
    # "card": the rule the service answers the form by (8-bit exports: the card's rule for them, when it has one).
    form_rules = {form.name: {"card": card.scan_rule_for(form.interpretation), **shared} for form in FORMS}
    per_type = max(1, args.scans // len(SUBTYPES))
    rows = []
    for n in range(args.scans):
        size = (n // len(SUBTYPES)) / max(1, per_type - 1)
        pasted = paste_run(scan, candidates, SUBTYPES[n % len(SUBTYPES)], min(size, 1.0), SEED * 1000 + n)
        if pasted is None:
            continue
        row = {"subtype": pasted.subtype, "size": round(pasted.size, 2), "slices": pasted.slices}
        for form in FORMS:
            rules = form_rules[form.name]
            p, assessed = scan_answer(models, config, scan, pasted.hu, form)
            # "on the bleed": the rule fired from the bleed's own slices alone, not from elsewhere in the scan.
            on_bleed = np.isin(np.arange(len(p)), pasted.slices)
            row[form.name] = {
                "p_on_bleed": [round(float(x), 3) for x in p[pasted.slices]],
                **{name: decide(p, assessed, None, config.threshold, rule).positive for name, rule in rules.items()},
                **{
                    f"{name}_on_bleed": decide(p, assessed & on_bleed, None, config.threshold, rule).positive
                    for name, rule in rules.items()
                },
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = [*form_rules[HU.name], *(f"{name}_on_bleed" for name in form_rules[HU.name])]
    found = {form.name: {k: float(np.mean([r[form.name][k] for r in rows])) for k in keys} for form in FORMS}
    report = {
        "command": f"python -m experiments.semi_real_scans --scans {args.scans}",
        "classifier": models.classifier_version.version,
        "card_rules": {name: rules["card"].describe() for name, rules in form_rules.items()},
        "threshold": config.threshold,
        "scan_sensitivity": found,
        "by_type": {
            t: {f.name: float(np.mean([r[f.name]["card"] for r in rows if r["subtype"] == t])) for f in FORMS}
            for t in SUBTYPES
        },
        "scans": rows,
    }
    print(json.dumps({k: report[k] for k in ("card_rules", "scan_sensitivity", "by_type")}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
