"""The served models, loaded as the service loads them, and the scan flow of POST /v1/series and /v1/volume: every
form ends as the service's own answer object (app.answers.series_response)."""

import time
from dataclasses import dataclass

import numpy as np

from app.answers import series_response
from app.config import Settings
from app.pipeline.flows.scan_flow import (
    ScanOutcome,
    VolumeConfig,
    run_dicom_series,
    run_image_stack,
    run_nifti_volume,
)
from app.schemas_series import SeriesResponse
from app.serving.loading import store_loader
from app.serving.runtime import LoadedModels
from bench.realct.display_nifti import display_volume
from bench.realct.forms import HU, ExportForm, encode_slices, resampled_series, scaled_spacing
from bench.realct.scan_input import MAX_PIXELS, MAX_SLICES, MAX_VOXELS, RealScan

UNKNOWN_SPACING_MM = 1.0  # a stack of images without spacing.json is wrapped at 1 mm; its mL are then not physical


def load_served_models(settings: Settings) -> LoadedModels:
    """The service's loader (engine chosen as it chooses: OpenVINO on a CPU), warmed up as at start-up."""
    models = store_loader(settings)()
    models.warm_up()
    return models


def served(settings: Settings | None = None) -> tuple[LoadedModels, VolumeConfig]:
    """The served pair and the scan flow's configuration, from `settings` (default: the environment's)."""
    settings = settings or Settings()
    models = load_served_models(settings)
    return models, volume_config(settings, models)


def volume_config(settings: Settings, models: LoadedModels) -> VolumeConfig:
    """As the series router builds it, with the bench's own larger limits (768² x 108 slices is over the upload's)."""
    threshold = settings.operating_threshold(models.classifier_version.card)
    return VolumeConfig(MAX_SLICES, MAX_PIXELS, MAX_VOXELS, settings.series_batch_slices, threshold)


def volume_nifti(hu: np.ndarray, spacing_mm: tuple[float, float] | None, slice_mm: float | None) -> bytes:
    """Decoded slices -> the NIfTI bytes a user would upload to /v1/volume."""
    spacing = spacing_mm or (UNKNOWN_SPACING_MM, UNKNOWN_SPACING_MM)
    return display_volume(hu.astype(np.float32), spacing, slice_mm or UNKNOWN_SPACING_MM).to_bytes()


@dataclass
class FormRun:
    form: ExportForm
    answer: SeriesResponse  # the service's answer
    masks: np.ndarray  # bool (slices, rows, columns), the answer's masks at the input's own size
    spacing_mm: tuple[float, float] | None  # true pixel spacing at this form's matrix
    route: str  # which flow carried it
    interpretations: list[str]
    bytes_per_slice: float | None
    seconds: float


def answered(models: LoadedModels, config: VolumeConfig, outcome: ScanOutcome) -> tuple[SeriesResponse, np.ndarray]:
    return series_response(outcome, config.threshold, models), outcome.result.masks


def run_stack(models, config, hu, spacing_mm, slice_mm) -> tuple[SeriesResponse, np.ndarray]:
    """HU slices the service's decoder produced -> the /v1/volume flow, which is where a stack that did not come
    as DICOM is scored as one scan."""
    return answered(models, config, run_nifti_volume(models, volume_nifti(hu, spacing_mm, slice_mm), None, config))


def run_exports(models, config, files, spacing_mm, slice_mm) -> ScanOutcome:
    """PNG/JPEG files in slice order -> the /v1/series flow for exports, given the spacing the bench knows."""
    pixel_mm = float(np.sqrt(spacing_mm[0] * spacing_mm[1])) if spacing_mm else None
    return run_image_stack(models, files, None, config, pixel_mm, slice_mm)


def run_form(models: LoadedModels, config: VolumeConfig, scan: RealScan, form: ExportForm) -> FormRun:
    """Encode the scan as `form`, send the bytes through the service's decoder and scan flow, keep its answer."""
    start = time.perf_counter()
    spacing, interpretations, size = scan.spacing_mm, ["hu"], None
    if form is HU and scan.dicom_files:
        (answer, masks), route = (
            answered(models, config, run_dicom_series(models, scan.dicom_files, None, config)),
            "series",
        )
    elif form is HU and scan.raw is not None:
        (answer, masks), route = answered(models, config, run_nifti_volume(models, scan.raw, None, config)), "volume"
    elif form.matrix is not None and scan.dicom_files:
        files = resampled_series(scan, form.matrix)
        spacing = scaled_spacing(scan, (form.matrix, form.matrix))
        size = float(np.mean([len(f) for f in files]))
        (answer, masks), route = answered(models, config, run_dicom_series(models, files, None, config)), "series"
    else:
        files = encode_slices(scan.hu, form)
        outcome = run_exports(models, config, files, scaled_spacing(scan, scan.hu.shape[1:]), scan.slice_spacing_mm)
        (answer, masks), route = answered(models, config, outcome), "series of image exports"
        spacing, interpretations = outcome.spacing_mm, [outcome.facts.interpretation]
        size = float(np.mean([len(f) for f in files]))
    return FormRun(form, answer, masks, spacing, route, interpretations, size, time.perf_counter() - start)
