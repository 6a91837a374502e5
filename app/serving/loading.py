"""Which versions to serve (pinned or highest) and how to load them from the store."""

import logging
from collections.abc import Callable
from importlib.metadata import version

from app.config import Settings
from app.serving.device import detect_device, installed, nvidia_gpus
from app.serving.openvino_engine import openvino_predictor
from app.serving.runtime import LoadedModels, saved_model_predictor
from app.serving.tf_setup import configure_tensorflow, has_amx_bf16
from core.model_store import ModelVersion, resolve

log = logging.getLogger(__name__)


def resolve_pair(settings: Settings) -> tuple[ModelVersion, ModelVersion]:
    return (
        resolve(settings.model_store, settings.classifier_name, settings.classifier_version),
        resolve(settings.model_store, settings.segmenter_name, settings.segmenter_version),
    )


def resolved_versions(settings: Settings) -> tuple[int, int]:
    classifier, segmenter = resolve_pair(settings)
    return classifier.version, segmenter.version


def choose_engine(requested: str, device: str, tensorflow_installed: bool = True) -> str:
    """OpenVINO on a CPU (faster here, same fp32 answers); TensorFlow where it has a GPU and is installed (the CPU
    image has no TensorFlow, so on a GPU host it still serves, on the CPU)."""
    if requested != "auto":
        return requested
    return "tensorflow" if device == "gpu" and tensorflow_installed else "openvino"


def bf16_models(settings: Settings, engine: str, tensorflow_bf16: bool = False) -> dict[str, bool]:
    """Which models run in bf16. TensorFlow's rewrite is process-wide, so only OpenVINO, which compiles each model
    apart, can keep the classifier fp32 and run the ResUNet alone in bf16 (the one that passes the equivalence check).
    """
    if engine == "tensorflow":
        if settings.cpu_bf16_segmenter and not tensorflow_bf16 and has_amx_bf16():
            log.info("cpu_bf16_segmenter needs the OpenVINO engine; on TensorFlow the ResUNet runs fp32")
        return {"classifier": tensorflow_bf16, "segmenter": tensorflow_bf16}
    amx = has_amx_bf16()
    if (settings.cpu_bf16 or settings.cpu_bf16_segmenter) and not amx:
        log.info("this CPU has no amx_bf16: every model runs fp32")
    return {
        "classifier": settings.cpu_bf16 and amx,
        "segmenter": (settings.cpu_bf16 or settings.cpu_bf16_segmenter) and amx,
    }


def openvino_runtime() -> dict:
    """What /v1/info reports of the OpenVINO path: it runs on the CPU, whatever GPUs the host has, and never imports
    TensorFlow."""
    return {
        "device": "cpu",
        "gpus": nvidia_gpus(),
        "openvino": version("openvino"),
        "tensorflow": "not loaded",
        "amx_bf16": has_amx_bf16(),
    }


def store_loader(settings: Settings) -> Callable[[], LoadedModels]:
    def load() -> LoadedModels:
        device = detect_device()
        # Whether TensorFlow is installed matters, and is looked up, only on a GPU host.
        engine = choose_engine(settings.engine, device, device == "gpu" and installed("tensorflow"))
        classifier, segmenter = resolve_pair(settings)
        if engine == "tensorflow":
            setup = configure_tensorflow(settings.tf_options)  # once per process; later calls return the same setup
            bf16 = bf16_models(settings, engine, setup.cpu_bf16)
            models = (saved_model_predictor(classifier), saved_model_predictor(segmenter))
            runtime = setup.as_dict() | {"tensorflow": "loaded"}
        else:
            bf16 = bf16_models(settings, engine)
            models = (
                openvino_predictor(classifier, bf16["classifier"]),
                openvino_predictor(segmenter, bf16["segmenter"]),
            )
            runtime = openvino_runtime()
        precisions = {name: "bf16" if on else "fp32" for name, on in bf16.items()}
        runtime |= {"engine": engine, "precisions": precisions}
        return LoadedModels(*models, classifier, segmenter, engine=engine, precisions=precisions, runtime_info=runtime)

    return load
