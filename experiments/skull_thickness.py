"""How thick is the bright band around the intracranial space, on the real normal scan and on the phantoms? Measured
per level band as the distance from the intracranial space (core.intracranial) to the outer edge of the bone (>= 100
HU) that touches it: the skull's thickness in the slice's plane, thicker where the slice cuts it obliquely (vertex,
skull base). Explains experiments/export_band.py: the phantoms the served classifier learned from never show a band
much thicker than their 5-8 mm skull; the procedural_ct source's skull (training.phantoms.skull) is measured beside them.

python -m experiments.skull_thickness [--json experiments/results/skull_thickness.json]
The real scan is a yardstick only (../shared/realct/invesalius_0051, evaluation only). About 20 seconds.
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from core.intracranial import BONE_HU, head_mask, intracranial_mask
from training.realism_sources import atlas_clean, load_real_volume, procedural_clean, real_levels

LEVEL_BANDS = ((0.05, 0.35), (0.35, 0.8), (0.8, 1.0))  # skull base and posterior fossa; ventricles to convexity; vertex
GENERATED_PER_BAND, MATRIX, SEED = 12, 512, 7
# Bone farther than this from the intracranial space is the face or neck, not the skull.
REACH_MM = 40.0
PERCENTILES = (10, 50, 90, 99)


def outer_edge_depths_mm(hu: np.ndarray, spacing_mm: tuple[float, float]) -> np.ndarray:
    """mm from the intracranial space of each pixel on the outer edge of the bone that touches it."""
    pixel_mm = float(np.mean(spacing_mm))
    inside = intracranial_mask(hu, spacing_mm)
    if not inside.any():
        return np.zeros(0, np.float32)
    distance = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, 5) * pixel_mm
    bone = (hu >= BONE_HU) & head_mask(hu) & (distance < REACH_MM)
    _, labels = cv2.connectedComponents(bone.astype(np.uint8), connectivity=8)
    rim = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    touching = np.unique(labels[rim & bone])
    skull = np.isin(labels, touching[touching > 0])
    outer = skull & cv2.dilate((~skull & ~inside).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return distance[outer]


def _percentiles(depths: list[np.ndarray]) -> list[float]:
    return np.percentile(np.concatenate(depths), PERCENTILES).round(1).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    volume, spacing = load_real_volume()
    levels = real_levels(len(volume))
    report = {"percentiles": list(PERCENTILES)}
    for low, high in LEVEL_BANDS:
        wanted = [low + (high - low) * k / GENERATED_PER_BAND for k in range(GENERATED_PER_BAND)]
        report[f"levels {low}-{high}"] = {
            "real": _percentiles(
                [outer_edge_depths_mm(volume[i], spacing) for i in np.flatnonzero((levels >= low) & (levels < high))]
            ),
            "atlas": _percentiles(
                [outer_edge_depths_mm(*atlas_clean(SEED + k, w, MATRIX)) for k, w in enumerate(wanted)]
            ),
            "procedural": _percentiles(
                [outer_edge_depths_mm(*procedural_clean(SEED + k, w, MATRIX)) for k, w in enumerate(wanted)]
            ),
            "procedural_ct": _percentiles(
                [outer_edge_depths_mm(*procedural_clean(SEED + k, w, MATRIX, True)) for k, w in enumerate(wanted)]
            ),
        }
        print(f"levels {low}-{high}", json.dumps(report[f"levels {low}-{high}"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
