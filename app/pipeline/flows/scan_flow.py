"""Whole scans: DICOM series or NIfTI volume -> decode -> predict_volume -> masks in the input's format (+ montage).

Configuration arrives as a VolumeConfig built by the router; no step here reads settings.
"""

from dataclasses import dataclass, field

import numpy as np

from app.errors import InvalidInput, ServiceError
from app.pipeline.postprocess.caveats import InputFacts
from app.pipeline.decode.slice_file import decode_reference_mask
from app.pipeline.encode.mask_png import mask_to_png
from app.pipeline.encode.montage import montage_png
from app.pipeline.decode.nifti import read_nifti, write_nifti_gz
from app.pipeline.decode.nifti_volume import reference_slices, to_display, to_stored
from app.pipeline.decode.series import SliceRef, assemble_series
from app.pipeline.timing import StageTimer
from app.pipeline.infer.step import VolumeResult, predict_volume
from app.serving.runtime import LoadedModels


@dataclass(frozen=True)
class VolumeConfig:
    max_slices: int
    max_pixels: int
    max_voxels: int
    chunk: int  # slices per model call
    threshold: float  # the operating point: slice flags, the scan rule, the montage's choice of slices
    montage: bool = False


@dataclass
class ScanOutcome:
    result: VolumeResult
    source_format: str  # dicom or nifti
    shape: tuple[int, int, int]  # (slices, rows, columns)
    spacing_mm: tuple[float, float] | None
    slice_spacing_mm: float | None
    refs: list[SliceRef] | None = None  # DICOM only, in answer order
    mask_pngs: list[bytes] | None = None  # DICOM: one per slice, answer order
    mask_nifti: bytes | None = None  # NIfTI: .nii.gz on the input grid
    montage: bytes | None = None
    uids: dict[str, str] = field(default_factory=dict)
    lossy: bool = False
    facts: InputFacts = field(default_factory=lambda: InputFacts("hu"))


def _dicom_references(masks: list[bytes], refs: list[SliceRef], shape: tuple[int, int]) -> np.ndarray:
    """Reference PNGs in upload order -> bool (slices, rows, columns) in answer order."""
    if len(masks) != len(refs):
        raise InvalidInput(
            f"{len(masks)} reference_masks for {len(refs)} files; send one per file, in the same order",
            "reference_masks",
        )
    stack = []
    for ref in refs:
        try:
            stack.append(decode_reference_mask(masks[ref.upload_index], shape))
        except ServiceError as e:
            raise type(e)(f"reference_masks[{ref.upload_index}]: {e.message}", "reference_masks") from e
    return np.stack(stack)


def _finish(outcome: ScanOutcome, hu: np.ndarray, config: VolumeConfig, timer: StageTimer) -> ScanOutcome:
    if config.montage:
        with timer.stage("montage"):
            # Slices not assessed give no answer, so they are never picked as flagged.
            scored = np.where(outcome.result.assessed, outcome.result.slice_probabilities, 0.0)
            outcome.montage = montage_png(hu, outcome.result.masks, scored, config.threshold)
    outcome.result.timings_ms.update(timer.milliseconds)
    return outcome


def run_dicom_series(
    models: LoadedModels, files: list[bytes], reference_masks: list[bytes] | None, config: VolumeConfig
) -> ScanOutcome:
    timer = StageTimer()
    with timer.stage("decode"):
        series = assemble_series(files, config.max_slices, config.max_pixels, config.max_voxels)
        reference = _dicom_references(reference_masks, series.slices, series.hu.shape[1:]) if reference_masks else None
    result = predict_volume(
        models, series.hu, series.spacing_mm, series.slab_mm, reference, config.chunk, config.threshold
    )
    with timer.stage("encode"):
        pngs = [mask_to_png(mask) for mask in result.masks]
    spacing = float(np.median(series.slab_mm)) if series.slab_mm is not None else None
    outcome = ScanOutcome(
        result,
        "dicom",
        series.hu.shape,
        series.spacing_mm,
        spacing,
        series.slices,
        pngs,
        uids=series.uids,
        lossy=series.lossy,
        facts=InputFacts("hu", series.lossy, body_part=series.body_part, contrast_agent=series.contrast_agent),
    )
    return _finish(outcome, series.hu, config, timer)


def run_nifti_volume(
    models: LoadedModels, volume: bytes, reference_mask: bytes | None, config: VolumeConfig
) -> ScanOutcome:
    timer = StageTimer()
    with timer.stage("decode"):
        slices = to_display(read_nifti(volume, config.max_voxels, "volume"), config.max_slices, config.max_pixels)
        reference = None
        if reference_mask is not None:
            reference = reference_slices(read_nifti(reference_mask, config.max_voxels, "reference_mask"), slices)
    slabs = np.full(len(slices.hu), slices.slice_spacing_mm)
    result = predict_volume(models, slices.hu, slices.spacing_mm, slabs, reference, config.chunk, config.threshold)
    with timer.stage("encode"):
        mask_nifti = write_nifti_gz(to_stored(result.masks, slices).astype(np.uint8), slices.image)
    outcome = ScanOutcome(
        result, "nifti", slices.hu.shape, slices.spacing_mm, slices.slice_spacing_mm, mask_nifti=mask_nifti
    )
    return _finish(outcome, slices.hu, config, timer)
