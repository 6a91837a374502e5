"""A stored model version as .keras files, so that `python -m training.fit_in_memory --init-*` can fine-tune the
served weights where TensorFlow is missing (the GPU machine runs Keras on JAX and cannot read a SavedModel).

python -m training.keras_from_store --version 9 --out DIR [--store model_store]
Writes DIR/classifier.keras and DIR/segmenter.keras: each model built by training's own builder, every weight
copied from the SavedModel in build order (training.transfer.warm_start_from_saved_model).
"""

import argparse
import json
from pathlib import Path

from core.model_store import resolve
from training.import_keras import NAMES
from training.models.classifier import get_classifier
from training.models.resunet import get_resunet
from training.transfer import warm_start_from_saved_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.keras_from_store", description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, stored in NAMES.items():
        version = resolve(args.store, stored, args.version)
        size = version.card.input.size
        model = get_classifier(size) if name == "classifier" else get_resunet((None, None))
        warm_start_from_saved_model(model, version.path)
        model.save(args.out / f"{name}.keras")
        written[name] = str(args.out / f"{name}.keras")
    print(json.dumps(written, indent=1))


if __name__ == "__main__":
    main()
