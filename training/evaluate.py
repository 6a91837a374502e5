"""Held-out evaluation of a classifier and segmenter pair, with the same preprocessing as serving.

The one rule for the operating point (choose_threshold) and for subtype AUCs: the report folders
(training.reporting) use these too, so a card and a report never disagree on how they were computed.
"""

from collections.abc import Callable, Iterable

import numpy as np

from core.dice import dice_score
from core.resize import resize_mask
from training.cards import MASK_THRESHOLD
from training.metrics import roc_auc, sensitivity_specificity, threshold_for_sensitivity
from training.models.classifier import SUBTYPES
from training.phantom_data import ArraySet

Predict = Callable[[np.ndarray], np.ndarray]
BATCH = 16


def predict_in_batches(predict: Predict, images: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [np.asarray(predict(images[i : i + BATCH].astype(np.float32))) for i in range(0, len(images), BATCH)]
    )


def feed_scores(classify: Predict, dataset) -> tuple[np.ndarray, np.ndarray]:
    """(labels, P(any)) over a finite, unaugmented tf.data feed of (inputs, labels)."""
    labels, scores = [], []
    for inputs, batch_labels in dataset:
        labels.append(np.asarray(batch_labels)[:, 0] > 0)
        scores.append(np.asarray(classify(inputs))[:, 0])
    return np.concatenate(labels), np.concatenate(scores)


def choose_threshold(labels: np.ndarray, scores: np.ndarray, target_sensitivity: float) -> dict:
    """The operating point, from validation labels and P(any): the model card's `operating_point`."""
    threshold = threshold_for_sensitivity(labels, scores, target_sensitivity)
    sensitivity, specificity = sensitivity_specificity(labels, scores, threshold)
    return {
        "threshold": threshold,
        "rule": f"highest threshold with validation sensitivity >= {target_sensitivity}",
        "validation_sensitivity": sensitivity,
        "validation_specificity": specificity,
    }


def subtype_aucs(columns: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> dict:
    """AUC of each (subtype, labels, scores) whose labels hold both classes, and their mean."""
    aucs = {name: roc_auc(labels, scores) for name, labels, scores in columns if labels.any() and (~labels).any()}
    return {"subtype_auc": aucs, "subtype_macro_auc": float(np.mean(list(aucs.values()))) if aucs else None}


def classifier_metrics(classify: Predict, data: ArraySet, threshold: float) -> dict:
    scores = predict_in_batches(classify, data.images)
    labels = data.labels > 0
    sensitivity, specificity = sensitivity_specificity(labels[:, 0], scores[:, 0], threshold)
    subtypes = subtype_aucs((name, labels[:, i + 1], scores[:, i + 1]) for i, name in enumerate(SUBTYPES))
    return {
        "auc": roc_auc(labels[:, 0], scores[:, 0]),
        "sensitivity": sensitivity,
        "specificity": specificity,
        **subtypes,
        "slices": len(labels),
        "positive_slices": int(labels[:, 0].sum()),
    }


def segmenter_metrics(segment: Predict, data: ArraySet) -> dict:
    """Dice at model resolution and, when native masks are kept, at each slice's own matrix."""
    return mask_metrics(predict_in_batches(segment, data.images)[..., 0], data)


def mask_metrics(probabilities: np.ndarray, data: ArraySet) -> dict:
    """segmenter_metrics from the ResUNet's probabilities (N, H, W) on `data`, already predicted."""
    predicted = probabilities >= MASK_THRESHOLD
    positive = data.labels[:, 0] > 0
    model_dice = [dice_score(p, m[..., 0]) for p, m, pos in zip(predicted, data.masks, positive) if pos]
    result = {
        "mean_dice_positive_slices_model_resolution": float(np.mean(model_dice)),
        "negative_slices_with_false_positive_pixels": float(
            np.mean([p.any() for p, pos in zip(predicted, positive) if not pos])
        ),
        "positive_slices": int(positive.sum()),
    }
    if data.native_masks is not None:
        native_dice = [
            dice_score(resize_mask(prob, native.shape, MASK_THRESHOLD), native)
            for prob, native, pos in zip(probabilities, data.native_masks, positive)
            if pos
        ]
        result["mean_dice_positive_slices"] = float(np.mean(native_dice))
        result["median_dice_positive_slices"] = float(np.median(native_dice))
    return result
