"""One CT slice file: decode -> the inference step (app.pipeline.infer, a stack of one) -> encode the mask as a PNG.

Array conventions: the decoded slice is float32 (rows, columns) in HU; the mask bool at the input's own size.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from app.pipeline.decode.slice_file import DecodedSlice, decode_reference_mask, decode_slice
from app.pipeline.encode.mask_png import mask_to_png
from app.pipeline.infer.step import Inference, infer
from app.pipeline.postprocess.caveats import Caveat, InputFacts, collect_caveats
from app.pipeline.postprocess.slice_checks import SliceChecks
from app.pipeline.timing import StageTimer
from app.serving.runtime import LoadedModels


@dataclass
class SliceResult:
    decoded: DecodedSlice
    inference: Inference  # the step's answer for a stack of one
    reference: np.ndarray | None  # bool (H, W) when the caller sent a reference mask
    mask_png: bytes
    timings_ms: dict[str, float]
    withheld_png: bytes | None = None  # the segmenter's outline withheld from `mask_png` (slice not flagged)

    @property
    def probabilities(self) -> np.ndarray:
        """(6,): any, then subtypes, as the classifier card lists them; calibrated if the card says."""
        return self.inference.probabilities[0]

    @property
    def probability(self) -> float:
        return float(self.probabilities[0])

    @property
    def mask(self) -> np.ndarray:
        """bool (H, W) at the input's own size, confined to the intracranial space; empty if not assessed."""
        return self.inference.masks[0]

    @property
    def withheld_mask(self) -> np.ndarray | None:
        """bool (H, W): what the segmenter outlined on a slice the classifier does not flag; None when nothing was."""
        return self.checks.withheld_mask

    @property
    def checks(self) -> SliceChecks:
        return self.inference.checks[0]

    @property
    def assessed(self) -> bool:
        return self.checks.assessment.assessed

    @property
    def calibrated(self) -> bool:
        return self.inference.calibrated

    @property
    def dice(self) -> float | None:
        return self.inference.dice

    @property
    def area_pixels(self) -> int:
        return int(self.mask.sum())

    @property
    def area_mm2(self) -> float | None:
        if self.decoded.spacing_mm is None:
            return None
        return self.area_pixels * float(np.prod(self.decoded.spacing_mm))

    @cached_property
    def warnings(self) -> list[Caveat]:
        return collect_caveats(input_facts(self.decoded), [self.checks], lone=True)


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
    threshold = models.classifier_version.card.threshold if threshold is None else threshold
    before, after = StageTimer(), StageTimer()
    with before.stage("decode"):
        decoded = decode_slice(image, max_pixels)
        reference = decode_reference_mask(reference_mask, decoded.hu.shape) if reference_mask is not None else None
    # A 2.5D model gets the lone slice as its own neighbours, as at the ends of a stack.
    inference = infer(
        models,
        decoded.hu[None],
        decoded.spacing_mm,
        threshold,
        None if reference is None else reference[None],
        decoded.interpretation,
        keep_withheld=True,
    )
    withheld = inference.checks[0].withheld_mask
    with after.stage("encode"):
        png = mask_to_png(inference.masks[0])
        withheld_png = mask_to_png(withheld) if withheld is not None else None
    timings = {**before.milliseconds, **inference.timings_ms, **after.milliseconds}
    return SliceResult(decoded, inference, reference, png, timings, withheld_png)
