"""Held-out phantoms as a different scanner would send them: each shipped version measured under the augmentation.

    python -m training.robustness --versions 2 3 --count 300

Every test phantom (seed 3; every second one through the 8-bit brain-window export) gets one random draw of
training.augment (rotation, scale, shift, flips, HU gain and offset, noise), with the same draws for every version,
then the standard windows. This asks whether a model holds up off the phantoms' own calibration and pose, which the
plain held-out set does not. Only versions in the store can be compared.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from core.dice import dice_score
from core.resize import resize_image, resize_mask
from core.windowing import as_brain_window_export
from training.augment import Augmentation, augment_hu, model_input
from training.datasets import load_phantoms
from training.evaluate import predict_in_batches
from training.evaluate_store import load_saved_model
from training.metrics import roc_auc
from training.phantom_data import TEST_SEED

SIZE = (256, 256)


def perturbed_test_set(count: int, seed: int = 123) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(inputs, masks at model size, labels, brain-window flags), one augmentation draw per phantom."""
    tf.random.set_seed(seed)
    inputs, masks, labels, forms = [], [], [], []
    for index, record in enumerate(load_phantoms(count, TEST_SEED)):
        brain_window = index % 2 == 1
        hu = as_brain_window_export(record.hu) if brain_window else record.hu
        example = {
            "hu": tf.constant(resize_image(hu, SIZE)[..., None]),
            "mask": tf.constant(resize_mask(record.mask, SIZE).astype(np.float32)[..., None]),
            "brain_window": tf.constant(brain_window),
        }
        moved_hu, moved_mask = augment_hu(example, Augmentation())
        inputs.append(np.asarray(model_input(moved_hu)))
        masks.append(np.asarray(moved_mask)[..., 0] > 0)
        labels.append(record.positive)
        forms.append(brain_window)
    return np.stack(inputs), np.stack(masks), np.array(labels), np.array(forms)


def measure(store, version: str, data) -> dict:
    """Each model at this version that the store holds (a version may retrain only one of them)."""
    inputs, masks, labels, forms = data
    found = {name: store / name / version for name in ("ich_classifier", "ich_segmenter")}
    found = {name: load_saved_model(path) for name, path in found.items() if path.is_dir()}
    scores = predict_in_batches(found["ich_classifier"], inputs)[:, 0] if "ich_classifier" in found else None
    segment = found.get("ich_segmenter")
    predicted = predict_in_batches(segment, inputs)[..., 0] >= 0.5 if segment else None
    result = {}
    for form, chosen in (("hu", ~forms), ("brain_window_8bit", forms)):
        figures = {}
        if scores is not None:
            figures["auc"] = roc_auc(labels[chosen], scores[chosen])
        if predicted is not None:
            dice = [dice_score(predicted[i], masks[i]) for i in np.flatnonzero(chosen & labels)]
            figures["mean_dice_positive_slices"] = float(np.mean(dice))
            figures["negative_slices_with_false_positive_pixels"] = float(
                np.mean([predicted[i].any() for i in np.flatnonzero(chosen & ~labels)])
            )
        result[form] = figures
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.robustness", description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--versions", nargs="+", default=["2"])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    data = perturbed_test_set(args.count)
    print(json.dumps({f"v{v}": measure(args.store, v, data) for v in args.versions}, indent=1))


if __name__ == "__main__":
    main()
