"""Slice prediction: probability, subtypes, mask and Dice for one CT slice."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.dependencies import RuntimeDep, SettingsDep
from app.pipeline.encode.mask_png import png_base64
from app.pipeline.flows.slice_flow import predict_slice
from app.schemas import InputInfo, PredictResponse, answer_warnings, model_refs
from app.uploads import read_limited

router = APIRouter(prefix="/v1/predict", tags=["predict"])

ImageFile = Annotated[
    UploadFile,
    File(description="CT slice: PNG/JPEG (8-bit = brain window 40/80; 16-bit grayscale PNG = HU + 1024)"),
]
MaskFile = Annotated[UploadFile | None, File(description="optional reference mask PNG; non-zero pixels = hemorrhage")]


async def _run(runtime, settings, image: UploadFile, reference_mask: UploadFile | None):
    """(result, threshold, models): the models are taken once, so a hot reload mid-request cannot mislabel the answer."""
    models = runtime.models
    image_bytes = await read_limited(image, settings.max_upload_bytes, "image")
    mask_bytes = (
        await read_limited(reference_mask, settings.max_upload_bytes, "reference_mask") if reference_mask else None
    )
    threshold = settings.operating_threshold(models.classifier_version.card)
    # Inference runs in a worker thread so the event loop keeps answering probes.
    result = await run_in_threadpool(
        predict_slice, models, image_bytes, mask_bytes, settings.max_image_pixels, threshold
    )
    return result, threshold, models


@router.post("", response_model=PredictResponse)
async def predict_slice_json(
    runtime: RuntimeDep, settings: SettingsDep, image: ImageFile, reference_mask: MaskFile = None
) -> PredictResponse:
    """Hemorrhage probability, subtype probabilities, mask (base64 PNG), warnings and Dice against a reference."""
    result, threshold, models = await _run(runtime, settings, image, reference_mask)
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


@router.post("/mask", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def predict_slice_mask(
    runtime: RuntimeDep, settings: SettingsDep, image: ImageFile, reference_mask: MaskFile = None
) -> Response:
    """The mask alone as image/png; probability, threshold and Dice travel in X-ICH-* headers."""
    result, threshold, models = await _run(runtime, settings, image, reference_mask)
    headers = {
        "X-ICH-Probability": f"{result.probability:.6f}",
        "X-ICH-Threshold": f"{threshold:.6f}",
        "X-ICH-Area-Pixels": str(result.area_pixels),
        "X-ICH-Assessed": str(result.assessed).lower(),
        "X-ICH-Warnings": ", ".join(w.code for w in result.warnings) or "none",
        "X-ICH-Models": ", ".join(f"{v.name}/{v.version}" for v in models.versions),
    }
    if result.dice is not None:
        headers["X-ICH-Dice"] = f"{result.dice:.6f}"
    return Response(result.mask_png, media_type="image/png", headers=headers)
