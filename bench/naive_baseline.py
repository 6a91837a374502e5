"""The naive baseline, run beside the service for the ratios: the notebook's way of serving the same two models.

A FastAPI handler calls Keras `model.predict` on each request: no batching, no tuning, TensorFlow defaults (fp32).
The work per request matches the service's (same decode, preprocessing, mask resize and PNG), so the ratio measures
the serving approach only. Run with `ICH_MODEL_STORE=model_store uvicorn bench.naive_baseline:app`.
"""

import os
from pathlib import Path
from typing import Annotated

import keras
from fastapi import FastAPI, File, UploadFile

from app.pipeline.decode.slice_file import decode_slice
from app.pipeline.encode.mask_png import mask_to_png, png_base64
from core.model_input import to_model_input
from core.model_store import paired_input, resolve
from core.resize import resize_mask

STORE = Path(os.environ.get("ICH_MODEL_STORE", "model_store"))
MAX_PIXELS = 4096 * 4096


def load_keras_model(path: Path) -> keras.Model:
    """The exported SavedModel as a Keras model, as a notebook would reload it for `predict`."""
    inputs = keras.Input(shape=(256, 256, 3), name="window_stack")
    outputs = keras.layers.TFSMLayer(str(path), call_endpoint="serve")(inputs)
    return keras.Model(inputs, outputs)


# The versions the service would serve: the highest in the store, fed as their cards say.
SERVED = [resolve(STORE, name) for name in ("ich_classifier", "ich_segmenter")]
CONFINEMENT = paired_input(*(model.card for model in SERVED)).confinement
classifier, segmenter = (load_keras_model(model.path) for model in SERVED)
app = FastAPI(title="naive baseline (benchmark only)")


@app.get("/health/ready")
def read_readiness() -> dict:
    """Ready once the module has loaded, which is before uvicorn accepts connections."""
    return {"status": "ready"}


@app.post("/v1/predict")
def predict_slice(image: Annotated[UploadFile, File()]) -> dict:
    """One slice: decode, preprocess, classifier.predict, segmenter.predict, mask PNG; FastAPI runs it in a thread."""
    decoded = decode_slice(image.file.read(), MAX_PIXELS)
    batch = to_model_input(decoded.hu, confinement=CONFINEMENT)[None]
    probabilities = classifier.predict(batch, verbose=0)[0]
    mask = resize_mask(segmenter.predict(batch, verbose=0)[0, ..., 0], decoded.hu.shape)
    return {
        "probability": float(probabilities[0]),
        "subtypes": [float(p) for p in probabilities[1:]],
        "mask_png_base64": png_base64(mask_to_png(mask)),
        "area_pixels": int(mask.sum()),
    }
