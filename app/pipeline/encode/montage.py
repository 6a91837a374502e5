"""A montage of a series' flagged slices: one captioned overlay tile per slice, in slice order."""

import math

import numpy as np

from app.pipeline.encode.overlay import NOTICE, encode_png, put_text, render_overlay
from core.resize import resize_image, resize_mask

TILE = 256
MAX_TILES = 16


def montage_slices(probabilities: np.ndarray, threshold: float, max_tiles: int = MAX_TILES) -> list[int]:
    """Flagged slices (P >= threshold), the most probable first when there are too many, shown in slice order.

    With nothing flagged, the most suspicious slice alone, so the picture is never empty.
    """
    flagged = np.flatnonzero(probabilities >= threshold)
    if flagged.size == 0:
        return [int(np.argmax(probabilities))]
    strongest = flagged[np.argsort(-probabilities[flagged], kind="stable")[:max_tiles]]
    return sorted(int(i) for i in strongest)


def _tile(hu: np.ndarray, mask: np.ndarray, caption: str) -> np.ndarray:
    square = max(hu.shape)
    # Pad to a square with air so that tiles keep the slice's aspect ratio.
    padded_hu = np.full((square, square), hu.min(), np.float32)
    padded_mask = np.zeros((square, square), bool)
    padded_hu[: hu.shape[0], : hu.shape[1]], padded_mask[: hu.shape[0], : hu.shape[1]] = hu, mask
    tile_hu = resize_image(padded_hu, (TILE, TILE))
    tile_mask = resize_mask(padded_mask, (TILE, TILE))
    return render_overlay(tile_hu, tile_mask, caption=caption, notice=False)


def montage_png(
    hu: np.ndarray, masks: np.ndarray, probabilities: np.ndarray, threshold: float, max_tiles: int = MAX_TILES
) -> bytes:
    """hu float32 (S, H, W), masks bool (S, H, W), P(any) per slice -> PNG grid of the selected slices."""
    chosen = montage_slices(probabilities, threshold, max_tiles)
    tiles = [_tile(hu[i], masks[i], f"slice {i}  P={probabilities[i]:.2f}") for i in chosen]
    columns = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    sheet = np.zeros((rows * TILE, columns * TILE, 3), np.uint8)
    for position, tile in enumerate(tiles):
        row, column = divmod(position, columns)
        sheet[row * TILE : (row + 1) * TILE, column * TILE : (column + 1) * TILE] = tile
    put_text(sheet, NOTICE, "bottom", size=1.0)
    return encode_png(sheet)
