"""Batch feeders (keras.utils.PyDataset, so they run on any Keras backend) with augmentation.

Augmentation lives here and only here: serving never sees it.
"""

import math

import keras
import numpy as np

from training.phantom_data import ArraySet


def _flip(rng, images: np.ndarray, *others: np.ndarray):
    """Left-right flips: hemorrhage has no preferred side."""
    flip = rng.random(len(images)) < 0.5
    return [np.where(flip.reshape(-1, *([1] * (a.ndim - 1))), a[:, :, ::-1], a) for a in (images, *others)]


class ClassifierBatches(keras.utils.PyDataset):
    """Whole slices and their (any, subtypes) labels."""

    def __init__(self, data: ArraySet, batch_size: int, seed: int = 0, augment: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.data, self.batch_size, self.augment = data, batch_size, augment
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(data))
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.data) / self.batch_size)

    def on_epoch_end(self) -> None:
        if self.augment:
            self.rng.shuffle(self.order)

    def __getitem__(self, index: int):
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        images = self.data.images[rows].astype(np.float32)
        if self.augment:
            (images,) = _flip(self.rng, images)
        return images, self.data.labels[rows]


class SegmentationCrops(keras.utils.PyDataset):
    """Square crops, most centred on a bleed; the ResUNet is fully convolutional, so it
    trains on crops and infers on whole slices at a quarter of the training cost."""

    def __init__(self, data: ArraySet, batch_size: int, crop: int, seed: int = 0, positive_share: float = 0.75, **kwargs):
        super().__init__(**kwargs)
        self.data, self.batch_size, self.crop = data, batch_size, crop
        self.rng = np.random.default_rng(seed)
        self.positive = np.flatnonzero(data.labels[:, 0] > 0)
        self.negative = np.flatnonzero(data.labels[:, 0] == 0)
        self.positive_share = positive_share

    def __len__(self) -> int:
        return math.ceil(len(self.data) / self.batch_size)

    def _corner(self, row: int) -> tuple[int, int]:
        height, width = self.data.masks.shape[1:3]
        limit_y, limit_x = height - self.crop, width - self.crop
        points = np.argwhere(self.data.masks[row, :, :, 0])
        if len(points) and self.rng.random() < 0.9:
            cy, cx = points[self.rng.integers(len(points))] + self.rng.integers(-self.crop // 3, self.crop // 3 + 1, 2)
        else:
            cy, cx = self.rng.integers(self.crop // 2, height - self.crop // 2 + 1, 2)
        return int(np.clip(cy - self.crop // 2, 0, limit_y)), int(np.clip(cx - self.crop // 2, 0, limit_x))

    def __getitem__(self, index: int):
        n_positive = self.rng.binomial(self.batch_size, self.positive_share)
        rows = np.concatenate(
            [
                self.rng.choice(self.positive, n_positive),
                self.rng.choice(self.negative, self.batch_size - n_positive),
            ]
        )
        images = np.empty((len(rows), self.crop, self.crop, 3), np.float32)
        masks = np.empty((len(rows), self.crop, self.crop, 1), np.float32)
        for i, row in enumerate(rows):
            y, x = self._corner(row)
            images[i] = self.data.images[row, y : y + self.crop, x : x + self.crop]
            masks[i] = self.data.masks[row, y : y + self.crop, x : x + self.crop]
        images, masks = _flip(self.rng, images, masks)
        return images, masks
