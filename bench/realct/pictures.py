"""Pictures of a run: every slice with its mask (montage.png) and probability and mask area along the stack
(profile.png)."""

import math
from pathlib import Path

import cv2
import numpy as np

from app.pipeline.encode.overlay import NOTICE, put_text, render_overlay
from core.resize import resize_image, resize_mask

TILE = 128
COLUMNS = 12
LEVEL_SHORT = {
    "below_foramen_magnum": "below FM",
    "posterior_fossa_skull_base": "PF/base",
    "ventricles": "ventr",
    "centrum_semiovale": "CSO",
    "vertex": "vertex",
}


def _tile(hu: np.ndarray, mask: np.ndarray, caption: str, flagged: bool) -> np.ndarray:
    tile = render_overlay(resize_image(hu, (TILE, TILE)), resize_mask(mask, (TILE, TILE)), notice=False)
    put_text(tile, caption, "top", size=0.8)
    if flagged:  # a yellow frame: the classifier said yes on this slice
        cv2.rectangle(tile, (0, 0), (TILE - 1, TILE - 1), (0, 220, 255), 2)
    return tile


def montage(hu: np.ndarray, masks: np.ndarray, rows: list[dict], path: Path) -> None:
    """Every slice, inferior first, its mask in red, flagged slices framed; captions: index, level, P."""
    count = len(hu)
    grid_rows = math.ceil(count / COLUMNS)
    sheet = np.zeros((grid_rows * TILE + 24, COLUMNS * TILE, 3), np.uint8)
    for i in range(count):
        row, column = divmod(i, COLUMNS)
        probability = rows[i]["probability"]
        shown = "n/a" if probability is None else f"{probability:.2f}"  # None: the answer did not assess the slice
        caption = f"{i} {LEVEL_SHORT[rows[i]['level']]} P{shown}"
        sheet[row * TILE : (row + 1) * TILE, column * TILE : (column + 1) * TILE] = _tile(
            hu[i], masks[i], caption, rows[i]["flagged"]
        )
    put_text(sheet, NOTICE + " - red: predicted mask, yellow frame: slice flagged", "bottom", size=1.0)
    cv2.imwrite(str(path), sheet)


def profile(rows_by_form: dict[str, list[dict]], threshold: float, path: Path, slice_mm: float | None) -> None:
    """P(any) and mask area against slice position, one line per form, the level bands shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.8), sharex=True)
    step = slice_mm or 1.0
    for name, rows in rows_by_form.items():
        position = np.arange(len(rows)) * step
        width = 2.0 if name == "hu" else 0.9
        probability = [np.nan if r["probability"] is None else r["probability"] for r in rows]
        top.plot(position, probability, label=name, linewidth=width)
        bottom.plot(position, [r["mask_mm2"] for r in rows], label=name, linewidth=width)
    top.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label=f"threshold {threshold:.3f}")
    levels = next(iter(rows_by_form.values()))
    start = 0
    for i in range(1, len(levels) + 1):
        if i == len(levels) or levels[i]["level"] != levels[start]["level"]:
            shade = 0.06 if list(LEVEL_SHORT).index(levels[start]["level"]) % 2 else 0.0
            for axis in (top, bottom):
                axis.axvspan(start * step, i * step, color="grey", alpha=shade, linewidth=0)
            top.text((start + i) / 2 * step, 1.02, LEVEL_SHORT[levels[start]["level"]], ha="center", fontsize=8)
            start = i
    top.set_ylabel("P(any hemorrhage)")
    top.set_ylim(0, 1.08)
    bottom.set_ylabel("mask area, mm²")
    bottom.set_xlabel("position from the first (most inferior) slice, mm" if slice_mm else "slice")
    bottom.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    figure.suptitle("Real normal head CT through the served models (truth: no bleed). " + NOTICE, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
