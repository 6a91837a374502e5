"""A stack of HU slices through both models in chunks: per-slice answers, the scan-level answer and bleed volume.

Array convention: `hu` is float32 (slices, rows, columns) in HU; masks come back bool at the same shape.
Postprocess: probabilities calibrated as the classifier card says; each slice's level assessed and its mask confined
to the intracranial space (blank when not assessed); the scan answered by core.scan_decision's rule.
"""

from dataclasses import dataclass

import numpy as np

from app.pipeline.postprocess.card_policy import card_policy
from app.pipeline.postprocess.slice_checks import SliceChecks, check_slice
from app.pipeline.timing import StageTimer
from app.serving.runtime import LoadedModels
from core.calibration import calibrate
from core.dice import dice_score
from core.model_input import stack_slice_input
from core.resize import resize_mask
from core.scan_decision import ScanDecision, ScanRule, decide
from core.slice_assessment import AssessmentLimits, assess_slice

MM3_PER_ML = 1000.0


@dataclass
class VolumeResult:
    probabilities: np.ndarray  # (slices, 6): any, then subtypes; calibrated when the card says
    masks: np.ndarray  # bool (slices, rows, columns), confined to the intracranial space, blank where not assessed
    volume_ml: float | None  # over assessed slices
    dice: float | None  # over the whole volume
    slice_dice: list[float] | None
    timings_ms: dict[str, float]
    checks: list[SliceChecks]
    decision: ScanDecision
    rule: ScanRule
    calibrated: bool

    @property
    def slice_probabilities(self) -> np.ndarray:
        return self.probabilities[:, 0]

    @property
    def assessed(self) -> np.ndarray:
        return np.array([c.assessment.assessed for c in self.checks], bool)


def slice_volumes_ml(masks: np.ndarray, spacing_mm: tuple[float, float] | None, slab_mm: np.ndarray | None):
    """Each slice's mask area x slab thickness in mL; None when the input does not say its spacing."""
    if spacing_mm is None or slab_mm is None:
        return None
    areas_mm2 = masks.reshape(len(masks), -1).sum(axis=1) * float(spacing_mm[0]) * float(spacing_mm[1])
    return areas_mm2 * np.asarray(slab_mm, dtype=np.float64) / MM3_PER_ML


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


def postprocess(
    hu, probabilities, masks, spacing_mm, threshold: float, limits: AssessmentLimits = AssessmentLimits()
) -> list[SliceChecks]:
    """Assess each slice, confine its mask in place (blank when not assessed), check its answer."""
    checks = []
    for index, slice_hu in enumerate(hu):
        assessment = assess_slice(slice_hu, spacing_mm, limits)
        masks[index] = assessment.answer_mask(masks[index])
        area = int(masks[index].sum())
        checks.append(check_slice(slice_hu, assessment, "hu", float(probabilities[index, 0]), threshold, area))
    return checks


def predict_volume(
    models: LoadedModels,
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    slab_mm: np.ndarray | None,
    reference: np.ndarray | None = None,
    chunk: int = 16,
    threshold: float | None = None,
) -> VolumeResult:
    """`threshold`: the operating point (the card's unless the caller overrides it) for flags and the scan rule."""
    card = models.classifier_version.card
    policy = card_policy(card)
    threshold = float(card["threshold"]) if threshold is None else threshold
    raw, masks, timings = infer_chunks(models, hu, chunk)
    timer = StageTimer()
    with timer.stage("assess"):
        probabilities = calibrate(raw, policy.calibration)
        checks = postprocess(hu, probabilities, masks, spacing_mm, threshold, policy.limits)
    with timer.stage("measure"):
        volumes = slice_volumes_ml(masks, spacing_mm, slab_mm)
        assessed = [c.assessment.assessed for c in checks]
        decision = decide(probabilities[:, 0], assessed, volumes, threshold, policy.rule)
        dice = slice_dice = None
        if reference is not None:
            dice = dice_score(masks, reference)
            slice_dice = [dice_score(m, r) for m, r in zip(masks, reference)]
    _add(timings, timer.milliseconds)
    volume = None if volumes is None else float(volumes.sum())
    return VolumeResult(
        probabilities,
        masks,
        volume,
        dice,
        slice_dice,
        timings,
        checks,
        decision,
        policy.rule,
        policy.calibration is not None,
    )
