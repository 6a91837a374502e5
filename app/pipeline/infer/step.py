"""The one inference step, for a scan and for a lone slice (a stack of one): preprocess (core.model_input) ->
classify -> segment, in chunks -> postprocess (calibrate, assess each level and then the stack, confine each mask,
check, Dice).

A chunk is prepared (model inputs, and each slice's assessment, which needs only HU) apart from the model calls, so
a caller may prepare chunk k+1 on another thread while the models run chunk k (app.pipeline.prefetch).

Array conventions: `hu` float32 (slices, rows, columns) in HU; masks come back bool at the same shape; probabilities
(slices, 6): any, then the subtypes in the order the classifier's card lists them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from app.pipeline.postprocess.assess import confine_and_check
from app.pipeline.postprocess.slice_checks import SliceChecks
from app.pipeline.timing import StageTimer, add_timings, observe_stage
from app.serving.runtime import LoadedModels
from core.calibration import calibrate
from core.dice import dice_score
from core.model_card import ModelCard
from core.model_input import stack_slice_input
from core.resize import resize_mask
from core.slice_assessment import AssessmentLimits, SliceAssessment, assess_slice
from core.stack_assessment import assess_stack

CHUNK_SLICES = 16
# Every stack reports these, in this order, whatever its chunks did.
STAGES = ("preprocess", "classify", "segment", "postprocess")


@dataclass
class Inference:
    probabilities: np.ndarray  # (slices, 6), calibrated when the card says
    masks: np.ndarray  # bool (slices, rows, columns), confined to the intracranial space, blank where not assessed
    checks: list[SliceChecks]
    card: ModelCard  # the classifier's: the calibration, scan rule and assessment limits the answers follow
    dice: float | None  # over the whole stack, when a reference was sent
    slice_dice: list[float] | None
    timings_ms: dict[str, float]  # summed over chunks

    @property
    def calibrated(self) -> bool:
        return self.card.calibration_map is not None

    @property
    def slice_probabilities(self) -> np.ndarray:
        return self.probabilities[:, 0]

    @property
    def assessed(self) -> np.ndarray:
        return np.array([c.assessment.assessed for c in self.checks], bool)


@dataclass
class PreparedChunk:
    """Slices [start, start + len(inputs)) of a stack, ready for the models."""

    start: int
    inputs: np.ndarray  # float32 (n, model rows, model columns, channels)
    matrix: tuple[int, int]  # the stack's (rows, columns): masks come back at it
    assessments: list[SliceAssessment] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


def chunk_inputs(models: LoadedModels, hu: np.ndarray, start: int, stop: int) -> PreparedChunk:
    """Model inputs of slices [start, stop); a 2.5D model's neighbours come from `hu`, so those must be in it."""
    timer = StageTimer()
    with timer.stage("preprocess"):
        inputs = np.stack(
            [
                stack_slice_input(hu, i, models.context_slices, models.input_size, models.confinement)
                for i in range(start, stop)
            ]
        )
    return PreparedChunk(start, inputs, hu.shape[1:], timings_ms=timer.milliseconds)


def prepare_chunk(
    models: LoadedModels, hu: np.ndarray, start: int, stop: int, spacing_mm, limits: AssessmentLimits
) -> PreparedChunk:
    """Model inputs and each slice's assessment (is there brain enough to answer?), which needs no model."""
    chunk = chunk_inputs(models, hu, start, stop)
    timer = StageTimer()
    with timer.stage("postprocess", observe=False):  # observed with the rest of postprocess, in infer_prepared
        chunk.assessments = [assess_slice(hu[i], spacing_mm, limits) for i in range(start, stop)]
    add_timings(chunk.timings_ms, timer.milliseconds)
    return chunk


def stack_chunks(
    models: LoadedModels, hu: np.ndarray, chunk: int, spacing_mm, limits: AssessmentLimits
) -> Iterator[PreparedChunk]:
    for start in range(0, len(hu), chunk):
        yield prepare_chunk(models, hu, start, min(start + chunk, len(hu)), spacing_mm, limits)


def run_chunk(models: LoadedModels, chunk: PreparedChunk) -> tuple[np.ndarray, list[np.ndarray]]:
    """One classifier and one segmenter call for the whole chunk, never one call per slice.

    -> raw probabilities (n, 6), masks bool (rows, columns) at the stack's size; stage timings into the chunk's."""
    timer = StageTimer()
    with timer.stage("classify"):
        probabilities = np.asarray(models.classifier(chunk.inputs))
    with timer.stage("segment"):  # the segmenter's mask, back at the input's size
        mask_probability = np.asarray(models.segmenter(chunk.inputs))[..., 0]
        masks = [resize_mask(p, chunk.matrix, models.mask_threshold) for p in mask_probability]
    add_timings(chunk.timings_ms, timer.milliseconds)
    return probabilities, masks


def reference_dice(masks: np.ndarray, reference: np.ndarray | None) -> tuple[float | None, list[float] | None]:
    """(over the stack, per slice) against a reference of the same shape; (None, None) without one."""
    if reference is None:
        return None, None
    return dice_score(masks, reference), [dice_score(m, r) for m, r in zip(masks, reference)]


def infer_prepared(
    models: LoadedModels,
    chunks: Iterable[PreparedChunk],
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    threshold: float,
    reference: np.ndarray | None = None,
    interpretation: str = "hu",
    keep_withheld: bool = False,
) -> Inference:
    """The models over `chunks` (prepare_chunk's, in stack order), then the answers. `hu` must be whole once the
    chunks are exhausted; other timings a chunk carries (decode) are summed too. `keep_withheld`: as
    app.pipeline.postprocess.assess.confine_and_check."""
    card = models.classifier_version.card
    timings = dict.fromkeys(STAGES, 0.0)
    raw, masks, assessments = [], [], []
    for chunk in chunks:
        probabilities, chunk_masks = run_chunk(models, chunk)
        raw.append(probabilities)
        masks.extend(chunk_masks)
        assessments.extend(chunk.assessments)
        add_timings(timings, chunk.timings_ms)
    masks = np.stack(masks)
    timer = StageTimer()
    with timer.stage("postprocess", observe=False):
        probabilities = calibrate(np.concatenate(raw), card.calibration_map)
        checks = confine_and_check(
            hu, probabilities, masks, assess_stack(assessments), threshold, interpretation, keep_withheld
        )
        dice, slice_dice = reference_dice(masks, reference)
    add_timings(timings, timer.milliseconds)
    observe_stage("postprocess", timings["postprocess"])  # the slices' assessments and this, once per stack
    return Inference(probabilities, masks, checks, card, dice, slice_dice, timings)


def infer(
    models: LoadedModels,
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    threshold: float,
    reference: np.ndarray | None = None,
    interpretation: str = "hu",
    chunk: int = CHUNK_SLICES,
    keep_withheld: bool = False,
) -> Inference:
    """`threshold`: the operating point, for the agreement checks; `interpretation`: how the decoder read the input
    (hu, or brain_window_8bit for an 8-bit export); `reference`: bool, the shape of `hu`, for Dice."""
    limits = models.classifier_version.card.assessment_limits
    chunks = stack_chunks(models, hu, chunk, spacing_mm, limits)
    return infer_prepared(models, chunks, hu, spacing_mm, threshold, reference, interpretation, keep_withheld)
