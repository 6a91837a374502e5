"""The model wrapper: loads both SavedModels, warms them up, and only then says it is ready."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.errors import ModelNotReady
from core.model_input import Confinement
from core.model_store import ModelVersion, StoreError, paired_input

log = logging.getLogger(__name__)
Predict = Callable[[np.ndarray], np.ndarray]


@dataclass
class LoadedModels:
    classifier: Predict  # (N, H, W, 3) float32 -> (N, 6): any, then subtypes
    segmenter: Predict  # (N, H, W, 3) float32 -> (N, H, W, 1) probabilities
    classifier_version: ModelVersion
    segmenter_version: ModelVersion
    engine: str = "tensorflow"  # or "openvino"
    precisions: dict[str, str] = field(default_factory=lambda: {"classifier": "fp32", "segmenter": "fp32"})
    # The engine and device set-up the loader applied, for /v1/info.
    runtime_info: dict = field(default_factory=lambda: {"device": "unknown"})

    @property
    def versions(self) -> tuple[ModelVersion, ModelVersion]:
        return self.classifier_version, self.segmenter_version

    @property
    def input_size(self) -> tuple[int, int]:
        return self.classifier_version.card.input.size

    @property
    def context_slices(self) -> int:
        """Neighbouring slices each side that a 2.5D model takes; 0 for the 2-D models."""
        return self.classifier_version.card.input.context_slices

    @property
    def confinement(self) -> Confinement:
        """What of each slice the models see (core.model_input)."""
        return self.classifier_version.card.input.confinement

    @property
    def input_channels(self) -> int:
        return self.classifier_version.card.input.channel_count

    @property
    def mask_threshold(self) -> float:
        """P(bleed) at or above which a pixel is mask, as the segmenter's card says."""
        return self.segmenter_version.card.mask_threshold

    def __post_init__(self) -> None:
        classifier, segmenter = (version.card for version in self.versions)
        if not classifier.is_classifier or segmenter.is_classifier:
            raise StoreError("the classifier's card must describe a classifier and the segmenter's a segmenter")
        paired_input(classifier, segmenter)  # one input array feeds both

    @property
    def subtype_names(self) -> list[str]:
        return self.classifier_version.card.subtype_names

    def warm_up(self) -> None:
        """One inference so that graph tracing and allocation happen before the first request."""
        batch = np.zeros((1, *self.input_size, self.input_channels), np.float32)
        self.classifier(batch)
        self.segmenter(batch)


def saved_model_predictor(version: ModelVersion) -> Predict:
    import tensorflow as tf  # imported here so that tests with fake models never load TensorFlow

    # The closure must hold the loaded object: its variables die with it.
    loaded = tf.saved_model.load(str(version.path))

    def predict(batch: np.ndarray) -> np.ndarray:
        return loaded.serve(tf.constant(batch, tf.float32)).numpy()

    return predict


class ModelRuntime:
    """Holds the loaded models and a readiness flag; loads at start-up and reloads without a restart.

    A reload builds and warms the new models before swapping one reference, so requests in flight
    finish on the models they started with, and a failed reload leaves the old models serving.
    """

    def __init__(self, loader: Callable[[], LoadedModels]):
        self._loader = loader
        self._models: LoadedModels | None = None
        self.error: str | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._models is not None

    @property
    def models(self) -> LoadedModels:
        if self._models is None:
            raise ModelNotReady(self.error or "models are still loading")
        return self._models

    def load(self) -> bool:
        """Load (or reload) and warm up; True when the new models now serve."""
        with self._lock:
            try:
                models = self._loader()
                models.warm_up()
            except Exception as e:  # any failure must leave the service up, on its old models if it had some
                log.exception("model loading failed")
                detail = str(e) if isinstance(e, StoreError) else type(e).__name__
                self.error = f"model loading failed: {detail}"
                return False
            self._models, self.error = models, None
            log.info(
                "models ready",
                extra={"classifier": models.classifier_version.version, "segmenter": models.segmenter_version.version},
            )
            return True

    def load_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.load, name="model-loader", daemon=True)
        thread.start()
        return thread

    def poll_store(
        self, latest_versions: Callable[[], tuple[int, int]], interval_s: float, stop: threading.Event
    ) -> None:
        """Reload whenever the store's resolved versions differ from the served ones."""
        while not stop.wait(interval_s):
            try:
                wanted = latest_versions()
            except StoreError as e:
                log.warning("store poll failed: %s", e)
                continue
            current = self._models
            if current is None or wanted != (current.classifier_version.version, current.segmenter_version.version):
                self.load()
