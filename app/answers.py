"""Flow results -> the answers callers get: the slice JSON and its X-ICH-* headers, the overlay's caption, and the
scan JSON (DICOM series, NIfTI volume, DICOM integration). The one place an answer is put together."""

import numpy as np

from app.pipeline.encode.mask_png import png_base64
from app.pipeline.flows.scan_flow import ScanOutcome
from app.pipeline.flows.slice_flow import SliceResult
from app.pipeline.postprocess.caveats import Caveat
from app.schemas import AnswerWarning, InputInfo, PredictResponse, model_refs
from app.schemas_series import ScanRuleInfo, SeriesInput, SeriesResponse, SeriesSlice
from app.serving.runtime import LoadedModels
from core.scan_decision import ScanRule


def answer_warnings(caveats: list[Caveat]) -> list[AnswerWarning]:
    return [AnswerWarning(code=c.code, message=c.message, slices=c.slices) for c in caveats]


def slice_response(result: SliceResult, threshold: float, models: LoadedModels) -> PredictResponse:
    height, width = result.mask.shape
    return PredictResponse(
        probability=result.probability,
        hemorrhage=result.assessed and result.probability >= threshold,
        threshold=threshold,
        calibrated=result.calibrated,
        assessed=result.assessed,
        not_assessed_reason=result.checks.assessment.reason,
        models_agree=result.checks.models_agree,
        warnings=answer_warnings(result.warnings),
        subtypes=dict(zip(models.subtype_names, map(float, result.probabilities[1:]))),
        mask_png_base64=png_base64(result.mask_png),
        area_pixels=result.area_pixels,
        withheld_area_pixels=result.checks.withheld_pixels,
        withheld_mask_png_base64=png_base64(result.withheld_png) if result.withheld_png else None,
        area_mm2=result.area_mm2,
        dice=result.dice,
        models=model_refs(models),
        input=InputInfo(
            format=result.decoded.source_format,
            interpretation=result.decoded.interpretation,
            height=height,
            width=width,
            uids=result.decoded.identifiers,
        ),
        timings_ms=result.timings_ms,
    )


def slice_headers(result: SliceResult, threshold: float, models: LoadedModels) -> dict[str, str]:
    """The slice answer in X-ICH-* headers, for the endpoint whose body is the mask PNG."""
    headers = {
        "X-ICH-Probability": f"{result.probability:.6f}",
        "X-ICH-Threshold": f"{threshold:.6f}",
        "X-ICH-Area-Pixels": str(result.area_pixels),
        "X-ICH-Withheld-Pixels": str(result.checks.withheld_pixels),
        "X-ICH-Assessed": str(result.assessed).lower(),
        "X-ICH-Warnings": ", ".join(w.code for w in result.warnings) or "none",
        "X-ICH-Models": ", ".join(f"{v.name}/{v.version}" for v in models.versions),
    }
    if result.dice is not None:
        headers["X-ICH-Dice"] = f"{result.dice:.6f}"
    return headers


def overlay_caption(result: SliceResult, threshold: float) -> tuple[str, str | None]:
    """The verdict, and a second line when the answer needs a caveat on the picture itself."""
    if not result.assessed:
        return f"P={result.probability:.2f} (not assessed: {result.checks.assessment.reason})", None
    verdict = "bleed" if result.probability >= threshold else "no bleed"
    caption = f"P={result.probability:.2f} ({verdict})"
    return caption, None if result.checks.models_agree else "MODELS DISAGREE"


def _withheld_png(outcome: ScanOutcome, index: int) -> str | None:
    png = outcome.withheld_mask_pngs[index] if outcome.withheld_mask_pngs else None
    return png_base64(png) if png else None


def _series_slices(outcome: ScanOutcome, threshold: float, subtype_names: list[str]) -> list[SeriesSlice]:
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
                withheld_area_pixels=checks.withheld_pixels,
                withheld_mask_png_base64=_withheld_png(outcome, index),
                area_mm2=area * pixel_area if pixel_area is not None else None,
                dice=result.slice_dice[index] if result.slice_dice is not None else None,
                mask_png_base64=png_base64(outcome.mask_pngs[index]) if outcome.mask_pngs else None,
            )
        )
    return answers


def scan_rule_info(rule: ScanRule) -> ScanRuleInfo:
    return ScanRuleInfo(
        text=rule.describe(),
        min_run=rule.min_run,
        min_volume_ml=rule.min_volume_ml,
        run_threshold=rule.run_threshold,
        chosen_on=rule.chosen_on,
        validation_sensitivity=rule.sensitivity,
        validation_specificity=rule.specificity,
    )


def series_response(outcome: ScanOutcome, threshold: float, models: LoadedModels) -> SeriesResponse:
    result = outcome.result
    decision = outcome.measures.decision
    assessed = result.assessed
    scan_subtypes = (
        result.probabilities[assessed, 1:].max(axis=0) if assessed.any() else np.zeros(len(models.subtype_names))
    )
    slices, rows, columns = outcome.shape
    return SeriesResponse(
        probability=decision.probability,
        scan_rule=scan_rule_info(outcome.measures.rule),
        hemorrhage=decision.positive,
        threshold=threshold,
        calibrated=result.calibrated,
        subtypes=dict(zip(models.subtype_names, map(float, scan_subtypes))),
        most_suspicious_slice=decision.most_suspicious_slice,
        flagged_slices=decision.flagged_slices,
        not_assessed_slices=[int(i) for i in np.flatnonzero(~assessed)],
        models_agree=all(c.models_agree for c in result.checks),
        warnings=answer_warnings(outcome.warnings),
        bleed_volume_ml=outcome.measures.volume_ml,
        dice=result.dice,
        slices=_series_slices(outcome, threshold, models.subtype_names),
        mask_nifti_base64=png_base64(outcome.mask_nifti) if outcome.mask_nifti else None,
        withheld_mask_nifti_base64=png_base64(outcome.withheld_mask_nifti) if outcome.withheld_mask_nifti else None,
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
        timings_ms=outcome.timings_ms,
    )
