"""Render the docs' example pictures with the shipped models: a phantom slice sent as DICOM, and a series montage.

    python -m experiments.render_examples --store model_store --out docs

Phantoms only (never licensed data); seeds outside training's, so the models have not seen these slices.
"""

import argparse
from pathlib import Path

import numpy as np

from app.pipeline.decode.series import assemble_series
from app.pipeline.encode.montage import montage_png
from app.pipeline.encode.overlay import overlay_png
from app.pipeline.flows.slice_flow import predict_slice
from app.pipeline.infer.step import infer
from app.serving.runtime import LoadedModels
from tests.app.dicom_files import ct_bytes, series_bytes
from tests.app.images import png
from training.phantoms.generator import generate_phantom, phantom_seeds

EXAMPLE_SEED, MATRIX = 77, 512
OVERLAY_NAME, MONTAGE_NAME = "overlay_example.png", "montage_example.png"
MONTAGE_SLICES = 12


def _threshold(models: LoadedModels) -> float:
    return models.classifier_version.card.threshold


def render_overlay_example(models: LoadedModels) -> bytes:
    """The first positive phantom of the example seeds, as a DICOM slice; reference outlined in green."""
    phantom = next(
        p for p in (generate_phantom(s, matrix=MATRIX) for s in phantom_seeds(EXAMPLE_SEED, 20)) if p.positive
    )
    result = predict_slice(models, ct_bytes(phantom.hu), png(phantom.mask.astype(np.uint8) * 255))
    caption = f"P(bleed)={result.probability:.2f}  Dice={result.dice:.2f}"
    return overlay_png(result.decoded.hu, result.mask, phantom.mask, caption)


def render_montage_example(models: LoadedModels) -> bytes:
    phantoms = [generate_phantom(s, matrix=MATRIX) for s in phantom_seeds(EXAMPLE_SEED, MONTAGE_SLICES)]
    series = assemble_series(
        series_bytes(np.stack([p.hu for p in phantoms])), MONTAGE_SLICES, MATRIX**2, MONTAGE_SLICES * MATRIX**2
    )
    result = infer(models, series.hu, series.spacing_mm, _threshold(models))
    return montage_png(series.hu, result.masks, result.slice_probabilities, _threshold(models))


def render_examples(models: LoadedModels, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in ((OVERLAY_NAME, render_overlay_example), (MONTAGE_NAME, render_montage_example)):
        (out / name).write_bytes(render(models))
        written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    from app.config import Settings
    from app.serving.loading import store_loader

    models = store_loader(Settings(model_store=args.store))()
    for path in render_examples(models, args.out):
        print(path)


if __name__ == "__main__":
    main()
