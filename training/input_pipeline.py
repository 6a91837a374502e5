"""tf.data pipelines that feed the two models from TFRecord shards.

shards (interleaved) -> cache (serialized, in memory) -> shuffle -> parse -> augment (HU) ->
[crop, segmenter only] -> window (core) -> batch -> prefetch.
"""

from dataclasses import dataclass

from training.augment import Augmentation, augment_hu, model_input
from training.shards import Shards, ShardSpec, parser, read_shards

SHUFFLE_BUFFER = 2048
# The ResUNet's crops: this share from slices with a bleed, and this share of those centred near it. The array path
# (training.array_batches) draws with the same two.
POSITIVE_SHARE, LESION_SHARE = 0.75, 0.9


@dataclass(frozen=True)
class Feed:
    """A dataset and the number of batches that make one epoch of it. A repeating feed never
    ends, so fit must be told its steps; a finite one is read to its end every time."""

    dataset: object  # tf.data.Dataset
    steps: int
    repeats: bool
    batch_size: int


def _records(shards: Shards, shuffle: bool, repeat: bool, seed: int):
    import tensorflow as tf

    records = read_shards(list(shards.paths)).cache()
    if repeat:
        records = records.repeat()
    if shuffle:
        records = records.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    return records.prefetch(tf.data.AUTOTUNE)


def classifier_feed(
    shards: Shards, spec: ShardSpec, batch_size: int, augmentation: Augmentation | None, training: bool, seed: int = 0
) -> Feed:
    """Whole slices and their 6 labels (UNKNOWN = -1 where the source is silent)."""
    import tensorflow as tf

    parse = parser(spec)

    def prepare(serialized):
        example = parse(serialized)
        hu, _ = augment_hu(example, augmentation if training else None)
        return model_input(hu, augmentation if training else None), example["labels"]

    # Training repeats: Keras keeps one iterator across epochs when it is given steps per epoch.
    records = _records(shards, shuffle=training, repeat=training, seed=seed)
    dataset = records.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return Feed(dataset, -(-shards.count // batch_size), repeats=training, batch_size=batch_size)


def lesion_crop(hu, mask, crop: int, lesion_share: float = LESION_SHARE):
    """A crop x crop window, usually centred near a random bleed pixel, else anywhere."""
    import tensorflow as tf

    height, width = hu.shape[0], hu.shape[1]
    points = tf.where(mask[..., 0] > 0)
    use_lesion = tf.logical_and(tf.shape(points)[0] > 0, tf.random.uniform(()) < lesion_share)

    def near_lesion():
        point = points[tf.random.uniform((), 0, tf.shape(points)[0], tf.int32)]
        return tf.cast(point, tf.int32) + tf.random.uniform((2,), -(crop // 3), crop // 3 + 1, tf.int32)

    def anywhere():
        return tf.stack(
            [
                tf.random.uniform((), crop // 2, height - crop // 2 + 1, tf.int32),
                tf.random.uniform((), crop // 2, width - crop // 2 + 1, tf.int32),
            ]
        )

    centre = tf.cond(use_lesion, near_lesion, anywhere)
    top = tf.clip_by_value(centre[0] - crop // 2, 0, height - crop)
    left = tf.clip_by_value(centre[1] - crop // 2, 0, width - crop)
    return hu[top : top + crop, left : left + crop], mask[top : top + crop, left : left + crop]


def segmenter_feed(
    shards: Shards,
    spec: ShardSpec,
    batch_size: int,
    crop: int,
    augmentation: Augmentation | None,
    training: bool,
    positive_share: float = POSITIVE_SHARE,
    seed: int = 0,
) -> Feed:
    """Crops from slices that have masks, `positive_share` of them from slices with a bleed.

    The ResUNet is fully convolutional: it trains on crops and infers on whole slices at a
    quarter of the training cost. Augmentation acts on the whole slice before the crop, so a
    rotation never brings air into the middle of a crop.
    """
    import tensorflow as tf

    if not (shards.masked_positive and shards.masked_negative):
        raise ValueError("the segmenter needs masked slices both with and without a bleed")
    parse = parser(spec)
    use = augmentation if training else None

    def prepare(example):
        hu, mask = augment_hu(example, use)
        hu, mask = lesion_crop(hu, mask, crop)
        hu.set_shape((crop, crop, spec.slices))
        mask.set_shape((crop, crop, 1))
        return model_input(hu, use), mask

    def part(positive: bool, part_seed: int):
        records = _records(shards, shuffle=True, repeat=True, seed=part_seed).map(
            parse, num_parallel_calls=tf.data.AUTOTUNE
        )
        return records.filter(lambda e: tf.logical_and(e["has_mask"], (e["labels"][0] > 0) == positive))

    mixed = tf.data.Dataset.sample_from_datasets(
        [part(True, seed), part(False, seed + 1)], weights=[positive_share, 1.0 - positive_share], seed=seed
    )
    dataset = mixed.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return Feed(dataset, -(-shards.with_mask // batch_size), repeats=True, batch_size=batch_size)
