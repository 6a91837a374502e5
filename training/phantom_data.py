"""Phantom sets as model-ready arrays, in both input forms the service receives.

Real inputs arrive either as HU (DICOM, NIfTI, 16-bit PNG) or as 8-bit brain-window images whose
HU outside 0..80 is lost. A fraction of every set goes through that lossy export so that the
models learn both forms.
"""

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from core.model_input import MODEL_SIZE, to_model_input
from core.resize import resize_mask
from core.windowing import as_brain_window_export
from training.models.classifier import SUBTYPES
from training.phantoms.generator import generate_phantom, phantom_seeds

# Seeds of the three disjoint phantom sets.
TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 1, 2, 3
BRAIN_WINDOW_FRACTION = 0.35


@dataclass
class ArraySet:
    images: np.ndarray  # float16 (N, H, W, 3) window stacks
    masks: np.ndarray  # uint8 (N, H, W, 1) at model size
    labels: np.ndarray  # float32 (N, 6): any, then SUBTYPES
    brain_window: np.ndarray  # bool (N,): sent through the 8-bit brain-window export
    native_masks: list[np.ndarray] | None = None  # bool masks at each phantom's own matrix

    def __len__(self) -> int:
        return len(self.labels)


def _one(args) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    seed, as_png, size, keep_native = args
    phantom = generate_phantom(seed)
    hu = as_brain_window_export(phantom.hu) if as_png else phantom.hu
    image = to_model_input(hu, size).astype(np.float16)
    mask = resize_mask(phantom.mask, size).astype(np.uint8)[..., None]
    labels = np.array([phantom.positive] + [phantom.labels[s] for s in SUBTYPES], np.float32)
    return image, mask, labels, (phantom.mask if keep_native else None)


def build_arrays(
    base_seed: int,
    count: int,
    size: tuple[int, int] = MODEL_SIZE,
    brain_window_fraction: float = BRAIN_WINDOW_FRACTION,
    workers: int = 2,
    keep_native: bool = False,
) -> ArraySet:
    """Generate `count` phantoms from `base_seed` and preprocess them exactly as serving does."""
    form_rng = np.random.default_rng([base_seed, 999])
    as_png = form_rng.random(count) < brain_window_fraction
    jobs = [(seed, bool(png), size, keep_native) for seed, png in zip(phantom_seeds(base_seed, count), as_png)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_one, jobs, chunksize=16))
    else:
        results = [_one(job) for job in jobs]
    images, masks, labels, native = zip(*results)
    native_masks = list(native) if keep_native else None
    return ArraySet(np.stack(images), np.stack(masks), np.stack(labels), as_png, native_masks)
