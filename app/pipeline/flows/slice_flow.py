"""One CT slice through decode -> preprocess -> infer -> postprocess -> encode.

Postprocess calibrates P (the card's calibration), assesses the level (core.slice_assessment), confines the mask
to the intracranial space, and checks the answer (app.pipeline.postprocess.slice_checks) into warnings.
"""

from dataclasses import dataclass

import numpy as np

from app.pipeline.postprocess.caveats import Caveat, InputFacts, collect_caveats
from app.pipeline.postprocess.card_policy import card_policy
from app.pipeline.decode.slice_file import DecodedSlice, decode_reference_mask, decode_slice
from app.pipeline.encode.mask_png import mask_to_png
from app.pipeline.postprocess.slice_checks import SliceChecks, check_slice
from app.pipeline.timing import StageTimer
from app.serving.runtime import LoadedModels
from core.calibration import calibrate
from core.dice import dice_score
from core.model_input import stack_slice_input
from core.resize import resize_mask
from core.slice_assessment import assess_slice


@dataclass
class SliceResult:
    decoded: DecodedSlice
    probabilities: (
        np.ndarray
    )  # (6,): any, then subtypes, as the classifier card lists them; calibrated if the card says
    mask: np.ndarray  # bool (H, W) at the input's own size, confined to the intracranial space; empty if not assessed
    mask_png: bytes
    reference: np.ndarray | None  # bool (H, W) when the caller sent a reference mask
    dice: float | None
    timings_ms: dict[str, float]
    checks: SliceChecks
    calibrated: bool
    warnings: list[Caveat]

    @property
    def probability(self) -> float:
        return float(self.probabilities[0])

    @property
    def assessed(self) -> bool:
        return self.checks.assessment.assessed

    @property
    def area_pixels(self) -> int:
        return int(self.mask.sum())

    @property
    def area_mm2(self) -> float | None:
        if self.decoded.spacing_mm is None:
            return None
        return self.area_pixels * float(np.prod(self.decoded.spacing_mm))


def input_facts(decoded: DecodedSlice) -> InputFacts:
    return InputFacts(
        decoded.interpretation, decoded.lossy, decoded.jpeg_quality, decoded.body_part, decoded.contrast_agent
    )


def predict_slice(
    models: LoadedModels,
    image: bytes,
    reference_mask: bytes | None = None,
    max_pixels: int = 4096 * 4096,
    threshold: float | None = None,
) -> SliceResult:
    """`threshold`: the operating point (the card's unless the caller overrides it), for agreement checks."""
    card = models.classifier_version.card
    policy = card_policy(card)
    threshold = float(card["threshold"]) if threshold is None else threshold
    timer = StageTimer()
    with timer.stage("decode"):
        decoded = decode_slice(image, max_pixels)
        reference = decode_reference_mask(reference_mask, decoded.hu.shape) if reference_mask is not None else None
    with timer.stage("preprocess"):
        # A 2.5D model gets the lone slice as its own neighbours, as at the ends of a stack.
        batch = stack_slice_input(decoded.hu[None], 0, models.context_slices, models.input_size)[None]
    with timer.stage("classify"):
        probabilities = calibrate(np.asarray(models.classifier(batch))[0], policy.calibration)
    with timer.stage("segment"):
        mask_probability = np.asarray(models.segmenter(batch))[0, ..., 0]
    with timer.stage("postprocess"):
        assessment = assess_slice(decoded.hu, decoded.spacing_mm, policy.limits)
        mask = assessment.answer_mask(resize_mask(mask_probability, decoded.hu.shape))
        checks = check_slice(
            decoded.hu, assessment, decoded.interpretation, float(probabilities[0]), threshold, int(mask.sum())
        )
        warnings = collect_caveats(input_facts(decoded), [checks], lone=True)
        dice = dice_score(mask, reference) if reference is not None else None
    with timer.stage("encode"):
        png = mask_to_png(mask)
    return SliceResult(
        decoded,
        probabilities,
        mask,
        png,
        reference,
        dice,
        timer.milliseconds,
        checks,
        policy.calibration is not None,
        warnings,
    )
