"""One CT slice through decode -> preprocess -> infer -> postprocess -> encode."""

from dataclasses import dataclass

import numpy as np

from app.pipeline.decode import DecodedSlice, decode_reference_mask, decode_slice
from app.pipeline.encode import mask_to_png
from app.pipeline.timing import StageTimer
from app.serving.runtime import LoadedModels
from core.dice import dice_score
from core.model_input import stack_slice_input
from core.resize import resize_mask


@dataclass
class SliceResult:
    decoded: DecodedSlice
    probabilities: np.ndarray  # (6,): any, then subtypes, as the classifier card lists them
    mask: np.ndarray  # bool (H, W) at the input's own size
    mask_png: bytes
    reference: np.ndarray | None  # bool (H, W) when the caller sent a reference mask
    dice: float | None
    timings_ms: dict[str, float]

    @property
    def probability(self) -> float:
        return float(self.probabilities[0])

    @property
    def area_pixels(self) -> int:
        return int(self.mask.sum())

    @property
    def area_mm2(self) -> float | None:
        if self.decoded.spacing_mm is None:
            return None
        return self.area_pixels * float(np.prod(self.decoded.spacing_mm))


def predict_slice(
    models: LoadedModels,
    image: bytes,
    reference_mask: bytes | None = None,
    max_pixels: int = 4096 * 4096,
) -> SliceResult:
    timer = StageTimer()
    with timer.stage("decode"):
        decoded = decode_slice(image, max_pixels)
        reference = decode_reference_mask(reference_mask, decoded.hu.shape) if reference_mask is not None else None
    with timer.stage("preprocess"):
        # A 2.5D model gets the lone slice as its own neighbours, as at the ends of a stack.
        batch = stack_slice_input(decoded.hu[None], 0, models.context_slices, models.input_size)[None]
    with timer.stage("classify"):
        probabilities = np.asarray(models.classifier(batch))[0]
    with timer.stage("segment"):
        mask_probability = np.asarray(models.segmenter(batch))[0, ..., 0]
    with timer.stage("postprocess"):
        mask = resize_mask(mask_probability, decoded.hu.shape)
        dice = dice_score(mask, reference) if reference is not None else None
    with timer.stage("encode"):
        png = mask_to_png(mask)
    return SliceResult(decoded, probabilities, mask, png, reference, dice, timer.milliseconds)
