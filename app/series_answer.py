"""ScanOutcome -> SeriesResponse: the JSON answer for a DICOM series or a NIfTI volume."""

import base64

import numpy as np

from app.pipeline.series_pipeline import ScanOutcome
from app.schemas import model_refs
from app.schemas_series import SeriesInput, SeriesResponse, SeriesSlice
from app.serving.runtime import LoadedModels


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _slices(outcome: ScanOutcome, threshold: float, subtype_names: list[str]) -> list[SeriesSlice]:
    result = outcome.result
    pixel_area = float(np.prod(outcome.spacing_mm)) if outcome.spacing_mm else None
    answers = []
    for index, (probabilities, mask) in enumerate(zip(result.probabilities, result.masks)):
        ref = outcome.refs[index] if outcome.refs else None
        area = int(mask.sum())
        answers.append(
            SeriesSlice(
                index=index,
                upload_index=ref.upload_index if ref else None,
                sop_instance_uid=ref.sop_instance_uid if ref else None,
                position_mm=ref.position_mm if ref else None,
                probability=float(probabilities[0]),
                flagged=bool(probabilities[0] >= threshold),
                subtypes=dict(zip(subtype_names, map(float, probabilities[1:]))),
                area_pixels=area,
                area_mm2=area * pixel_area if pixel_area is not None else None,
                dice=result.slice_dice[index] if result.slice_dice is not None else None,
                mask_png_base64=_base64(outcome.mask_pngs[index]) if outcome.mask_pngs else None,
            )
        )
    return answers


def series_response(outcome: ScanOutcome, threshold: float, models: LoadedModels) -> SeriesResponse:
    result = outcome.result
    scan_subtypes = result.probabilities[:, 1:].max(axis=0)
    slices, rows, columns = outcome.shape
    return SeriesResponse(
        probability=result.scan_probability,
        hemorrhage=result.scan_probability >= threshold,
        threshold=threshold,
        subtypes=dict(zip(models.subtype_names, map(float, scan_subtypes))),
        most_suspicious_slice=result.most_suspicious_slice,
        flagged_slices=result.flagged_slices(threshold),
        bleed_volume_ml=result.volume_ml,
        dice=result.dice,
        slices=_slices(outcome, threshold, models.subtype_names),
        mask_nifti_base64=_base64(outcome.mask_nifti) if outcome.mask_nifti else None,
        montage_png_base64=_base64(outcome.montage) if outcome.montage else None,
        models=model_refs(models),
        input=SeriesInput(
            format=outcome.source_format,
            slices=slices,
            rows=rows,
            columns=columns,
            pixel_spacing_mm=list(outcome.spacing_mm) if outcome.spacing_mm else None,
            slice_spacing_mm=outcome.slice_spacing_mm,
            study_instance_uid=outcome.uids.get("StudyInstanceUID"),
            series_instance_uid=outcome.uids.get("SeriesInstanceUID"),
            lossy=outcome.lossy,
        ),
        timings_ms=result.timings_ms,
    )
