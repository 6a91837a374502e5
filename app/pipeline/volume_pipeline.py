"""A stack of HU slices through both models in chunks: per-slice answers, the scan-level answer and bleed volume.

Array convention: `hu` is float32 (slices, rows, columns) in HU; masks come back bool at the same shape.
Scan-level rule: P(scan) = max over slices of P(any) -- a scan bleeds if any slice does, the way RSNA labels studies.
"""

from dataclasses import dataclass

import numpy as np

from app.pipeline.timing import StageTimer
from app.serving.runtime import LoadedModels
from core.dice import dice_score
from core.model_input import stack_slice_input
from core.resize import resize_mask

SCAN_RULE = "max over slices of P(any hemorrhage)"
MM3_PER_ML = 1000.0


@dataclass
class VolumeResult:
    probabilities: np.ndarray  # (slices, 6): any, then subtypes
    masks: np.ndarray  # bool (slices, rows, columns)
    volume_ml: float | None
    dice: float | None  # over the whole volume
    slice_dice: list[float] | None
    timings_ms: dict[str, float]

    @property
    def slice_probabilities(self) -> np.ndarray:
        return self.probabilities[:, 0]

    @property
    def scan_probability(self) -> float:
        return float(self.slice_probabilities.max())

    @property
    def most_suspicious_slice(self) -> int:
        return int(np.argmax(self.slice_probabilities))

    def flagged_slices(self, threshold: float) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.slice_probabilities >= threshold)]


def bleed_volume_ml(masks: np.ndarray, spacing_mm: tuple[float, float] | None, slab_mm: np.ndarray | None):
    """Sum over slices of mask area x slab thickness; None when the input does not say its spacing."""
    if spacing_mm is None or slab_mm is None:
        return None
    areas_mm2 = masks.reshape(len(masks), -1).sum(axis=1) * float(spacing_mm[0]) * float(spacing_mm[1])
    return float((areas_mm2 * np.asarray(slab_mm, dtype=np.float64)).sum() / MM3_PER_ML)


def _add(total: dict[str, float], part: dict[str, float]) -> None:
    for name, milliseconds in part.items():
        total[name] = round(total.get(name, 0.0) + milliseconds, 2)


def infer_chunks(models: LoadedModels, hu: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """One classifier and one segmenter call per `chunk` slices, never one call per slice."""
    probabilities, masks, timings = [], [], {}
    for start in range(0, len(hu), chunk):
        part = hu[start : start + chunk]
        timer = StageTimer()
        with timer.stage("preprocess"):
            rows = range(start, start + len(part))
            batch = np.stack([stack_slice_input(hu, i, models.context_slices, models.input_size) for i in rows])
        with timer.stage("classify"):
            probabilities.append(np.asarray(models.classifier(batch)))
        with timer.stage("segment"):
            mask_probability = np.asarray(models.segmenter(batch))[..., 0]
        with timer.stage("postprocess"):
            masks.extend(resize_mask(p, part.shape[1:]) for p in mask_probability)
        _add(timings, timer.milliseconds)
    return np.concatenate(probabilities), np.stack(masks), timings


def predict_volume(
    models: LoadedModels,
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    slab_mm: np.ndarray | None,
    reference: np.ndarray | None = None,
    chunk: int = 16,
) -> VolumeResult:
    probabilities, masks, timings = infer_chunks(models, hu, chunk)
    timer = StageTimer()
    with timer.stage("measure"):
        volume = bleed_volume_ml(masks, spacing_mm, slab_mm)
        dice = slice_dice = None
        if reference is not None:
            dice = dice_score(masks, reference)
            slice_dice = [dice_score(m, r) for m, r in zip(masks, reference)]
    _add(timings, timer.milliseconds)
    return VolumeResult(probabilities, masks, volume, dice, slice_dice, timings)
