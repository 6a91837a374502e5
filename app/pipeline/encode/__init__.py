"""Encode: masks and pictures -> bytes (1-bit PNG masks, NIfTI mask volumes, overlays, montages)."""
