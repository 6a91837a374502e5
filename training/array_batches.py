"""Batches for Keras from phantoms held in memory as confined HU (training.phantom_data.ArraySet), augmented and
windowed as the tf.data pipeline does it (training.augment_arrays): training.fit_in_memory's feed, on any backend."""

import keras
import numpy as np

from core.model_input import context_window_stack
from training.augment import Augmentation
from training.augment_arrays import augmented_input
from training.input_pipeline import LESION_SHARE, POSITIVE_SHARE
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
    """Batches of (model inputs, targets) from confined HU held in memory: each sample augmented as training.augment
    augments it (training.augment_arrays), then windowed. Without `crop`, the classifier's: every slice once an
    epoch, shuffled. With `crop`, the ResUNet's, as segmenter_feed draws them: POSITIVE_SHARE of the slices from
    those with a bleed, each cut to a square crop, most near the bleed (lesion_crop). A batch's draws come from
    (seed, epoch, index), so the threads that assemble batches ahead of the accelerator draw, in any order, what
    one thread would."""

    def __init__(self, data: ArraySet, batch_size: int, seed: int, augmentation, crop: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data, self.batch_size, self.seed, self.augmentation, self.crop = data, batch_size, seed, augmentation, crop
        self.epoch = 0
        self.order = self._shuffled()
        positive = np.asarray(data.labels[:, 0]) > 0
        self.positives, self.negatives = np.flatnonzero(positive), np.flatnonzero(~positive)
        if crop and not (len(self.positives) and len(self.negatives)):
            raise ValueError("the segmenter needs slices both with and without a bleed")

    def _shuffled(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.data))

    def __len__(self) -> int:
        return max(1, len(self.data) // self.batch_size)  # the last partial batch waits for the next shuffle

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._shuffled()

    def picked(self, index: int, rng: np.random.Generator) -> np.ndarray:
        """The slices of batch `index`: the epoch's shuffle, or for crops a POSITIVE_SHARE draw of bleeds."""
        if not self.crop:
            return np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        bleeds = int((rng.random(self.batch_size) < POSITIVE_SHARE).sum())
        return np.r_[rng.choice(self.positives, bleeds), rng.choice(self.negatives, self.batch_size - bleeds)]

    def __getitem__(self, index: int):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        picked = self.picked(index, rng)
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
        crops = [lesion_crop(image, mask, self.crop, rng) for image, mask in pairs]
        return np.stack([image for image, _ in crops]), np.stack([mask for _, mask in crops])


def lesion_crop(image: np.ndarray, mask: np.ndarray, crop: int, rng: np.random.Generator, lesion_share=LESION_SHARE):
    """A crop x crop window of image and mask (H, W, C), centred within crop // 3 of a random bleed pixel
    `lesion_share` of the time where there is one, else anywhere: training.input_pipeline.lesion_crop in numpy."""
    height, width = image.shape[:2]
    points = np.argwhere(mask[..., 0] > 0)
    if len(points) and rng.random() < lesion_share:
        centre = points[rng.integers(len(points))] + rng.integers(-(crop // 3), crop // 3 + 1, 2)
    else:
        centre = np.array([rng.integers(crop // 2, side - crop // 2 + 1) for side in (height, width)])
    top, left = np.clip(centre - crop // 2, 0, [height - crop, width - crop])
    return image[top : top + crop, left : left + crop], mask[top : top + crop, left : left + crop]


def model_inputs(data: ArraySet) -> np.ndarray:
    """The set's confined HU as unaugmented window stacks, as the model is served them."""
    return np.stack([context_window_stack(np.asarray(hu, np.float32)) for hu in data.images])
