"""Pictures for people: the brain-window CT slice with the predicted bleed filled and outlined in colour.

Colours are BGR (OpenCV's order). Predicted bleed: red fill and outline; reference mask, when sent: green outline;
the segmenter's outline withheld from the answer (a slice the classifier does not flag): yellow outline.
"""

import cv2
import numpy as np

from core.windowing import hu_to_brain_window_pixels

BLEED_BGR = (0, 0, 255)
REFERENCE_BGR = (0, 220, 0)
WITHHELD_BGR = (0, 220, 255)
WITHHELD_LEGEND = "YELLOW: NOT FLAGGED, WITHHELD"
TEXT_BGR = (255, 255, 255)
FILL_ALPHA = 0.35
# Outlines and text scale with the matrix so that a 512 slice reads like a 256 one.
REFERENCE_MATRIX = 256
NOTICE = "NOT FOR CLINICAL USE"


def _scale(image: np.ndarray) -> float:
    return max(image.shape[:2]) / REFERENCE_MATRIX


def _outline(image: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> None:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(image, contours, -1, colour, max(1, round(_scale(image))), lineType=cv2.LINE_AA)


def put_text(image: np.ndarray, text: str, corner: str = "top", size: float | None = None, line: int = 0) -> None:
    """White text on a dark band, at the top or bottom left, sized to the picture unless `size` says;
    `line` 1 sits under a top line 0 (or above a bottom one)."""
    size = size or _scale(image)
    scale = 0.4 * size
    thickness = max(1, round(size))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    margin = max(2, height // 3)
    step = line * (height + baseline + 2 * margin)
    top = margin + step if corner == "top" else image.shape[0] - height - baseline - 2 * margin - step
    cv2.rectangle(image, (0, top - margin), (width + 2 * margin, top + height + baseline + margin), (0, 0, 0), -1)
    cv2.putText(image, text, (margin, top + height), cv2.FONT_HERSHEY_SIMPLEX, scale, TEXT_BGR, thickness, cv2.LINE_AA)


def render_overlay(
    hu: np.ndarray,
    mask: np.ndarray,
    reference: np.ndarray | None = None,
    caption: str | None = None,
    notice: bool = True,
    caveat: str | None = None,
    withheld: np.ndarray | None = None,
) -> np.ndarray:
    """HU (H, W) and bool masks (H, W) -> uint8 BGR (H, W, 3): brain window (40/80), bleed in colour."""
    gray = hu_to_brain_window_pixels(hu)
    image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if mask.any():
        tinted = image.astype(np.float32)
        tinted[mask] = (1 - FILL_ALPHA) * tinted[mask] + FILL_ALPHA * np.asarray(BLEED_BGR, np.float32)
        image = np.round(tinted).astype(np.uint8)
        _outline(image, mask, BLEED_BGR)
    if reference is not None and reference.any():
        _outline(image, reference, REFERENCE_BGR)
    if withheld is not None and withheld.any():
        _outline(image, withheld, WITHHELD_BGR)
    if caption:
        put_text(image, caption, "top")
    if caveat:  # e.g. the models disagree: said on the picture, not only in the JSON
        put_text(image, caveat, "top", line=1)
    if withheld is not None and withheld.any():
        put_text(image, WITHHELD_LEGEND, "top", line=2 if caveat else 1)
    if notice:
        put_text(image, NOTICE, "bottom")
    return image


def encode_png(image: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buffer.tobytes()


def overlay_png(
    hu: np.ndarray,
    mask: np.ndarray,
    reference: np.ndarray | None = None,
    caption: str | None = None,
    caveat: str | None = None,
    withheld: np.ndarray | None = None,
):
    return encode_png(render_overlay(hu, mask, reference, caption, caveat=caveat, withheld=withheld))
