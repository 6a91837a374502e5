"""Does core.stack_assessment ever take a true brain level away, or cut true brain from a slice's intracranial space,
and what does it take away on the real scan?

Atlas head volumes (training.atlas: every pose, tilt and slice thickness the generator draws, the truth known) as HU
and as 8-bit exports at four display windows: how many slices holding brain the per-slice assessment keeps and the
stack rule then calls off the cranium; and, over the slices it keeps, how much of the found space that is true
intracranial space the cut to the cranium's reach (core.stack_assessment.within_cranium) removes, against how much
that is not (face, orbits, sinuses) it removes. The real normal scan (a yardstick, never fitted to) in the same
forms: which of its slices the rule takes out, by the bench's anatomical level, and which it cuts.

python -m experiments.stack_assessment [--volumes 24] [--json experiments/results/stack_assessment.json]
Needs ../shared/realct for the real scan (skipped without it). About 8 minutes.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from bench.realct.anatomy import scan_anatomy, slice_levels
from bench.realct.scan_input import read_scan
from core.slice_assessment import MIN_INTRACRANIAL_MM2, assess_slice
from core.stack_assessment import MIN_INSIDE_SHARE, assess_stack, continuation_shares
from core.windowing import Window, apply_window, brain_window_to_hu
from training.atlas import generate_volume

SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
WINDOWS = {"png8_40_80": (40, 80), "png8_40_120": (40, 120), "png8_50_150": (50, 150), "png8_35_100": (35, 100)}
FIRST_SEED = 9100  # apart from the seeds training and the scan-rule choice draw


def exported(hu: np.ndarray, form: str) -> np.ndarray:
    """HU as the service decodes an 8-bit export at `form`'s window (it reads every 8-bit file as 40/80)."""
    if form == "hu":
        return hu
    center, width = WINDOWS[form]
    pixels = np.round(apply_window(hu, Window(form, center, width)) * 255.0).astype(np.uint8)
    return brain_window_to_hu(pixels)


def stack_shares(hu: np.ndarray, spacing_mm, form: str):
    """Per-slice assessments of the stack in `form` (8-bit forms without a spacing, as exports come) and each
    slice's share of its space continuing the cranium (core.stack_assessment; under MIN_INSIDE_SHARE: taken)."""
    spacing = spacing_mm if form == "hu" else None
    assessments = [assess_slice(exported(h, form), spacing) for h in hu]
    return assessments, continuation_shares(assessments)


def taken(share) -> bool:
    return share is not None and share < MIN_INSIDE_SHARE


def add_cut(figures: dict, found: np.ndarray, kept: np.ndarray, brain: np.ndarray) -> None:
    """Tally the found space that is true intracranial space and not, and what the cut to the cranium took of each."""
    cut = found & ~kept
    true_found, true_cut = int((found & brain).sum()), int((cut & brain).sum())
    figures["true_space_found_px"] += true_found
    figures["true_space_cut_px"] += true_cut
    figures["false_space_found_px"] += int((found & ~brain).sum())
    figures["false_space_cut_px"] += int((cut & ~brain).sum())
    if true_found:
        worst = max(figures["most_true_space_cut_from_one_slice"], true_cut / true_found)
        figures["most_true_space_cut_from_one_slice"] = round(worst, 4)


def atlas_figures(volumes: int) -> dict:
    forms = ["hu", *WINDOWS]
    totals = {
        form: {
            "brain_slices_assessed": 0,
            "brain_slices_taken": 0,
            "lowest_brain_share": 1.0,
            "true_space_found_px": 0,
            "true_space_cut_px": 0,
            "false_space_found_px": 0,
            "false_space_cut_px": 0,
            "most_true_space_cut_from_one_slice": 0.0,
        }
        for form in forms
    }
    for seed in range(FIRST_SEED, FIRST_SEED + volumes):
        volume = generate_volume(seed, matrix=256)
        pixel_mm2 = volume.spacing_mm[0] * volume.spacing_mm[1]
        brain_mm2 = volume.brain.reshape(len(volume.brain), -1).sum(axis=1) * pixel_mm2
        for form in forms:
            assessments, shares = stack_shares(volume.hu, volume.spacing_mm[:2], form)
            answered = assess_stack(assessments)
            figures = totals[form]
            for assessment, share, mm2, brain, kept in zip(assessments, shares, brain_mm2, volume.brain, answered):
                if mm2 >= MIN_INTRACRANIAL_MM2 and assessment.assessed:  # a level the service would answer
                    figures["brain_slices_assessed"] += 1
                    figures["brain_slices_taken"] += int(taken(share))
                    figures["lowest_brain_share"] = round(min(figures["lowest_brain_share"], share), 3)
                if kept.assessed:
                    add_cut(figures, assessment.intracranial, kept.intracranial, brain)
        print(
            seed,
            f"{volume.spacing_mm[2]:.1f} mm",
            {f: (t["lowest_brain_share"], t["most_true_space_cut_from_one_slice"]) for f, t in totals.items()},
            flush=True,
        )
    return totals


def real_figures() -> dict:
    scan = read_scan(SCAN)
    levels = slice_levels(np.array([a.intracranial_mm2 for a in scan_anatomy(scan.hu, scan.spacing_mm)]))
    out = {}
    for form in ["hu", *WINDOWS]:
        assessments, shares = stack_shares(scan.hu, scan.spacing_mm, form)
        answered = assess_stack(assessments)
        out[form] = {
            "assessed_by_slice": int(sum(a.assessed for a in assessments)),
            "taken": [i for i, share in enumerate(shares) if taken(share)],
            "taken_from_assessed": [
                i for i, (a, share) in enumerate(zip(assessments, shares)) if a.assessed and taken(share)
            ],
            "shares_slices_0_20": [None if share is None else round(share, 2) for share in shares[:21]],
            "cut_cm2": {
                i: round((a.intracranial_mm2 - kept.intracranial_mm2) / 100, 1)
                for i, (a, kept) in enumerate(zip(assessments, answered))
                if kept.assessed and kept.intracranial_mm2 < a.intracranial_mm2
            },
        }
        out[form]["levels_taken"] = sorted({levels[i] for i in out[form]["taken"]})
        print(form, out[form], flush=True)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volumes", type=int, default=24)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = {"atlas": atlas_figures(args.volumes), "real_scan": real_figures() if SCAN.is_dir() else None}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
