"""Which versions to serve (pinned or highest) and how to load them from the store."""

import logging
from collections.abc import Callable

from app.config import Settings
from app.serving.openvino_engine import openvino_predictor
from app.serving.runtime import LoadedModels, saved_model_predictor
from app.serving.store import ModelVersion, resolve
from app.serving.tf_setup import TFSetup, configure_tensorflow, has_amx_bf16

log = logging.getLogger(__name__)


def resolve_pair(settings: Settings) -> tuple[ModelVersion, ModelVersion]:
    return (
        resolve(settings.model_store, settings.classifier_name, settings.classifier_version),
        resolve(settings.model_store, settings.segmenter_name, settings.segmenter_version),
    )


def resolved_versions(settings: Settings) -> tuple[int, int]:
    classifier, segmenter = resolve_pair(settings)
    return classifier.version, segmenter.version


def choose_engine(requested: str, setup: TFSetup) -> str:
    """OpenVINO on a CPU (faster here, same fp32 answers); TensorFlow where it has a GPU."""
    if requested != "auto":
        return requested
    return "tensorflow" if setup.device == "gpu" else "openvino"


def bf16_models(settings: Settings, setup: TFSetup, engine: str) -> dict[str, bool]:
    """Which models run in bf16. TensorFlow's rewrite is process-wide, so only OpenVINO, which compiles each model
    apart, can keep the classifier fp32 and run the ResUNet alone in bf16 (the one that passes the equivalence check)."""
    segmenter_alone = settings.cpu_bf16_segmenter and engine == "openvino" and has_amx_bf16()
    if settings.cpu_bf16_segmenter and not segmenter_alone:
        log.warning("cpu_bf16_segmenter needs the OpenVINO engine and a CPU with amx_bf16; the ResUNet runs fp32")
    return {"classifier": setup.cpu_bf16, "segmenter": setup.cpu_bf16 or segmenter_alone}


def store_loader(settings: Settings) -> Callable[[], LoadedModels]:
    def load() -> LoadedModels:
        setup = configure_tensorflow(settings.tf_options)  # once per process; later calls return the same setup
        engine = choose_engine(settings.engine, setup)
        bf16 = bf16_models(settings, setup, engine)
        classifier, segmenter = resolve_pair(settings)
        if engine == "openvino":
            models = (
                openvino_predictor(classifier, bf16["classifier"]),
                openvino_predictor(segmenter, bf16["segmenter"]),
            )
        else:
            models = (saved_model_predictor(classifier), saved_model_predictor(segmenter))
        precisions = {name: "bf16" if on else "fp32" for name, on in bf16.items()}
        return LoadedModels(*models, classifier, segmenter, engine=engine, precisions=precisions)

    return load
