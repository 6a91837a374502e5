"""Which versions to serve (pinned or highest) and how to load them from the store."""

from collections.abc import Callable

from app.config import Settings
from app.serving.runtime import LoadedModels, saved_model_predictor
from app.serving.store import ModelVersion, resolve


def resolve_pair(settings: Settings) -> tuple[ModelVersion, ModelVersion]:
    return (
        resolve(settings.model_store, settings.classifier_name, settings.classifier_version),
        resolve(settings.model_store, settings.segmenter_name, settings.segmenter_version),
    )


def resolved_versions(settings: Settings) -> tuple[int, int]:
    classifier, segmenter = resolve_pair(settings)
    return classifier.version, segmenter.version


def store_loader(settings: Settings) -> Callable[[], LoadedModels]:
    def load() -> LoadedModels:
        classifier, segmenter = resolve_pair(settings)
        return LoadedModels(saved_model_predictor(classifier), saved_model_predictor(segmenter), classifier, segmenter)

    return load
