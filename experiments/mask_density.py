"""Are the ResUNet's false masks on the real normal scan less dense than blood, so that a density floor on each mask
component would drop them and keep real bleeds?

The served pair answers the real normal scan as DICOM, and the bench's 40 semi-real positives as HU (the same pasted
bleeds as `python -m bench.realct`). For every mask component over 10 mm²: its mean and median HU on the slice it
was painted on, and the share of its pixels at 50-100 HU (acute blood). Components of the semi-real answers are
split into those lying mostly on the pasted bleed and the rest. Diagnosis only: nothing is fitted to this scan.

python -m experiments.mask_density [--json experiments/results/mask_density_v9.json]
Needs ../shared/realct; about a minute.
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.realct.__main__ import default_scan
from bench.realct.anatomy import IN_BRAIN_LEVELS, scan_anatomy, slice_levels
from bench.realct.evaluate import SEED
from bench.realct.forms import HU, encode_slices
from bench.realct.scan_input import read_scan
from bench.realct.semi_real import make_positives
from bench.realct.serving import answered, run_exports, run_form, served

COMPONENT_MM2 = 10.0
POSITIVES = 40


def components(mask: np.ndarray, hu: np.ndarray, pixel_mm2: float):
    """(pixels of each component over COMPONENT_MM2, its HU values)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    for k in range(1, count):
        if stats[k, cv2.CC_STAT_AREA] * pixel_mm2 > COMPONENT_MM2:
            inside = labels == k
            yield inside, hu[inside]


def density(values: np.ndarray) -> dict:
    return {
        "mean_hu": float(np.mean(values)),
        "median_hu": float(np.median(values)),
        "share_50_100_hu": float(np.mean((values >= 50) & (values <= 100))),
    }


def percentiles(rows: list[dict]) -> dict:
    return {
        key: [round(float(v), 2) for v in np.percentile([r[key] for r in rows], [10, 50, 90])]
        for key in ("mean_hu", "median_hu", "share_50_100_hu")
    } | {"components": len(rows)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    models, config = served()
    scan = read_scan(default_scan())
    pixel_mm2 = float(np.prod(scan.spacing_mm))
    normal_masks = run_form(models, config, scan, HU).masks
    normal = [density(v) for m, h in zip(normal_masks, scan.hu) for _, v in components(m, h, pixel_mm2)]
    levels = slice_levels(np.array([a.intracranial_mm2 for a in scan_anatomy(scan.hu, scan.spacing_mm)]))
    candidates = [i for i, level in enumerate(levels) if level in IN_BRAIN_LEVELS]
    pasted = make_positives(scan.hu, scan.spacing_mm, candidates, POSITIVES, SEED)
    files = encode_slices(np.stack([p.hu for p in pasted]), HU)
    _, masks = answered(models, config, run_exports(models, config, files, scan.spacing_mm, scan.slice_spacing_mm))
    on_bleed, elsewhere = [], []
    for bleed, mask in zip(pasted, masks):
        for inside, values in components(mask, bleed.hu, pixel_mm2):
            row = density(values) | {"subtype": bleed.subtype}
            (on_bleed if (inside & bleed.mask).sum() > inside.sum() / 2 else elsewhere).append(row)
    report = {
        "command": "python -m experiments.mask_density",
        "pair": [models.classifier_version.version, models.segmenter_version.version],
        "normal_scan_as_dicom": percentiles(normal),
        "semi_real_on_the_bleed": percentiles(on_bleed),
        "semi_real_elsewhere": percentiles(elsewhere),
        "semi_real_on_the_bleed_median_hu_by_type": {
            t: sorted(round(r["median_hu"]) for r in on_bleed if r["subtype"] == t)
            for t in sorted({r["subtype"] for r in on_bleed})
        },
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
