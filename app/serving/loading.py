"""Which versions to serve (pinned or highest) and how to load them from the store."""

from collections.abc import Callable
from functools import partial

from app.config import Settings
from app.serving.openvino_engine import openvino_predictor
from app.serving.runtime import LoadedModels, saved_model_predictor
from app.serving.store import ModelVersion, resolve
from app.serving.tf_setup import TFSetup, configure_tensorflow


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


def store_loader(settings: Settings) -> Callable[[], LoadedModels]:
    def load() -> LoadedModels:
        setup = configure_tensorflow(settings.tf_options)  # once per process; later calls return the same setup
        engine = choose_engine(settings.engine, setup)
        predictor = partial(openvino_predictor, bf16=setup.cpu_bf16) if engine == "openvino" else saved_model_predictor
        classifier, segmenter = resolve_pair(settings)
        return LoadedModels(predictor(classifier), predictor(segmenter), classifier, segmenter, engine=engine)

    return load
