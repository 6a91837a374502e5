"""Overlay picture for one slice: the brain-window CT with the predicted bleed in colour, as image/png."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.dependencies import RuntimeDep, SettingsDep
from app.pipeline.encode.overlay import overlay_png
from app.pipeline.flows.slice_flow import predict_slice
from app.routers.predict import ImageFile, MaskFile
from app.uploads import read_limited

router = APIRouter(prefix="/v1/predict", tags=["predict"])


def caption_lines(result, threshold: float) -> tuple[str, str | None]:
    """The verdict, and a second line when the answer needs a caveat on the picture itself."""
    if not result.assessed:
        return f"P={result.probability:.2f} (not assessed: {result.checks.assessment.reason})", None
    verdict = "bleed" if result.probability >= threshold else "no bleed"
    caption = f"P={result.probability:.2f} ({verdict})"
    return caption, None if result.checks.models_agree else "MODELS DISAGREE"


def _render(models, image: bytes, mask: bytes | None, max_pixels: int, threshold: float) -> tuple[bytes, float]:
    result = predict_slice(models, image, mask, max_pixels, threshold)
    caption, caveat = caption_lines(result, threshold)
    return overlay_png(result.decoded.hu, result.mask, result.reference, caption, caveat), result.probability


@router.post("/overlay", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def predict_slice_overlay(
    runtime: RuntimeDep, settings: SettingsDep, image: ImageFile, reference_mask: MaskFile = None
) -> Response:
    """Brain-window slice with the predicted bleed filled red (reference outlined green); P(any) in X-ICH-Probability."""
    models = runtime.models
    image_bytes = await read_limited(image, settings.max_upload_bytes, "image")
    mask_bytes = (
        await read_limited(reference_mask, settings.max_upload_bytes, "reference_mask") if reference_mask else None
    )
    threshold = settings.operating_threshold(models.classifier_version.card)
    png, probability = await run_in_threadpool(
        _render, models, image_bytes, mask_bytes, settings.max_image_pixels, threshold
    )
    return Response(png, media_type="image/png", headers={"X-ICH-Probability": f"{probability:.6f}"})
