"""Would INT8 pass the equivalence rule? The ResUNet and the classifier quantised post-training by NNCF, calibrated on
validation phantoms, each compared with OpenVINO fp32 on held-out phantoms and the real head CT's slices.

`PYTHONPATH=NNCF_DIR python -m bench.int8 --json out.json` (NNCF is not a project dependency: nothing ships in INT8
unless it passes). Same figures as bench.equivalence: mask Dice pooled and per slice, largest probability gap.
"""

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from bench.equivalence import (
    MAX_PROBABILITY_GAP,
    MIN_DICE,
    equivalence,
    held_out_inputs,
    is_equivalent,
    real_scan_inputs,
    served_input,
)

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_SLICES = 128


def compiled(core, model, precision: str = "f32"):
    return core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": precision})


def run(compiled_model, images: np.ndarray) -> np.ndarray:
    request = compiled_model.create_infer_request()
    return np.stack([request.infer({0: image[None]})[compiled_model.output(0)][0] for image in images])


def main(argv=None) -> None:
    import nncf
    import openvino as ov

    from app.serving.openvino_engine import one_slice_model
    from core.model_store import resolve
    from training.phantom_data import VALIDATION_SEED, build_arrays

    parser = argparse.ArgumentParser(prog="python -m bench.int8", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "model_store")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    core = ov.Core()
    spec, mask_threshold = served_input(args.store)
    calibration = build_arrays(
        VALIDATION_SEED, CALIBRATION_SLICES, workers=1, confinement=spec.confinement
    ).images.astype(np.float32)
    dataset = nncf.Dataset(list(calibration), lambda image: image[None])
    with tempfile.TemporaryDirectory() as folder:
        sets = {
            "phantoms": np.load(held_out_inputs(Path(folder), store=args.store))["images"],
            "real_scan": np.load(real_scan_inputs(Path(folder), store=args.store))["images"],
        }
    report = {
        "calibration": f"{CALIBRATION_SLICES} validation phantoms (seed {VALIDATION_SEED})",
        "nncf": nncf.__version__,
    }
    outputs = {}
    for name in ("ich_classifier", "ich_segmenter"):
        model = one_slice_model(core, resolve(args.store, name))
        quantised = nncf.quantize(model, dataset, subset_size=CALIBRATION_SLICES)
        fp32, int8 = compiled(core, model), compiled(core, quantised)
        outputs[name] = {key: (run(fp32, images), run(int8, images)) for key, images in sets.items()}
    for key in sets:
        (c32, c8), (s32, s8) = outputs["ich_classifier"][key], outputs["ich_segmenter"][key]
        reference = {"probabilities": c32, "mask_probabilities": s32[..., 0]}
        for label, other in {
            "segmenter_int8": {"probabilities": c32, "mask_probabilities": s8[..., 0]},
            "both_int8": {"probabilities": c8, "mask_probabilities": s8[..., 0]},
        }.items():
            figures = equivalence(reference, other, mask_threshold)
            figures["equivalent"] = is_equivalent(figures, MIN_DICE, MAX_PROBABILITY_GAP)
            report[f"{key}.{label}"] = figures
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
