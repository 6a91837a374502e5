"""Whole scans: a DICOM series, a stack of PNG/JPEG exports or a NIfTI volume -> decode -> the inference step
(app.pipeline.infer) -> scan measures (bleed volume, the scan-level decision) -> masks encoded in the input's own
format (+ a montage).

Configuration arrives as a VolumeConfig built by the caller (app.scan_config); no step here reads settings. A DICOM
series is ordered from its headers first, then decodes chunk by chunk on a worker thread while the models run the
chunk before (VolumeConfig.prefetch; 0 decodes each chunk in turn on the request's thread, with the same answers).
"""

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from app.errors import InvalidInput, ServiceError
from app.pipeline.decode.image_stack import read_image_stack
from app.pipeline.decode.nifti import read_nifti
from app.pipeline.decode.nifti_volume import reference_slices, to_display, to_stored
from app.pipeline.decode.series import SliceRef, read_series_layout
from app.pipeline.decode.slice_file import decode_reference_mask
from app.pipeline.encode.mask_png import mask_to_png
from app.pipeline.encode.montage import montage_png
from app.pipeline.encode.nifti_mask import write_nifti_gz
from app.pipeline.flows.series_chunks import decoded_chunks
from app.pipeline.infer.step import Inference, infer, infer_prepared
from app.pipeline.postprocess.caveats import Caveat, InputFacts, collect_caveats
from app.pipeline.postprocess.scan_measures import ScanMeasures, measure_scan
from app.pipeline.prefetch import prefetch
from app.pipeline.timing import StageTimer, add_timings
from app.serving.runtime import LoadedModels


@dataclass(frozen=True)
class VolumeConfig:
    max_slices: int
    max_pixels: int
    max_voxels: int
    chunk: int  # slices per model call
    threshold: float  # the operating point: slice flags, the scan rule, the montage's choice of slices
    montage: bool = False
    prefetch: int = 2  # chunks decoded and prepared ahead of the models (memory: that many chunks' inputs); 0: none
    withheld_masks: bool = False  # also encode the withheld outlines, in the format the answer's masks take


@dataclass
class ScanOutcome:
    result: Inference  # per slice, in answer order
    measures: ScanMeasures
    source_format: str  # dicom, nifti, or png/jpeg for an image stack
    shape: tuple[int, int, int]  # (slices, rows, columns)
    spacing_mm: tuple[float, float] | None
    slice_spacing_mm: float | None
    timings_ms: dict[str, float]
    refs: list[SliceRef] | None = None  # DICOM and image stacks, in answer order
    mask_pngs: list[bytes] | None = None  # DICOM and image stacks: one per slice, answer order
    withheld_mask_pngs: list[bytes | None] | None = (
        None  # when asked: each slice's withheld outline, None where there is none
    )
    mask_nifti: bytes | None = None  # NIfTI: .nii.gz on the input grid
    withheld_mask_nifti: bytes | None = None  # NIfTI, when asked: the withheld outlines on the same grid
    montage: bytes | None = None
    uids: dict[str, str] = field(default_factory=dict)
    lossy: bool = False
    facts: InputFacts = field(default_factory=lambda: InputFacts("hu"))

    @cached_property
    def warnings(self) -> list[Caveat]:
        return collect_caveats(self.facts, self.result.checks)


def _encode_withheld(inference: Inference, encode_masks: Callable[[np.ndarray], dict]) -> dict:
    """The segmenter's withheld outlines, encoded as the answer's masks are and named `withheld_<field>`; in a
    per-slice list, a slice with nothing withheld is None."""
    kept = [c.withheld_mask for c in inference.checks]
    volume = np.zeros_like(inference.masks)
    for index, outline in enumerate(kept):
        if outline is not None:
            volume[index] = outline
    encoded = encode_masks(volume)
    if "mask_pngs" in encoded:
        encoded["mask_pngs"] = [png if k is not None else None for png, k in zip(encoded["mask_pngs"], kept)]
    return {f"withheld_{name}": value for name, value in encoded.items()}


def _reference_pngs(masks: list[bytes], refs: list[SliceRef], shape: tuple[int, int]) -> np.ndarray:
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


