"""ScanOutcome -> SeriesResponse: the JSON answer for a DICOM series or a NIfTI volume."""

import numpy as np

from app.pipeline.postprocess.caveats import collect_caveats
from app.pipeline.encode.mask_png import png_base64
from app.pipeline.flows.scan_flow import ScanOutcome
from app.schemas import answer_warnings, model_refs
from app.schemas_series import ScanRuleInfo, SeriesInput, SeriesResponse, SeriesSlice
from app.serving.runtime import LoadedModels
from core.scan_decision import ScanRule


def _slices(outcome: ScanOutcome, threshold: float, subtype_names: list[str]) -> list[SeriesSlice]:
    result = outcome.result
    pixel_area = float(np.prod(outcome.spacing_mm)) if outcome.spacing_mm else None
    answers = []
    for index, (probabilities, mask, checks) in enumerate(zip(result.probabilities, result.masks, result.checks)):
        ref = outcome.refs[index] if outcome.refs else None
        area = int(mask.sum())
        assessed = checks.assessment.assessed
        answers.append(
            SeriesSlice(
                index=index,
                upload_index=ref.upload_index if ref else None,
                sop_instance_uid=ref.sop_instance_uid if ref else None,
                position_mm=ref.position_mm if ref else None,
                probability=float(probabilities[0]) if assessed else None,
                flagged=bool(assessed and probabilities[0] >= threshold),
                assessed=assessed,
                not_assessed_reason=checks.assessment.reason,
                models_agree=checks.models_agree,
                subtypes=dict(zip(subtype_names, map(float, probabilities[1:]))) if assessed else {},
                area_pixels=area,
                area_mm2=area * pixel_area if pixel_area is not None else None,
                dice=result.slice_dice[index] if result.slice_dice is not None else None,
                mask_png_base64=png_base64(outcome.mask_pngs[index]) if outcome.mask_pngs else None,
            )
        )
    return answers


def scan_rule_info(rule: ScanRule) -> ScanRuleInfo:
    return ScanRuleInfo(
        text=rule.describe(), min_run=rule.min_run, min_volume_ml=rule.min_volume_ml, chosen_on=rule.chosen_on
    )


def series_response(outcome: ScanOutcome, threshold: float, models: LoadedModels) -> SeriesResponse:
    result = outcome.result
    decision = result.decision
    assessed = result.assessed
    scan_subtypes = (
        result.probabilities[assessed, 1:].max(axis=0) if assessed.any() else np.zeros(len(models.subtype_names))
    )
    slices, rows, columns = outcome.shape
    return SeriesResponse(
        probability=decision.probability,
        scan_rule=scan_rule_info(result.rule),
        hemorrhage=decision.positive,
        threshold=threshold,
        calibrated=result.calibrated,
        subtypes=dict(zip(models.subtype_names, map(float, scan_subtypes))),
        most_suspicious_slice=decision.most_suspicious_slice,
        flagged_slices=decision.flagged_slices,
        not_assessed_slices=[int(i) for i in np.flatnonzero(~assessed)],
        models_agree=all(c.models_agree for c in result.checks),
        warnings=answer_warnings(collect_caveats(outcome.facts, result.checks)),
        bleed_volume_ml=result.volume_ml,
        dice=result.dice,
        slices=_slices(outcome, threshold, models.subtype_names),
        mask_nifti_base64=png_base64(outcome.mask_nifti) if outcome.mask_nifti else None,
        montage_png_base64=png_base64(outcome.montage) if outcome.montage else None,
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
