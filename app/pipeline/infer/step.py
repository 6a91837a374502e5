"""The one inference step, for a scan and for a lone slice (a stack of one): preprocess (core.model_input) ->
classify -> segment, in chunks -> postprocess (calibrate, assess each level, confine its mask, check, Dice).

Array conventions: `hu` float32 (slices, rows, columns) in HU; masks come back bool at the same shape; probabilities
(slices, 6): any, then the subtypes in the order the classifier's card lists them.
"""

from dataclasses import dataclass

import numpy as np

from app.pipeline.postprocess.assess import assess_stack
from app.pipeline.postprocess.card_policy import CardPolicy, card_policy
from app.pipeline.postprocess.slice_checks import SliceChecks
from app.pipeline.timing import StageTimer, add_timings
from app.serving.runtime import LoadedModels
from core.calibration import calibrate
from core.dice import dice_score
from core.model_input import stack_slice_input
from core.resize import resize_mask

CHUNK_SLICES = 16


@dataclass
class Inference:
    probabilities: np.ndarray  # (slices, 6), calibrated when the card says
    masks: np.ndarray  # bool (slices, rows, columns), confined to the intracranial space, blank where not assessed
    checks: list[SliceChecks]
    policy: CardPolicy  # what the classifier's card asked: calibration, scan rule, assessment limits
    dice: float | None  # over the whole stack, when a reference was sent
    slice_dice: list[float] | None
    timings_ms: dict[str, float]  # summed over chunks

    @property
    def calibrated(self) -> bool:
        return self.policy.calibration is not None

    @property
    def slice_probabilities(self) -> np.ndarray:
        return self.probabilities[:, 0]

    @property
    def assessed(self) -> np.ndarray:
        return np.array([c.assessment.assessed for c in self.checks], bool)


def infer_chunks(models: LoadedModels, hu: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """One classifier and one segmenter call per `chunk` slices, never one call per slice.

    -> raw probabilities (slices, 6), masks bool (slices, rows, columns) at the input's size, stage timings.
    """
    probabilities, masks, timings = [], [], {}
    for start in range(0, len(hu), chunk):
        part = hu[start : start + chunk]
        timer = StageTimer()
        with timer.stage("preprocess"):
            rows = range(start, start + len(part))
            batch = np.stack([stack_slice_input(hu, i, models.context_slices, models.input_size) for i in rows])
        with timer.stage("classify"):
            probabilities.append(np.asarray(models.classifier(batch)))
        with timer.stage("segment"):  # the segmenter's mask, back at the input's size
            mask_probability = np.asarray(models.segmenter(batch))[..., 0]
            masks.extend(resize_mask(p, part.shape[1:], models.mask_threshold) for p in mask_probability)
        add_timings(timings, timer.milliseconds)
    return np.concatenate(probabilities), np.stack(masks), timings


def reference_dice(masks: np.ndarray, reference: np.ndarray | None) -> tuple[float | None, list[float] | None]:
    """(over the stack, per slice) against a reference of the same shape; (None, None) without one."""
    if reference is None:
        return None, None
    return dice_score(masks, reference), [dice_score(m, r) for m, r in zip(masks, reference)]


def infer(
    models: LoadedModels,
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    threshold: float,
    reference: np.ndarray | None = None,
    interpretation: str = "hu",
    chunk: int = CHUNK_SLICES,
) -> Inference:
    """`threshold`: the operating point, for the agreement checks; `interpretation`: how the decoder read the input
    (hu, or brain_window_8bit for an 8-bit export); `reference`: bool, the shape of `hu`, for Dice."""
    policy = card_policy(models.classifier_version.card)
    raw, masks, timings = infer_chunks(models, hu, chunk)
    timer = StageTimer()
    with timer.stage("postprocess"):
        probabilities = calibrate(raw, policy.calibration)
        checks = assess_stack(hu, probabilities, masks, spacing_mm, threshold, policy.limits, interpretation)
        dice, slice_dice = reference_dice(masks, reference)
    add_timings(timings, timer.milliseconds)
    return Inference(probabilities, masks, checks, policy, dice, slice_dice, timings)
