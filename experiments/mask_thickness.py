"""Are the served ResUNet's masks on the real normal scan thinner than the bleeds pasted into it? Measures every
answer-mask component's area and thickness (twice its largest inscribed radius) on the normal scan and on the
semi-real positives, then what dropping components under a thickness would do to the bench's figures.

python -m experiments.mask_thickness [--forms hu,png8_40_80] [--json experiments/results/mask_thickness.json]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it.
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.realct.anatomy import scan_anatomy, slice_levels
from bench.realct.evaluate import POSITIVES, SEED, semi_real_slices
from bench.realct.forms import FORMS_BY_NAME, decode_stack, encode_slices
from bench.realct.scan_input import read_scan
from bench.realct.semi_real import make_positives
from bench.realct.serving import run_form, run_stack, served
from core.dice import dice_score

SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
THICKNESS_MM = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)


def components(mask: np.ndarray, pixel_mm: float) -> list[tuple[np.ndarray, float, float]]:
    """(component, area mm², thickness mm) of each 8-connected component."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    inside = cv2.distanceTransform(np.pad(mask.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    out = []
    for label in range(1, count):
        piece = labels == label
        out.append((piece, float(piece.sum()) * pixel_mm**2, 2.0 * float(inside[piece].max()) * pixel_mm))
    return out


def kept(mask: np.ndarray, pixel_mm: float, min_thickness_mm: float) -> np.ndarray:
    out = np.zeros(mask.shape, bool)
    for piece, _, thickness in components(mask, pixel_mm):
        if thickness >= min_thickness_mm:
            out |= piece
    return out


def normal_figures(masks: np.ndarray, pixel_mm: float, slice_mm: float, min_thickness_mm: float) -> dict:
    filtered = [kept(m, pixel_mm, min_thickness_mm) for m in masks]
    over_10 = sum(any(a > 10 for _, a, _ in components(m, pixel_mm)) for m in filtered)
    volume = sum(float(m.sum()) for m in filtered) * pixel_mm**2 * slice_mm / 1000
    return {"ml": round(volume, 2), "slices_with_component_over_10mm2": over_10}


def semi_real_figures(masks, truths, subtypes, pixel_mm: float, min_thickness_mm: float) -> dict:
    dice = [dice_score(kept(m, pixel_mm, min_thickness_mm), t) for m, t in zip(masks, truths)]
    by_type = {
        s: round(float(np.mean([d for d, t in zip(dice, subtypes) if t == s])), 3) for s in sorted(set(subtypes))
    }
    return {"dice": round(float(np.mean(dice)), 3), "dice_by_type": by_type}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", default="hu,png8_40_80")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scan = read_scan(SCAN)
    models, config = served()
    pixel_mm = float(np.mean(scan.spacing_mm))
    levels = slice_levels(np.array([a.intracranial_mm2 for a in scan_anatomy(scan.hu, scan.spacing_mm)]))
    report = {"forms": {}}
    for name in args.forms.split(","):
        form = FORMS_BY_NAME[name]
        run = run_form(models, config, scan, form)
        rows = [{"assessed": s.assessed} for s in run.answer.slices]
        positives = make_positives(scan.hu, scan.spacing_mm, semi_real_slices(levels, rows), POSITIVES, SEED)
        stack = decode_stack(encode_slices(np.stack([p.hu for p in positives]), form), scan)
        _, pasted_masks = run_stack(models, config, stack.hu, stack.spacing_mm, scan.slice_spacing_mm)
        normal_parts = [c for m in run.masks for c in components(m, pixel_mm)]
        true_parts, false_parts = [], []
        for bleed, mask in zip(positives, pasted_masks):
            for piece, area, thickness in components(mask, pixel_mm):
                (true_parts if (piece & bleed.mask).any() else false_parts).append((area, thickness))
        report["forms"][name] = {
            "normal_components_thickness_mm": sorted(round(t, 2) for _, _, t in normal_parts),
            "normal_components_area_mm2": [round(a, 1) for _, a, _ in normal_parts],
            "positive_components_on_the_bleed_thickness_mm": sorted(round(t, 2) for _, t in true_parts),
            "by_min_thickness": {
                str(t): {
                    "normal": normal_figures(run.masks, pixel_mm, scan.slice_spacing_mm, t),
                    "semi_real": semi_real_figures(
                        pasted_masks, [p.mask for p in positives], [p.subtype for p in positives], pixel_mm, t
                    ),
                }
                for t in THICKNESS_MM
            },
        }
        print(name, json.dumps(report["forms"][name]["by_min_thickness"], indent=None))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
