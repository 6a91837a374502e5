"""Run both shipped models over saved inputs with one engine and precision, through the service's loader; save them.

`python -m bench.precision_run STORE INPUTS.npz OUT.npz --engine openvino --precision bf16` - a separate process per
run, because the bf16 rewrite is a process-wide TensorFlow option fixed when the models' functions are first
instantiated. Precisions: fp32, bf16 (both models), bf16-segmenter (the ResUNet alone, OpenVINO).
"""

import argparse
import json
from pathlib import Path

import numpy as np

from app.config import Settings
from app.serving import loading
from app.serving.loading import store_loader
from core.cpuinfo import cpu_flags
from training.evaluate import predict_in_batches

PRECISION_SETTINGS = {
    "fp32": {"cpu_bf16_segmenter": False},
    "bf16": {"cpu_bf16": True},
    "bf16-segmenter": {"cpu_bf16_segmenter": True},
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("inputs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--engine", choices=["openvino", "tensorflow"], required=True)
    parser.add_argument("--precision", choices=list(PRECISION_SETTINGS), default="fp32")
    parser.add_argument(
        "--avx512-bf16",
        action="store_true",
        help="run bf16 on a CPU without AMX through OpenVINO's avx512_bf16 kernels (same bf16 rounding), to check"
        " equivalence where the service itself would stay fp32",
    )
    args = parser.parse_args(argv)
    if args.avx512_bf16:
        loading.has_amx_bf16 = lambda: "avx512_bf16" in cpu_flags()  # the loader's one bf16 gate, in this process only
    settings = Settings(model_store=args.store, engine=args.engine, **PRECISION_SETTINGS[args.precision])
    models = store_loader(settings)()
    images = np.load(args.inputs)["images"]
    probabilities = predict_in_batches(models.classifier, images)
    mask_probabilities = predict_in_batches(models.segmenter, images)[..., 0]
    np.savez(args.out, probabilities=probabilities, mask_probabilities=mask_probabilities)
    forced = {"amx_bf16": "amx_bf16" in cpu_flags(), "bf16_kernels": "avx512_bf16"} if args.avx512_bf16 else {}
    print(json.dumps(models.runtime_info | forced))


if __name__ == "__main__":
    main()
