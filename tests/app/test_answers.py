"""The answers module: the slice's JSON, headers and caption say the same thing, from one flow result."""

import base64

import cv2
import numpy as np

from app.answers import overlay_caption, slice_headers, slice_response
from app.pipeline.flows.slice_flow import predict_slice
from tests.app.conftest import fake_models
from tests.app.dicom_files import ct_bytes
from tests.core.head_phantom import AIR_HU, BRAIN_HU, head_slice

THRESHOLD = 0.05


def test_json_headers_and_caption_agree():
    hu = head_slice(128, brain_axes=(40, 50))
    hu[60:68, 56:72] = 70.0
    models = fake_models()
    result = predict_slice(models, ct_bytes(hu), threshold=THRESHOLD)
    body = slice_response(result, THRESHOLD, models)
    headers = slice_headers(result, THRESHOLD, models)
    assert headers["X-ICH-Probability"] == f"{body.probability:.6f}"
    assert headers["X-ICH-Area-Pixels"] == str(body.area_pixels)
    assert headers["X-ICH-Withheld-Pixels"] == str(body.withheld_area_pixels)
    assert headers["X-ICH-Assessed"] == "true" and body.assessed
    assert headers["X-ICH-Warnings"] == (", ".join(w.code for w in body.warnings) or "none")
    assert headers["X-ICH-Models"] == "fake_classifier/7, fake_segmenter/3"
    verdict = "bleed" if body.hemorrhage else "no bleed"
    assert overlay_caption(result, THRESHOLD)[0] == f"P={body.probability:.2f} ({verdict})"


def test_a_withheld_outline_is_said_in_the_json_headers_and_caption():
    hu = head_slice(128, brain_axes=(40, 50))
    hu[60:68, 56:72] = 70.0
    models = fake_models()
    result = predict_slice(models, ct_bytes(hu), threshold=0.99)  # the bleed's P is well under 0.99
    body = slice_response(result, 0.99, models)
    assert not body.hemorrhage and body.area_pixels == 0 and body.withheld_area_pixels > 0
    assert slice_headers(result, 0.99, models)["X-ICH-Withheld-Pixels"] == str(body.withheld_area_pixels)
    assert overlay_caption(result, 0.99) == (f"P={body.probability:.2f} (no bleed)", "MODELS DISAGREE")
    outline = cv2.imdecode(np.frombuffer(base64.b64decode(body.withheld_mask_png_base64), np.uint8), 0)
    assert int((outline > 0).sum()) == body.withheld_area_pixels and outline.shape == hu.shape
    flagged = slice_response(predict_slice(models, ct_bytes(hu), threshold=THRESHOLD), THRESHOLD, models)
    assert flagged.withheld_mask_png_base64 is None and flagged.withheld_area_pixels == 0
    assert "withheld" in next(w.message for w in body.warnings if w.code == "models_disagree")


def test_a_slice_not_assessed_says_why_everywhere():
    hu = np.full((128, 128), AIR_HU, np.float32)
    hu[30:98, 30:98] = BRAIN_HU
    models = fake_models()
    result = predict_slice(models, ct_bytes(hu), threshold=THRESHOLD)
    body = slice_response(result, THRESHOLD, models)
    assert not body.assessed and body.not_assessed_reason == "no_skull" and not body.hemorrhage
    assert slice_headers(result, THRESHOLD, models)["X-ICH-Assessed"] == "false"
    assert overlay_caption(result, THRESHOLD) == (f"P={body.probability:.2f} (not assessed: no_skull)", None)
    assert "not_head_slice" in [w.code for w in body.warnings]
