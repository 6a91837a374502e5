"""Does the classifier miss subarachnoid blood for its shape or for its size? Scores one classifier, as HU, on
subarachnoid bleeds binned by their area in the slice (mm²):

- `real`: the bench's 8 semi-real subarachnoid positives (pasted into the real normal scan);
- `atlas_pasted`: the bench's builder pasting subarachnoid blood into atlas phantom normal slices;
- `atlas_own`: atlas phantom slices whose only bleed is subarachnoid, as the training generator draws them.

Each bin: how many, the median P and the share at or over the card's threshold.

python -m experiments.subarachnoid_size --version 36 [--store model_store] [--count 40] [--json FILE]
Evaluation only: reads ../shared/realct/invesalius_0051 and never trains on it. About a minute on 2 cores.
"""

import json
from itertools import pairwise

import numpy as np

from bench.realct.scan_input import read_scan
from bench.realct.semi_real import make_bleed, slice_maps
from experiments.export_floor import p_any
from experiments.input_variants import SCAN, semi_real_sets
from experiments.semi_real_by_type import ATLAS_SEEDS, atlas_slices, classifier_study
from training.phantoms.lesions import SUBARACHNOID, SUBTYPES

AREA_BINS_MM2 = (0, 100, 200, 400, np.inf)


def binned(areas: list[float], probabilities: np.ndarray, threshold: float) -> dict:
    areas = np.asarray(areas)
    out = {}
    for low, high in pairwise(AREA_BINS_MM2):
        p = probabilities[(areas >= low) & (areas < high)]
        out[f"{low:g}-{high:g}"] = {
            "count": int(p.size),
            "median_p": round(float(np.median(p)), 3) if p.size else None,
            "found": round(float(np.mean(p >= threshold)), 3) if p.size else None,
        }
    return out


def main() -> None:
    args, card, classify = classifier_study(__doc__)
    report = {"classifier": card.version, "threshold": card.threshold, "area_bins_mm2": list(AREA_BINS_MM2[:-1])}

    def add(name: str, areas: list[float], slices: list[np.ndarray]) -> None:
        report[name] = binned(areas, p_any(classify, slices, None, card.input.confinement), card.threshold)
        print(name, json.dumps(report[name]), flush=True)

    scan = read_scan(SCAN)
    real = [p for p in semi_real_sets(scan)[0] if p.subtype == SUBARACHNOID]
    add("real", [p.area_mm2(scan.spacing_mm) for p in real], [p.hu for p in real])

    rng = np.random.default_rng(ATLAS_SEEDS)
    pasted = []
    for record in atlas_slices(args.count, positive=False):
        spacing = record.spacing_mm[:2]
        bleed = make_bleed(record.hu, spacing, slice_maps(record.hu, spacing), SUBARACHNOID, rng.uniform(), rng, 0)
        if bleed is not None:
            pasted.append((bleed.area_mm2(spacing), bleed.hu))
    add("atlas_pasted", [a for a, _ in pasted], [h for _, h in pasted])

    own = [
        (float(r.mask.sum() * np.prod(r.spacing_mm[:2])), r.hu)
        for r in atlas_slices(args.count * 6, positive=True)
        if [s for s in SUBTYPES if r.labels[s]] == [SUBARACHNOID]
    ]
    add("atlas_own", [a for a, _ in own], [h for _, h in own])
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
