"""A DICOM series decoded on a worker thread while the models run (VolumeConfig.prefetch) gives exactly the answers
of decoding it whole and then inferring: same order, probabilities, masks and checks, 2.5D neighbours included."""

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.errors import InvalidInput
from app.pipeline.decode.series import assemble_series
from app.pipeline.flows.scan_flow import VolumeConfig, run_dicom_series
from app.pipeline.infer.step import infer
from app.serving.runtime import LoadedModels
from core.model_store import ModelVersion
from tests.app.conftest import fake_models
from tests.app.dicom_files import series_datasets, to_bytes
from tests.core.head_phantom import head_slice
from tests.model_cards import model_card

SIZE, SLICES, CHUNK, THRESHOLD = 64, 7, 3, 0.05  # chunks of 3, 3 and 1: two chunk edges inside the series
CONFIG = VolumeConfig(max_slices=16, max_pixels=SIZE * SIZE, max_voxels=16 * SIZE * SIZE, chunk=CHUNK, threshold=0.05)
UPLOAD_ORDER = [4, 0, 6, 2, 5, 1, 3]


def phantom_series() -> np.ndarray:
    """A head whose bleed grows, then shrinks, from slice to slice, so every slice and its neighbours differ."""
    volume = np.stack([head_slice(SIZE, brain_axes=(20, 25), bone_mm=3) for _ in range(SLICES)])
    for k, rows in enumerate([0, 2, 5, 8, 6, 3, 1]):
        volume[k, 24 : 24 + rows, 26:38] = 70.0
    return volume


def series_files() -> list[bytes]:
    files = [to_bytes(ds) for ds in series_datasets(phantom_series(), spacing_mm=(3.0, 3.0))]
    return [files[k] for k in UPLOAD_ORDER]


def context_classifier(batch: np.ndarray) -> np.ndarray:
    """Each channel weighs differently, so a wrong neighbour (a 2.5D input's other slices) changes the answer."""
    weights = np.arange(1, batch.shape[-1] + 1, dtype=np.float32)
    score = (batch * weights).mean(axis=(1, 2)).sum(axis=1) / weights.sum()
    return np.stack([score] * 6, axis=1).astype(np.float32)


def context_segmenter(batch: np.ndarray) -> np.ndarray:
    """Bleed where the middle slice's brain window is high and a neighbour's is too."""
    middle = batch.shape[-1] // 2 - 1  # the brain window (channel 0 of 3) of the middle slice
    here = batch[..., middle : middle + 1] >= 0.8
    either = (batch[..., 0:1] >= 0.8) | (batch[..., -3:-2] >= 0.8)
    return (here & either).astype(np.float32)


def models_with_context(context: int) -> LoadedModels:
    if context == 0:
        return fake_models()
    size = (SIZE, SIZE)
    return LoadedModels(
        classifier=context_classifier,
        segmenter=context_segmenter,
        classifier_version=ModelVersion(
            "fake_classifier", 7, Path("."), model_card("fake_classifier", 7, size=size, context_slices=context)
        ),
        segmenter_version=ModelVersion(
            "fake_segmenter",
            3,
            Path("."),
            model_card("fake_segmenter", 3, size=size, context_slices=context, segmenter=True),
        ),
    )


def answers(outcome) -> tuple:
    checks = [(c.assessment.reason, c.window_problem, c.contrast, c.models_agree) for c in outcome.result.checks]
    order = [(ref.upload_index, ref.position_mm) for ref in outcome.refs]
    return outcome.result.probabilities, outcome.result.masks, checks, order, outcome.mask_pngs


@pytest.mark.parametrize("context", [0, 1, 2])
@pytest.mark.parametrize("prefetch", [1, 2])
def test_overlapped_series_answers_as_the_sequential_one(context, prefetch):
    models = models_with_context(context)
    sequential = run_dicom_series(models, series_files(), None, replace(CONFIG, prefetch=0))
    overlapped = run_dicom_series(models, series_files(), None, replace(CONFIG, prefetch=prefetch))
    decoded = assemble_series(series_files(), 16, SIZE * SIZE, 16 * SIZE * SIZE)
    whole = infer(models, decoded.hu, decoded.spacing_mm, THRESHOLD, chunk=SLICES)  # one chunk: no edges at all
    for a, b in zip(answers(sequential), answers(overlapped), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(overlapped.result.probabilities, whole.probabilities)
    np.testing.assert_array_equal(overlapped.result.masks, whole.masks)
    assert overlapped.result.masks.any() and overlapped.result.assessed.all()
    assert [ref.upload_index for ref in overlapped.refs] == [UPLOAD_ORDER.index(k) for k in range(SLICES)]
    assert overlapped.timings_ms["decode"] > 0 and set(overlapped.timings_ms) == set(sequential.timings_ms)


def test_the_context_models_see_the_neighbours_across_a_chunk_edge():
    """The equivalence above has teeth: a chunk's edge slice scores differently if its neighbour were not decoded."""
    models, hu = models_with_context(1), phantom_series()
    missing = hu.copy()
    missing[CHUNK] = 0.0  # the first slice of the second chunk, as an undecoded neighbour would read
    whole = infer(models, hu, (3.0, 3.0), THRESHOLD, chunk=SLICES)
    broken = infer(models, missing, (3.0, 3.0), THRESHOLD, chunk=SLICES)
    assert whole.probabilities[CHUNK - 1, 0] != broken.probabilities[CHUNK - 1, 0]


def test_a_slice_that_fails_to_decode_is_named_and_leaves_no_worker():
    datasets = series_datasets(phantom_series(), spacing_mm=(3.0, 3.0))
    datasets[SLICES - 1].RescaleSlope = "0"  # read with the pixels, so it fails on the worker, in the last chunk
    files = [to_bytes(ds) for ds in datasets]
    with pytest.raises(InvalidInput) as refused:
        run_dicom_series(fake_models(), files, None, CONFIG)
    assert (
        refused.value.message
        == f"files[{SLICES - 1}]: DICOM RescaleSlope 0.0 / RescaleIntercept -1024 cannot map pixels to HU"
    )
    assert [t for t in threading.enumerate() if t.name == "prefetch"] == []
