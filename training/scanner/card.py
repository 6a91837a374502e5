"""The scanner and export mix as one JSON-ready record, for the model card of anything trained on it."""

from training.scanner.export import DICOM_RESCALES, EXPORT_FORM_WEIGHTS, JPEG_QUALITY, NIFTI_SLOPES
from training.scanner.export_render import GAMMA_PROBABILITY, GAMMA_RANGE, WINDOW_RANGES, WINDOW_WEIGHTS
from training.scanner.kernel import KERNEL_WEIGHTS, MTF50_CYCLES_PER_MM, NOISE_SIGMA_HU
from training.scanner.occasional import OCCASIONAL_WEIGHTS


def scanner_mix() -> dict:
    return {
        "kernels": dict(KERNEL_WEIGHTS),
        "kernel_mtf50_cycles_per_mm": {name: list(span) for name, span in MTF50_CYCLES_PER_MM.items()},
        "noise_sigma_hu": {name: list(span) for name, span in NOISE_SIGMA_HU.items()},
        "occasional": dict(OCCASIONAL_WEIGHTS),
        "export_forms": dict(EXPORT_FORM_WEIGHTS),
        "dicom_rescales_slope_intercept_stored_range": [list(r) for r in DICOM_RESCALES],
        "nifti_slopes": [s if s is not None else "float32" for s in NIFTI_SLOPES],
        "export_windows": dict(WINDOW_WEIGHTS),
        "export_window_centre_width_ranges": {name: [list(c), list(w)] for name, (c, w) in WINDOW_RANGES.items()},
        "export_gamma": {"probability": GAMMA_PROBABILITY, "range": list(GAMMA_RANGE)},
        "jpeg_quality": list(JPEG_QUALITY),
    }
