"""The served pair as the phantom studies load it: each SavedModel, the input both are fed, the classifier's
threshold; and fresh phantoms drawn for that input."""

import argparse
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from core.model_input import NO_CONFINEMENT
from core.model_store import ModelVersion, paired_input, resolve
from training.evaluate_store import CLASSIFIER, SEGMENTER, load_saved_model
from training.phantom_data import build_arrays
from training.shards import ShardSpec

WORKERS = 2


@dataclass
class ServedPair:
    classifier: ModelVersion
    segmenter: ModelVersion

    @cached_property
    def classify(self):
        return load_saved_model(self.classifier.path)

    @cached_property
    def segment(self):
        return load_saved_model(self.segmenter.path)

    @property
    def threshold(self) -> float:
        return self.classifier.card.threshold

    @property
    def spec(self) -> ShardSpec:
        feed = paired_input(self.classifier.card, self.segmenter.card)
        return ShardSpec(feed.size, feed.context_slices, feed.confinement)

    def describe(self) -> dict:
        return {"classifier": self.classifier.version, "segmenter": self.segmenter.version, "threshold": self.threshold}

    def phantoms(self, seed: int, count: int, brain_window_fraction: float, mix: dict, eight_bit_exports=False):
        """Fresh phantoms fed as this pair is fed, with their masks at each slice's own matrix; `eight_bit_exports`:
        the 8-bit ones drawn as training.scanner's exports (training.held_out_forms' exported_8bit)."""
        return self._arrays(seed, count, brain_window_fraction, mix, eight_bit_exports, keep_native=True)

    def hu_phantoms(
        self,
        seed: int,
        count: int,
        brain_window_fraction: float,
        mix: dict,
        confined: bool = True,
        eight_bit_exports: bool = False,
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Fresh phantoms as float32 HU at this pair's size, confined as it is fed unless not `confined` (for studies
        that edit the HU before the service's confinement and windowing), and whether each bleeds."""
        confinement = self.spec.confinement if confined else NO_CONFINEMENT
        arrays = self._arrays(
            seed, count, brain_window_fraction, mix, eight_bit_exports, confinement=confinement, hu_only=True
        )
        return [np.asarray(hu[..., 0], np.float32) for hu in arrays.images], arrays.labels[:, 0] > 0.5

    def _arrays(self, seed, count, brain_window_fraction, mix, eight_bit_exports, **options):
        """build_arrays at this pair's input (size, context, confinement unless `options` say otherwise)."""
        spec = self.spec
        options = {"confinement": spec.confinement, **options}
        return build_arrays(
            seed,
            count,
            size=spec.size,
            slices=spec.slices,
            brain_window_fraction=brain_window_fraction,
            workers=WORKERS,
            mix=mix,
            eight_bit_exports=eight_bit_exports,
            **options,
        )


def served_pair(store: Path) -> ServedPair:
    return ServedPair(resolve(store, CLASSIFIER, None), resolve(store, SEGMENTER, None))


def study_arguments(doc: str, count: int | None = None, count_help: str = "") -> argparse.ArgumentParser:
    """The options every study of the served pair takes: the store, how many phantoms (for a phantom study), where
    the JSON goes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("model_store"))
    if count is not None:
        parser.add_argument("--count", type=int, default=count, help=count_help)
    parser.add_argument("--json", type=Path)
    return parser
