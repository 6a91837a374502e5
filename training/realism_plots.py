"""The realism check's pictures: one figure of the measured comparisons, and a contact sheet."""

from pathlib import Path

import cv2
import numpy as np

from core.windowing import hu_to_brain_window_pixels
from training.realism_measures import BRAIN_HU, CSF_HU, EDGE_BINS_MM

TILE = 256
SIDE_COLOURS = {"real": "black", "phantom": "tab:orange"}


def plot_comparison(results: dict, path: Path) -> None:
    """2x2: intracranial HU, bone HU, noise power spectrum, inner-table profile; real against phantom."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for side, colour in SIDE_COLOURS.items():
        measured = results[side]
        label = f"{side} ({measured['slices']} slices)"
        axes[0, 0].plot(
            measured["intracranial_hist"]["hu"], measured["intracranial_hist"]["density"], color=colour, label=label
        )
        axes[0, 1].plot(measured["bone_hist"]["hu"], measured["bone_hist"]["density"], color=colour, label=label)
        axes[1, 0].plot(
            measured["nps"]["frequency"],
            measured["nps"]["nps"],
            color=colour,
            label=f"{side}: sigma {measured['nps']['sigma_hu']:.1f} HU, peak {measured['nps']['peak_cycles_per_mm']:.2f}/mm",
        )
        axes[1, 1].plot(
            measured["edge"]["mm"],
            measured["edge"]["hu"],
            color=colour,
            marker=".",
            label=f"{side}: 0.5-3 mm minus 8-12 mm = {measured['edge']['band_excess_hu']:+.1f} HU",
        )
    for low, high, name in ((*CSF_HU, "CSF"), (*BRAIN_HU, "brain")):
        axes[0, 0].axvspan(
            low, high, alpha=0.08, color="tab:blue" if name == "CSF" else "tab:green", label=f"{name} range"
        )
    axes[0, 0].set(title="HU inside the skull", xlabel="HU", ylabel="density")
    axes[0, 1].set(title="bone HU (head, >= 100 HU)", xlabel="HU", ylabel="density", yscale="log")
    axes[1, 0].set(title="noise power spectrum, flat brain ROIs", xlabel="cycles/mm", ylabel="NPS (HU² mm²)")
    axes[1, 1].set(
        title="mean HU across the inner table",
        xlabel="mm from the inner table (bone < 0 < brain)",
        ylabel="HU",
        ylim=(-20, 200),
        xlim=(EDGE_BINS_MM[0], EDGE_BINS_MM[-1]),
    )
    for axis in axes.ravel():
        axis.legend(fontsize=7)
        axis.grid(alpha=0.3)
    figure.suptitle(
        f"Realism check: {results['phantom']['source']} phantoms against the real normal scan "
        f"at levels {results['levels']}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _tile(hu: np.ndarray, caption: str) -> np.ndarray:
    tile = cv2.resize(hu_to_brain_window_pixels(hu), (TILE, TILE), interpolation=cv2.INTER_AREA)
    cv2.putText(tile, caption, (6, TILE - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 255, 1, cv2.LINE_AA)
    return tile


def contact_sheet(real: list[tuple[float, np.ndarray]], phantoms: list[list[np.ndarray]], path: Path) -> None:
    """Brain window 40/80. Top row: real slices; below: phantoms at the same levels, column by column."""
    rows = [np.hstack([_tile(hu, f"real, level {level:.2f}") for level, hu in real])]
    for row in zip(*phantoms):
        rows.append(np.hstack([_tile(hu, f"phantom, level {level:.2f}") for (level, _), hu in zip(real, row)]))
    cv2.imwrite(str(path), np.vstack(rows))
