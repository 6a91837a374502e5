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
from app.serving.loading import store_loader
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
    args = parser.parse_args(argv)
    settings = Settings(model_store=args.store, engine=args.engine, **PRECISION_SETTINGS[args.precision])
    models = store_loader(settings)()
    images = np.load(args.inputs)["images"]
    probabilities = predict_in_batches(models.classifier, images)
    mask_probabilities = predict_in_batches(models.segmenter, images)[..., 0]
    np.savez(args.out, probabilities=probabilities, mask_probabilities=mask_probabilities)
    print(json.dumps(models.runtime_info))


if __name__ == "__main__":
    main()
