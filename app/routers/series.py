"""Whole scans: a DICOM series or a stack of PNG/JPEG exports (many slice files), or a NIfTI volume in, per-slice and
scan-level answers out."""

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from app.answers import series_response
from app.dependencies import RuntimeDep, SettingsDep
from app.errors import InvalidInput, PayloadTooLarge
from app.pipeline.decode.image_stack import is_image_stack
from app.pipeline.flows.scan_flow import run_dicom_series, run_image_stack, run_nifti_volume
from app.scan_config import volume_config
from app.schemas_series import SeriesResponse
from app.uploads import read_limited

router = APIRouter(prefix="/v1", tags=["series"])

SliceFiles = Annotated[
    list[UploadFile],
    File(
        description="the slices of one CT series: DICOM files in any order (sorted by ImagePositionPatient), or PNG/JPEG "
        "exports in slice order"
    ),
]
SliceMasks = Annotated[
    list[UploadFile] | None,
    File(description="optional reference mask PNGs, one per file and in the same order; non-zero = hemorrhage"),
]
VolumeFile = Annotated[UploadFile, File(description="CT volume in HU: NIfTI-1/2, .nii or .nii.gz")]
VolumeMask = Annotated[
    UploadFile | None, File(description="optional reference mask volume on the same voxel grid; non-zero = hemorrhage")
]
Montage = Annotated[bool, Query(description="also return a PNG montage of the flagged slices with their overlays")]
# Exports carry no geometry; a DICOM series carries its own, which these would contradict.
PixelSpacing = Annotated[
    float | None, Query(gt=0, le=10, description="PNG/JPEG stacks only: the pixel size in mm, for areas and volumes")
]
WithheldMasks = Annotated[
    bool,
    Query(
        description="also return the segmenter's outlines withheld from slices that are not flagged: per slice as PNG "
        "for a series, as one NIfTI volume for a volume"
    ),
]
SliceSpacing = Annotated[
    float | None, Query(gt=0, le=20, description="PNG/JPEG stacks only: the distance between slices in mm, for volumes")
]


@router.post("/series", response_model=SeriesResponse)
async def predict_series(
    runtime: RuntimeDep,
    settings: SettingsDep,
    files: SliceFiles,
    reference_masks: SliceMasks = None,
    montage: Montage = False,
    pixel_spacing_mm: PixelSpacing = None,
    slice_spacing_mm: SliceSpacing = None,
    withheld_masks: WithheldMasks = False,
) -> SeriesResponse:
    """Per-slice and scan-level hemorrhage probability, bleed volume (mL), per-slice mask PNGs and Dice for a series."""
    models = runtime.models
    if len(files) > settings.max_series_slices:
        raise PayloadTooLarge(
            f"the series has {len(files)} files, over the limit of {settings.max_series_slices} slices", "files"
        )
    data = [await read_limited(f, settings.max_upload_bytes, f"files[{i}]") for i, f in enumerate(files)]
    masks = None
    if reference_masks:
        masks = [
            await read_limited(f, settings.max_upload_bytes, f"reference_masks[{i}]")
            for i, f in enumerate(reference_masks)
        ]
    config = volume_config(settings, models, montage, withheld_masks)
    if is_image_stack(data):
        outcome = await run_in_threadpool(
            run_image_stack, models, data, masks, config, pixel_spacing_mm, slice_spacing_mm
        )
    elif pixel_spacing_mm is not None or slice_spacing_mm is not None:
        name = "pixel_spacing_mm" if pixel_spacing_mm is not None else "slice_spacing_mm"
        raise InvalidInput(f"{name} is for PNG/JPEG stacks; a DICOM series carries its own spacing", name)
    else:
        outcome = await run_in_threadpool(run_dicom_series, models, data, masks, config)
    return series_response(outcome, config.threshold, models)


@router.post("/volume", response_model=SeriesResponse)
async def predict_volume(
    runtime: RuntimeDep,
    settings: SettingsDep,
    volume: VolumeFile,
    reference_mask: VolumeMask = None,
    montage: Montage = False,
    withheld_masks: WithheldMasks = False,
) -> SeriesResponse:
    """Per-slice and scan-level hemorrhage probability, bleed volume (mL), mask NIfTI and Dice for a NIfTI volume."""
    models = runtime.models
    data = await read_limited(volume, settings.max_upload_bytes, "volume")
    mask = await read_limited(reference_mask, settings.max_upload_bytes, "reference_mask") if reference_mask else None
    config = volume_config(settings, models, montage, withheld_masks)
    outcome = await run_in_threadpool(run_nifti_volume, models, data, mask, config)
    return series_response(outcome, config.threshold, models)