def _scan(
    inference: Inference,
    hu: np.ndarray,
    spacing_mm: tuple[float, float] | None,
    slab_mm: np.ndarray | None,
    config: VolumeConfig,
    decode: StageTimer,
    encode_masks: Callable[[np.ndarray], dict],
    facts: InputFacts = InputFacts("hu"),
    **described,
) -> ScanOutcome:
    """What every scan goes through once inferred: measure -> encode (+ montage). `encode_masks`: the masks -> the
    ScanOutcome fields holding them in the input's format; `facts`: how the input was read, which also picks the
    card's scan rule; `described`: the other fields the decoder knows."""
    after = StageTimer()
    with after.stage("measure"):
        measures = measure_scan(
            inference.masks,
            inference.slice_probabilities,
            inference.assessed,
            spacing_mm,
            slab_mm,
            config.threshold,
            inference.card.scan_rule_for(facts.interpretation),
        )
    with after.stage("encode"):
        encoded = encode_masks(inference.masks)
        if config.withheld_masks:
            encoded.update(_encode_withheld(inference, encode_masks))
    montage = None
    if config.montage:
        with after.stage("montage"):
            # Slices not assessed give no answer, so they are never picked as flagged.
            scored = np.where(inference.assessed, inference.slice_probabilities, 0.0)
            montage = montage_png(hu, inference.masks, scored, config.threshold)
    timings = dict(decode.milliseconds)
    add_timings(timings, inference.timings_ms)  # a series decodes its pixels chunk by chunk, inside the inference
    timings.update(after.milliseconds)
    return ScanOutcome(
        inference,
        measures,
        shape=hu.shape,
        spacing_mm=spacing_mm,
        timings_ms=timings,
        montage=montage,
        facts=facts,
        **encoded,
        **described,
    )


def run_dicom_series(
    models: LoadedModels, files: list[bytes], reference_masks: list[bytes] | None, config: VolumeConfig
) -> ScanOutcome:
    decode = StageTimer()
    with decode.stage("decode"):
        layout = read_series_layout(files, config.max_slices, config.max_pixels, config.max_voxels)
        reference = _reference_pngs(reference_masks, layout.slices, layout.shape[1:]) if reference_masks else None
    hu = np.empty(layout.shape, np.float32)
    limits = models.classifier_version.card.assessment_limits
    chunks = decoded_chunks(models, layout, hu, config.chunk, limits)
    with closing(prefetch(chunks, config.prefetch) if config.prefetch else chunks) as ready:
        inference = infer_prepared(
            models, ready, hu, layout.spacing_mm, config.threshold, reference, keep_withheld=config.withheld_masks
        )
    return _scan(
        inference,
        hu,
        layout.spacing_mm,
        layout.slab_mm,
        config,
        decode,
        lambda masks: {"mask_pngs": [mask_to_png(mask) for mask in masks]},
        source_format="dicom",
        slice_spacing_mm=float(np.median(layout.slab_mm)) if layout.slab_mm is not None else None,
        refs=layout.slices,
        uids=layout.uids,
        lossy=layout.lossy,
        facts=InputFacts("hu", layout.lossy, body_part=layout.body_part, contrast_agent=layout.contrast_agent),
    )


def run_image_stack(
    models: LoadedModels,
    files: list[bytes],
    reference_masks: list[bytes] | None,
    config: VolumeConfig,
    pixel_spacing_mm: float | None = None,
    slice_spacing_mm: float | None = None,
) -> ScanOutcome:
    """PNG/JPEG exports in slice order; the spacings, when the caller knows them, give areas and volumes."""
    decode = StageTimer()
    with decode.stage("decode"):
        stack = read_image_stack(files, config.max_slices, config.max_pixels, config.max_voxels)
        refs = [SliceRef(index, None, None) for index in range(len(files))]
        reference = _reference_pngs(reference_masks, refs, stack.hu.shape[1:]) if reference_masks else None
    spacing = (pixel_spacing_mm, pixel_spacing_mm) if pixel_spacing_mm else None
    inference = infer(
        models,
        stack.hu,
        spacing,
        config.threshold,
        reference,
        stack.interpretation,
        chunk=config.chunk,
        keep_withheld=config.withheld_masks,
    )
    return _scan(
        inference,
        stack.hu,
        spacing,
        np.full(len(stack.hu), slice_spacing_mm) if slice_spacing_mm else None,
        config,
        decode,
        lambda masks: {"mask_pngs": [mask_to_png(mask) for mask in masks]},
        source_format=stack.source_format,
        slice_spacing_mm=slice_spacing_mm,
        refs=refs,
        facts=InputFacts(stack.interpretation, jpeg_quality=stack.jpeg_quality),
    )


def run_nifti_volume(
    models: LoadedModels, volume: bytes, reference_mask: bytes | None, config: VolumeConfig
) -> ScanOutcome:
    decode = StageTimer()
    with decode.stage("decode"):
        slices = to_display(read_nifti(volume, config.max_voxels, "volume"), config.max_slices, config.max_pixels)
        reference = None
        if reference_mask is not None:
            reference = reference_slices(read_nifti(reference_mask, config.max_voxels, "reference_mask"), slices)
    inference = infer(
        models,
        slices.hu,
        slices.spacing_mm,
        config.threshold,
        reference,
        chunk=config.chunk,
        keep_withheld=config.withheld_masks,
    )
    return _scan(
        inference,
        slices.hu,
        slices.spacing_mm,
        np.full(len(slices.hu), slices.slice_spacing_mm),
        config,
        decode,
        lambda masks: {"mask_nifti": write_nifti_gz(to_stored(masks, slices).astype(np.uint8), slices.image)},
        source_format="nifti",
        slice_spacing_mm=slices.slice_spacing_mm,
    )
