"""Serving benchmark: the service against the naive baseline, side by side on one machine (`python -m bench`)."""
