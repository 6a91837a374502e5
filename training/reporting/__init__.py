"""Held-out evaluation a reviewer can check: per-slice results, metrics by patient, subtype and size, plots."""
