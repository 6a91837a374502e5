"""What on a real normal slice makes the classifier call it a bleed? Edit one property of each slice and watch P(any).

Diagnosis only: the real scan (../shared/realct/invesalius_0051, GPL-2) is evaluation-only, so nothing here feeds
training. Every 4th slice between 20 and 96 is sent as HU through core.model_input, as serving does, and again with
one property changed (and confined, when the card says so): blurred, noisier, brighter brain, zoomed; extracranial
soft tissue, the band within 3/6/10 mm of the inner table, the brain deeper than 10 mm, or the ventricles replaced;
the 45-300 HU rim within 2/4 px of bone (partial volume) set to brain or bone; bone made uniform; all intracranial
soft tissue, or only its pixels over 45 HU, set to brain. `--export C/W` sends every variant as an 8-bit export at
that window, read back as the service reads one. `--atlas N` probes N normal atlas phantoms (the kind of slice the
classifier was trained on) instead of the real scan, to tell a phantom-real gap from the classifier's own habits.

python -m experiments.probe_real_scan --store model_store --version 3 --out experiments/results/probe_real_scan_v3.json
python -m experiments.probe_real_scan --version 36 --export 40/80 --out experiments/results/probe_real_scan_v36_40_80.json
python -m experiments.probe_real_scan --version 36 --atlas 40 --export 40/80 --out experiments/results/probe_atlas_v36_40_80.json
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from bench.realct.scan_input import read_scan
from core.intracranial import bone_mask, inner_table_distance_mm, intracranial_mask
from core.model_input import to_model_input
from core.model_store import resolve
from core.resize import resize_image
from core.windowing import Window
from experiments.export_floor import sent_as
from training.atlas import generate_slice
from training.atlas.tissues import VENTRICLE_DEPTH_MM

SCAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "realct" / "invesalius_0051"
BRAIN_HU = 22.0  # a plain brain value, a little under this scan's brain median
ATLAS_SEED, ATLAS_LEVELS = 4242, (0.2, 0.9)  # levels: 0 foramen magnum, 1 vertex; about the real rows' span


def _zoom(hu: np.ndarray, factor: float) -> np.ndarray:
    big = cv2.resize(hu, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
    top, left = (big.shape[0] - hu.shape[0]) // 2, (big.shape[1] - hu.shape[1]) // 2
    return big[top : top + hu.shape[0], left : left + hu.shape[1]]


def _replaced(hu: np.ndarray, where: np.ndarray, value: float) -> np.ndarray:
    out = hu.copy()
    out[where] = value
    return out


def variants(hu: np.ndarray, spacing_mm: tuple[float, float]) -> dict[str, np.ndarray]:
    inside = intracranial_mask(hu, spacing_mm)
    depth = inner_table_distance_mm(inside, spacing_mm)
    reach = int(2 * 14 / spacing_mm[0]) + 1  # the skull lies within ~14 mm outside the intracranial space
    skull = cv2.dilate(inside.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))) > 0
    bone = (hu > 300).astype(np.uint8)
    out = {
        "original": hu,
        "blurred 1 px": cv2.GaussianBlur(hu, (0, 0), 1.0),
        "blurred 2 px": cv2.GaussianBlur(hu, (0, 0), 2.0),
        "noise +8 HU": hu + np.random.default_rng(0).normal(0, 8, hu.shape).astype(np.float32),
        "soft tissue +6 HU": hu + 6 * ((hu > 0) & (hu < 100)),
        "zoomed 1.3x": _zoom(hu, 1.3),
        "extracranial soft tissue -> air": _replaced(hu, ~skull & ~bone_mask(hu), -1000.0),
        "brain > 10 mm deep -> 22 HU": _replaced(hu, inside & (depth > 10), BRAIN_HU),
        "bone -> uniform 1000 HU": _replaced(hu, hu > 300, 1000.0),
        "all intracranial soft tissue -> 22 HU": _replaced(hu, inside & (hu > -50) & (hu < 100), BRAIN_HU),
        "intracranial pixels over 45 HU -> 22 HU": _replaced(hu, inside & (hu > 45), BRAIN_HU),
        f"ventricles (CSF > {VENTRICLE_DEPTH_MM:g} mm deep) -> 22 HU": _replaced(
            hu, inside & (depth > VENTRICLE_DEPTH_MM) & (hu > -50) & (hu < 15), BRAIN_HU
        ),
    }
    for mm in (3, 6, 10):
        out[f"band within {mm} mm of the inner table -> 22 HU"] = _replaced(hu, inside & (depth <= mm), BRAIN_HU)
    for px in (2, 4):
        rim = (cv2.dilate(bone, np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0) & (hu > 45) & (hu <= 300)
        out[f"45-300 HU rim within {px} px of bone -> 22 HU"] = _replaced(hu, rim, BRAIN_HU)
        out[f"45-300 HU rim within {px} px of bone -> 1000 HU"] = _replaced(hu, rim, 1000.0)
    return out


def atlas_normals(count: int) -> tuple[list[float], list[tuple[np.ndarray, tuple[float, float]]]]:
    """`count` normal atlas slices at levels spread over the real rows' range: the same probe on training's kind of
    slice tells a phantom-real gap from what the classifier does on phantoms too."""
    levels = np.linspace(*ATLAS_LEVELS, count).round(3).tolist()
    slices = []
    for index, level in enumerate(levels):
        record = generate_slice(np.random.SeedSequence([ATLAS_SEED, index]), positive=False, level=level)
        slices.append((record.hu.astype(np.float32), record.spacing_mm[:2]))
    return levels, slices


def _window(text: str) -> Window:
    center, width = (float(part) for part in text.split("/"))
    return Window(text, center, width)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--version", type=int, help="classifier version (default: the newest)")
    parser.add_argument("--export", type=_window, help="send each variant as an 8-bit export at window C/W, e.g. 40/80")
    parser.add_argument(
        "--atlas", type=int, default=0, help="probe this many normal atlas phantoms (training's kind) instead"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    import tensorflow as tf  # SavedModels need TensorFlow

    classifier = resolve(args.store, "ich_classifier", args.version)
    model = tf.saved_model.load(str(classifier.path))
    if args.atlas:
        rows, slices = atlas_normals(args.atlas)
    else:
        scan = read_scan(SCAN)
        rows = list(range(20, min(100, len(scan.hu)), 4))
        slices = [(scan.hu[row].astype(np.float32), scan.spacing_mm) for row in rows]
    scores: dict[str, list[float]] = {}
    for slice_hu, spacing_mm in slices:
        for name, hu in variants(slice_hu, spacing_mm).items():
            seen = hu if args.export is None else sent_as(resize_image(hu, classifier.card.input.size), args.export)
            batch = to_model_input(seen, classifier.card.input.size, classifier.card.input.confinement)[None]
            scores.setdefault(name, []).append(round(float(model.serve(tf.constant(batch)).numpy()[0, 0]), 3))
    threshold = classifier.card.threshold
    summary = {
        name: {"flagged": sum(p >= threshold for p in ps), "mean": round(float(np.mean(ps)), 3), "p": ps}
        for name, ps in scores.items()
    }
    export = None if args.export is None else f"{args.export.center:g}/{args.export.width:g}"
    scan_name = f"{args.atlas} atlas normal slices (seed {ATLAS_SEED}), levels" if args.atlas else "invesalius_0051"
    result = {"classifier": f"v{classifier.version}", "threshold": threshold, "export": export, "scan": scan_name}
    result["slices"] = rows
    result["variants"] = summary
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for name, row in summary.items():
        print(f"{name:48s} flagged {row['flagged']:2d}/{len(rows)}  mean P {row['mean']:.3f}")


if __name__ == "__main__":
    main()
