"""Batches for Keras from phantoms held in memory as confined HU (training.phantom_data.ArraySet), augmented and
windowed as the tf.data pipeline does it (training.augment_arrays): training.fit_in_memory's feed, on any backend."""

import keras
import numpy as np

from core.model_input import context_window_stack
from training.augment import Augmentation
from training.augment_arrays import augmented_input
from training.phantom_data import ArraySet

FLIPS_ONLY = Augmentation(
    max_rotation_degrees=0.0,
    scale_range=(1.0, 1.0),
    max_shift_fraction=0.0,
    hu_scale_sigma=0.0,
    max_hu_offset=0.0,
    window_center_jitter=0.0,
    window_width_jitter=0.0,
    max_noise_sigma=0.0,
)
AUGMENTATIONS = {"full": Augmentation(), "flips": FLIPS_ONLY}  # full: python -m training's


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches of (model inputs, targets) from confined HU held in memory: each sample augmented as
    training.augment augments it (training.augment_arrays), then windowed; with `crop`, a random square crop of
    images and masks alike. A batch's draws come from (seed, epoch, index), so the threads that assemble batches
    ahead of the accelerator draw, in any order, what one thread would."""

    def __init__(self, data: ArraySet, batch_size: int, seed: int, augmentation, crop: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data, self.batch_size, self.seed, self.augmentation, self.crop = data, batch_size, seed, augmentation, crop
        self.epoch = 0
        self.order = self._shuffled()

    def _shuffled(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.data))

    def __len__(self) -> int:
        return max(1, len(self.data) // self.batch_size)  # the last partial batch waits for the next shuffle

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._shuffled()

    def __getitem__(self, index: int):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        picked = np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        data = self.data
        pairs = [  # masks only where they are the targets: the classifier's batches skip their warps
            augmented_input(
                data.images[i], data.masks[i] if self.crop else None, data.brain_window[i], self.augmentation, rng
            )
            for i in picked
        ]
        images = np.stack([image for image, _ in pairs])
        if not self.crop:
            return images, data.labels[picked]
        masks = np.stack([mask for _, mask in pairs])
        top, left = (int(rng.integers(0, side - self.crop + 1)) for side in images.shape[1:3])
        window = (slice(None), slice(top, top + self.crop), slice(left, left + self.crop))
        return images[window], masks[window]


def model_inputs(data: ArraySet) -> np.ndarray:
    """The set's confined HU as unaugmented window stacks, as the model is served them."""
    return np.stack([context_window_stack(np.asarray(hu, np.float32)) for hu in data.images])
