"""Slice prediction: probability, subtypes, mask and Dice for one CT slice."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.answers import slice_headers, slice_response
from app.dependencies import RuntimeDep, SettingsDep
from app.pipeline.flows.slice_flow import predict_slice
from app.schemas import PredictResponse
from app.uploads import read_slice_uploads

router = APIRouter(prefix="/v1/predict", tags=["predict"])

ImageFile = Annotated[
    UploadFile,
    File(description="CT slice: PNG/JPEG (8-bit = brain window 40/80; 16-bit grayscale PNG = HU + 1024)"),
]
MaskFile = Annotated[UploadFile | None, File(description="optional reference mask PNG; non-zero pixels = hemorrhage")]


async def _run(runtime, settings, image: UploadFile, reference_mask: UploadFile | None):
    """(result, threshold, models): the models are taken once, so a hot reload mid-request cannot mislabel the answer."""
    models = runtime.models
    image_bytes, mask_bytes = await read_slice_uploads(image, reference_mask, settings.max_upload_bytes)
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
    return slice_response(result, threshold, models)


@router.post("/mask", response_class=Response, responses={200: {"content": {"image/png": {}}}})
async def predict_slice_mask(
    runtime: RuntimeDep, settings: SettingsDep, image: ImageFile, reference_mask: MaskFile = None
) -> Response:
    """The mask alone as image/png; probability, threshold and Dice travel in X-ICH-* headers."""
    result, threshold, models = await _run(runtime, settings, image, reference_mask)
    return Response(result.mask_png, media_type="image/png", headers=slice_headers(result, threshold, models))
