"""A DICOM series' chunks for the models, decoded as they are needed: pixels -> HU into the series' volume, then the
chunk's model inputs and assessments. Wrapped in app.pipeline.prefetch, this runs ahead of the models by a bound
number of chunks; unwrapped, it is the plain decode-then-infer sequence, with the same answers."""

from collections.abc import Iterator

import numpy as np

from app.pipeline.decode.series import SeriesLayout
from app.pipeline.infer.step import PreparedChunk, prepare_chunk
from app.pipeline.timing import StageTimer, add_timings
from app.serving.runtime import LoadedModels
from core.slice_assessment import AssessmentLimits


def decoded_chunks(
    models: LoadedModels, layout: SeriesLayout, hu: np.ndarray, chunk: int, limits: AssessmentLimits
) -> Iterator[PreparedChunk]:
    """Fills `hu` (float32, layout.shape) slice by slice in answer order and yields each chunk once prepared.

    A 2.5D model's input for a chunk's last slice takes neighbours from the next chunk, so those decode first."""
    decoded, count = 0, layout.shape[0]
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        timer = StageTimer()
        with timer.stage("decode"):
            while decoded < min(count, stop + models.context_slices):
                hu[decoded] = layout.decode(decoded)
                decoded += 1
        prepared = prepare_chunk(models, hu, start, stop, layout.spacing_mm, limits)
        add_timings(prepared.timings_ms, timer.milliseconds)
        yield prepared
