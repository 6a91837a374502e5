"""Postprocess: what the card asks (calibration, scan rule, assessment limits), per-slice checks and the warnings."""
