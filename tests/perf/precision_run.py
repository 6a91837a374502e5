"""Run both shipped models over saved inputs at one precision, the way the service loads them; save the outputs.

`python -m tests.perf.precision_run STORE INPUTS.npz OUT.npz --bf16` - a separate process per precision, because the
bf16 rewrite is a process-wide TensorFlow option fixed when the models' functions are first instantiated.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from app.serving.runtime import saved_model_predictor
from app.serving.store import resolve
from app.serving.tf_setup import TFOptions, configure_tensorflow

BATCH = 8


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("inputs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args(argv)
    setup = configure_tensorflow(TFOptions(cpu_bf16=args.bf16))
    classifier = saved_model_predictor(resolve(args.store, "ich_classifier"))
    segmenter = saved_model_predictor(resolve(args.store, "ich_segmenter"))
    images = np.load(args.inputs)["images"]
    batches = [images[i : i + BATCH] for i in range(0, len(images), BATCH)]
    probabilities = np.concatenate([classifier(b) for b in batches])
    mask_probabilities = np.concatenate([segmenter(b) for b in batches])[..., 0]
    np.savez(args.out, probabilities=probabilities, mask_probabilities=mask_probabilities)
    print(json.dumps(setup.as_dict()))


if __name__ == "__main__":
    main()
