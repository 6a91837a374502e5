"""Slice pipeline steps: decode -> preprocess -> infer -> postprocess -> encode. No FastAPI in here."""
