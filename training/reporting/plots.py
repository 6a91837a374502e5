"""PNG figures for the report, drawn on matplotlib Figure objects (no pyplot state, no display)."""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from core.windowing import BRAIN, apply_window
from training.reporting.scoring import Overlay

DPI = 110
REFERENCE_COLOUR, PREDICTION_COLOUR = "lime", "red"


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI)
    return path


def plot_roc(curves: dict, auc: float, path: Path) -> Path:
    fig = _figure(4.5, 4.5)
    ax = fig.subplots()
    ax.plot(curves["roc"]["false_positive_rate"], curves["roc"]["true_positive_rate"], label=f"AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title="ROC, any hemorrhage (slices)")
    ax.legend(loc="lower right")
    return _save(fig, path)


def plot_precision_recall(curves: dict, average_precision: float, prevalence: float, path: Path) -> Path:
    fig = _figure(4.5, 4.5)
    ax = fig.subplots()
    pr = curves["precision_recall"]
    ax.plot(pr["recall"], pr["precision"], label=f"AP {average_precision:.3f}")
    ax.axhline(prevalence, linestyle=":", color="grey", label=f"prevalence {prevalence:.2f}")
    ax.set(xlabel="recall (sensitivity)", ylabel="precision", title="Precision-recall", ylim=(0, 1.02))
    ax.legend(loc="lower left")
    return _save(fig, path)


def plot_calibration(calibration: dict, path: Path) -> Path:
    fig = _figure(4.5, 5.5)
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    top.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect")
    top.plot(calibration["mean_predicted"], calibration["observed_fraction"], marker="o", label="model")
    top.set(
        ylabel="observed fraction positive", title=f"Calibration (ECE {calibration['expected_calibration_error']:.3f})"
    )
    top.legend(loc="upper left")
    bottom.bar(calibration["mean_predicted"], calibration["count"], width=0.08)
    bottom.set(xlabel="predicted probability", ylabel="slices", xlim=(0, 1))
    return _save(fig, path)


def plot_dice_histogram(slice_dice: list[float], patient_dice: list[float], path: Path) -> Path:
    fig = _figure(8, 3.5)
    for ax, values, what in zip(
        fig.subplots(1, 2), (slice_dice, patient_dice), ("slices with hemorrhage", "patients (3-D)")
    ):
        ax.hist(values, bins=np.linspace(0, 1, 21), color="steelblue")
        ax.set(xlabel="Dice", ylabel="count", title=f"Dice, {what} (n={len(values)})")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _save(fig, path)


def plot_training_history(history: dict[str, list[float]], title: str, path: Path) -> Path:
    """One panel per metric, with its validation counterpart when there is one."""
    metrics = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    fig = _figure(4 * len(metrics), 3.5)
    for ax, metric in zip(np.atleast_1d(fig.subplots(1, len(metrics))), metrics):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], marker=".", label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], marker=".", label="validation")
        ax.set(xlabel="epoch", title=f"{title}: {metric}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    return _save(fig, path)


def plot_gallery(best: list[Overlay], worst: list[Overlay], path: Path) -> Path:
    """Brain-window slices with the reference outline in green and the prediction in red."""
    columns = max(len(best), len(worst), 1)
    fig = _figure(2.4 * columns, 5.4)
    axes = np.asarray(fig.subplots(2, columns, squeeze=False))
    for row, (overlays, label) in enumerate(((best, "best"), (worst, "worst"))):
        for column, ax in enumerate(axes[row]):
            ax.axis("off")
            if column >= len(overlays):
                continue
            tile = overlays[column]
            ax.imshow(apply_window(tile.hu, BRAIN), cmap="gray", vmin=0, vmax=1)
            for mask, colour in ((tile.reference, REFERENCE_COLOUR), (tile.predicted, PREDICTION_COLOUR)):
                if mask.any():
                    ax.contour(mask.astype(np.float32), levels=[0.5], colors=colour, linewidths=0.8)
            ax.set_title(f"{label}: Dice {tile.dice:.2f}\n{tile.patient_id} / {tile.slice_index}", fontsize=8)
    fig.suptitle("reference green, prediction red", fontsize=9)
    return _save(fig, path)
