"""The hemorrhage service: FastAPI routes over a decode -> preprocess -> infer -> postprocess -> encode pipeline."""
