"""Overlay picture for one slice: the brain-window CT with the predicted bleed in colour, as image/png."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.answers import overlay_caption
from app.dependencies import RuntimeDep, SettingsDep
from app.pipeline.encode.overlay import overlay_png
from app.pipeline.flows.slice_flow import predict_slice
from app.routers.predict import ImageFile, MaskFile
from app.uploads import read_slice_uploads

router = APIRouter(prefix="/v1/predict", tags=["predict"])


def _render(models, image: bytes, mask: bytes | None, max_pixels: int, threshold: float) -> tuple[bytes, float]:
    result = predict_slice(models, image, mask, max_pixels, threshold)
    caption, caveat = overlay_caption(result, threshold)
    # A withheld outline is drawn where the models disagree, which the caveat line then explains.
    withheld = None if result.checks.models_agree else result.withheld_mask
    picture = overlay_png(result.decoded.hu, result.mask, result.reference, caption, caveat, withheld)
    return picture, result.probability


@router.post("/overlay", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def predict_slice_overlay(
    runtime: RuntimeDep, settings: SettingsDep, image: ImageFile, reference_mask: MaskFile = None
) -> Response:
    """Brain-window slice with the predicted bleed filled red (reference outlined green; where the models disagree,
    the segmenter's withheld outline in yellow); P(any) in X-ICH-Probability."""
    models = runtime.models
    image_bytes, mask_bytes = await read_slice_uploads(image, reference_mask, settings.max_upload_bytes)
    threshold = settings.operating_threshold(models.classifier_version.card)
    png, probability = await run_in_threadpool(
        _render, models, image_bytes, mask_bytes, settings.max_image_pixels, threshold
    )
    return Response(png, media_type="image/png", headers={"X-ICH-Probability": f"{probability:.6f}"})
