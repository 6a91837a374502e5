"""Render a grid of phantoms in the brain window, bleeds outlined in red: python -m training.contact_sheet.

`--atlas` pairs each row of procedural phantoms with a row of atlas heads (training.atlas) at matched
levels, for docs/phantoms_atlas.png; `--ct` with the procedural_ct phantoms of the same seeds (same level and bleed
types; a skull of varying thickness and training.scanner's physics), for docs/phantoms_ct.png.
"""

import argparse
from pathlib import Path

import cv2
import numpy as np

from core.resize import resize_image, resize_mask
from core.windowing import hu_to_brain_window_pixels
from training.atlas import generate_slice
from training.phantoms import generate_phantom
from training.phantoms.generator import phantom_seeds

TILE = 256
ABBREVIATIONS = {
    "epidural": "EDH",
    "subdural": "SDH",
    "subarachnoid": "SAH",
    "intraparenchymal": "IPH",
    "intraventricular": "IVH",
}


def tile(phantom, note: str = "") -> np.ndarray:
    gray = hu_to_brain_window_pixels(resize_image(phantom.hu, (TILE, TILE)))
    picture = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    mask = resize_mask(phantom.mask, (TILE, TILE)).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(picture, contours, -1, (0, 0, 255), 1)
    names = ",".join(ABBREVIATIONS[s] for s, present in phantom.labels.items() if present and s in ABBREVIATIONS)
    caption = f"{note or str(phantom.hu.shape[0]) + 'px'} {names or 'negative'}"
    cv2.putText(picture, caption, (4, TILE - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 255, 255), 1, cv2.LINE_AA)
    return picture


def _atlas_tile(seed, positive: bool, phantom) -> np.ndarray:
    head = generate_slice(seed, positive=positive, level=phantom.level)
    return tile(head, f"atlas L{head.extra['level']:.2f} {head.spacing_mm[2]:.1f}mm")


def _ct_tile(seed, positive: bool, phantom) -> np.ndarray:
    return tile(generate_phantom(seed, positive=positive, ct_physics=True), f"procedural_ct L{phantom.level:.2f}")


def paired_rows(seeds, cols: int, partner) -> list[np.ndarray]:
    """Procedural phantoms and, under each, `partner`'s tile for the same seed at the same level (0 base, 1 vertex)."""
    rows = []
    for start in range(0, len(seeds), cols):
        row_seeds = seeds[start : start + cols]
        phantoms = [generate_phantom(s, positive=i % 2 == 0) for i, s in enumerate(row_seeds)]
        rows.append(np.hstack([tile(p, f"procedural L{p.level:.2f}") for p in phantoms]))
        rows.append(np.hstack([partner(s, i % 2 == 0, p) for i, (s, p) in enumerate(zip(row_seeds, phantoms))]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atlas", action="store_true", help="pair procedural rows with atlas heads at matched levels")
    parser.add_argument("--ct", action="store_true", help="pair procedural rows with procedural_ct phantoms")
    parser.add_argument(
        "--out", type=Path, default=None, help="docs/phantoms.png, phantoms_atlas.png or phantoms_ct.png"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--cols", type=int, default=6)
    args = parser.parse_args()
    seeds = phantom_seeds(args.seed, args.rows * args.cols)
    args.out = args.out or Path(
        "docs/phantoms_atlas.png" if args.atlas else "docs/phantoms_ct.png" if args.ct else "docs/phantoms.png"
    )
    if args.atlas or args.ct:
        rows = paired_rows(seeds, args.cols, _atlas_tile if args.atlas else _ct_tile)
    else:
        # Half the sheet positive so that every subtype shows.
        tiles = [tile(generate_phantom(s, positive=i % 2 == 0)) for i, s in enumerate(seeds)]
        rows = [np.hstack(tiles[r * args.cols : (r + 1) * args.cols]) for r in range(args.rows)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), np.vstack(rows))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
