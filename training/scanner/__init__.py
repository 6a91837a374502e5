"""Scanner physics and the forms images arrive in, applied to 2-D HU slices (numpy/OpenCV only)."""

from training.scanner.card import scanner_mix
from training.scanner.export import EXPORT_FORM_WEIGHTS, simulate_export, simulate_export_with_mask
from training.scanner.simulate import simulate_scanner

__all__ = ["EXPORT_FORM_WEIGHTS", "scanner_mix", "simulate_export", "simulate_export_with_mask", "simulate_scanner"]
