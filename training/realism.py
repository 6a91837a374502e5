"""The realism check: generated normal slices against the real normal scan, at matched levels.

`python -m training.realism` writes docs/realism.png (figure), docs/realism.json (numbers) and
docs/realism_contact_sheet.png. The real scan (../shared/realct/invesalius_0051, GPL-2) is a
yardstick only: nothing here fits a parameter to it, and none of its pixels enter training.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from core.intracranial import head_mask, inner_table_distance_mm, intracranial_mask
from training.realism_measures import (
    EDGE_BINS_MM,
    PATCH_HU,
    edge_profile,
    flat_rois,
    largest_bright_patch,
    radial_nps,
    signed_table_distance_mm,
    tissue_values,
)
from training.realism_plots import contact_sheet, plot_comparison
from training.realism_sources import clean_source, generated_slices, load_real_volume, real_levels
from training.scanner import simulate_export, simulate_scanner

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Measured where the skull is a closed ring (flat brain, a clean inner table): ventricles to high convexity.
MEASURE_LEVELS = (0.45, 0.55, 0.65, 0.75)
CONTACT_LEVELS = (0.15, 0.35, 0.55, 0.75, 0.9)
PHANTOMS_PER_LEVEL, CONTACT_PHANTOM_ROWS = 4, 2
# Real slices within this many level units of a wanted level count for it.
REAL_LEVEL_TOLERANCE = 0.03
INTRACRANIAL_HIST_HU, BONE_HIST_HU = np.arange(-20.0, 101.0, 2.0), np.arange(100.0, 2601.0, 50.0)
SPEED_SLICES, SPEED_MATRIX = 40, 256
SEED = 2026


def _histogram(values: np.ndarray, edges: np.ndarray) -> dict:
    density, _ = np.histogram(values, edges, density=True)
    return {"hu": ((edges[:-1] + edges[1:]) / 2).round(1).tolist(), "density": density.round(6).tolist()}


def _summary(values: np.ndarray) -> dict:
    if values.size == 0:
        return {"pixels": 0}
    low, median, high = np.percentile(values, [25, 50, 75])
    return {
        "pixels": int(values.size),
        "median_hu": round(float(median), 1),
        "iqr_hu": [round(float(low), 1), round(float(high), 1)],
    }


def measure(slices: list[tuple[np.ndarray, tuple[float, float]]]) -> dict:
    """All the realism numbers for a set of slices, pooled."""
    values: dict[str, list] = {"csf": [], "brain": [], "intracranial": [], "bone": []}
    rois_by_pixel, profiles, patches = [], [], []
    for hu, spacing in slices:
        pixel_mm = float(np.mean(spacing))
        inside, head = intracranial_mask(hu, spacing), head_mask(hu)
        for name, array in tissue_values(hu, inside, head).items():
            values[name].append(array)
        depth_mm = inner_table_distance_mm(inside, spacing)
        patches.append(largest_bright_patch(hu, inside, depth_mm, pixel_mm))
        rois = flat_rois(hu, depth_mm, pixel_mm)
        if rois:
            rois_by_pixel.append((pixel_mm, rois))
        profiles.append(edge_profile(hu, signed_table_distance_mm(inside, head, pixel_mm)))
    pooled = {name: np.concatenate(arrays) for name, arrays in values.items()}
    spectra = [radial_nps(rois, pixel_mm) for pixel_mm, rois in rois_by_pixel]
    grid = np.arange(0.02, min(f.max() for f, _ in spectra), 0.04)
    nps = np.mean([np.interp(grid, f, p) for f, p in spectra], axis=0)
    sigma = float(np.mean([roi.std() for _, rois in rois_by_pixel for roi in rois]))
    profile = np.nanmean(profiles, axis=0)
    mm = (EDGE_BINS_MM[:-1] + EDGE_BINS_MM[1:]) / 2
    near, deep = profile[(mm > 0.5) & (mm < 3.0)].mean(), profile[(mm > 8.0) & (mm < 12.0)].mean()
    return {
        "slices": len(slices),
        "tissue": {name: _summary(array) for name, array in pooled.items()},
        "csf_fraction_of_intracranial": round(pooled["csf"].size / max(pooled["intracranial"].size, 1), 3),
        "intracranial_hist": _histogram(pooled["intracranial"], INTRACRANIAL_HIST_HU),
        "bone_hist": _histogram(pooled["bone"], BONE_HIST_HU),
        "nps": {
            "frequency": grid.round(3).tolist(),
            "nps": nps.round(3).tolist(),
            "rois": sum(len(rois) for _, rois in rois_by_pixel),
            "sigma_hu": round(sigma, 2),
            "peak_cycles_per_mm": round(float(grid[int(np.argmax(nps))]), 3),
            "mean_cycles_per_mm": round(float((grid * nps).sum() / nps.sum()), 3),
        },
        "edge": {
            "mm": mm.round(2).tolist(),
            "hu": np.round(profile, 1).tolist(),
            "band_excess_hu": round(float(near - deep), 1),
            "brain_8_12mm_hu": round(float(deep), 1),
        },
        "inner_table_patch": {  # per slice: the largest patch over PATCH_HU inside the skull
            "over_hu": PATCH_HU,
            "area_mm2_median_p75_max": np.percentile([a for a, _ in patches], [50, 75, 100]).round(1).tolist(),
            "depth_mm_median": round(float(np.median([d for _, d in patches])), 2),
        },
    }


def _cpu_ms_per_call(function, inputs: list, rng: np.random.Generator) -> float:
    """CPU time (all threads of this process) per call: wall time is meaningless on a shared machine."""
    start = time.process_time()
    for index in range(SPEED_SLICES):
        hu, spacing = inputs[index % len(inputs)]
        function(hu, rng, spacing)
    return round((time.process_time() - start) / SPEED_SLICES * 1e3, 2)


def speed_ms() -> dict:
    """Mean CPU milliseconds per 256x256 slice of simulate_scanner and simulate_export."""
    _, clean = clean_source()
    inputs = [clean(SEED + index, level, SPEED_MATRIX) for index, level in enumerate(CONTACT_LEVELS)]
    rng = np.random.default_rng(SEED)
    return {
        "simulate_scanner": _cpu_ms_per_call(simulate_scanner, inputs, rng),
        "simulate_export": _cpu_ms_per_call(lambda hu, rng, _: simulate_export(hu, rng), inputs, rng),
        "slices": SPEED_SLICES,
        "clock": "process CPU time",
    }


def run(out: Path = DOCS) -> dict:
    volume, spacing = load_real_volume()
    levels = real_levels(len(volume))
    real = [
        (volume[i], spacing)
        for level in MEASURE_LEVELS
        for i in np.nonzero(np.abs(levels - level) <= REAL_LEVEL_TOLERANCE)[0]
    ]
    generated = [
        s
        for index, level in enumerate(MEASURE_LEVELS)
        for s in generated_slices(level, PHANTOMS_PER_LEVEL, SEED + 100 * index)
    ]
    results = {
        "levels": list(MEASURE_LEVELS),
        "real": {**measure(real), "source": "invesalius_0051 (GPL-2, evaluation only)"},
        "phantom": {**measure(generated), "source": clean_source()[0]},
        "speed_ms_per_256_slice": speed_ms(),
    }
    plot_comparison(results, out / "realism.png")
    sheet_real = [(level, volume[int(np.argmin(np.abs(levels - level)))]) for level in CONTACT_LEVELS]
    sheet_generated = [
        [hu for hu, _ in generated_slices(level, CONTACT_PHANTOM_ROWS, SEED + 7)] for level in CONTACT_LEVELS
    ]
    contact_sheet(sheet_real, sheet_generated, out / "realism_contact_sheet.png")
    (out / "realism.json").write_text(json.dumps(results, indent=1) + "\n")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DOCS, help="folder for realism.png, realism.json, realism_contact_sheet.png"
    )
    results = run(parser.parse_args(argv).out)
    for side in ("real", "phantom"):
        measured = results[side]
        print(
            f"{side:8s} brain median {measured['tissue']['brain']['median_hu']} HU, noise sigma {measured['nps']['sigma_hu']} HU, "
            f"NPS peak {measured['nps']['peak_cycles_per_mm']}/mm, inner-table band {measured['edge']['band_excess_hu']:+} HU"
        )
    print("CPU ms per 256x256 slice:", results["speed_ms_per_256_slice"])


if __name__ == "__main__":
    main()
