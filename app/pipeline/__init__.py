"""The imaging pipeline, one folder a step: decode -> infer (preprocess, classify, segment) -> postprocess -> encode,
and the flows that chain them for a slice and for a scan. No FastAPI and no settings in here (docs/architecture.md)."""
