"""The tf.data feeds: shapes, epoch lengths, the share of bleed-centred crops, and 2.5D channels."""

import numpy as np
import pytest

from training.augment import Augmentation
from training.datasets import load_phantoms
from training.input_pipeline import classifier_feed, segmenter_feed
from training.shards import ShardSpec, write_records

SPEC = ShardSpec((128, 128), 0)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    return write_records(load_phantoms(20, seed=6), tmp_path_factory.mktemp("shards"), "train", SPEC)


def test_classifier_training_feed_repeats_whole_slices_and_validation_ends(shards):
    feed = classifier_feed(shards, SPEC, 8, Augmentation(), training=True)
    assert feed.repeats and feed.steps == 3
    assert len(list(feed.dataset.take(10))) == 10  # past one epoch: Keras keeps one iterator across epochs
    validation = classifier_feed(shards, SPEC, 8, None, training=False)
    assert not validation.repeats and sum(len(labels) for _, labels in validation.dataset) == 20
    images, labels = next(iter(feed.dataset))
    assert images.shape == (8, 128, 128, 3) and labels.shape == (8, 6)
    assert 0.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0


def test_validation_feed_is_not_shuffled_or_augmented(shards):
    first = [np.asarray(x) for x, _ in classifier_feed(shards, SPEC, 8, Augmentation(), training=False).dataset]
    second = [np.asarray(x) for x, _ in classifier_feed(shards, SPEC, 8, Augmentation(), training=False).dataset]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_segmenter_crops_are_mostly_from_slices_with_a_bleed(shards):
    feed = segmenter_feed(shards, SPEC, 16, 64, Augmentation(), training=True, positive_share=0.75)
    assert feed.steps == 2
    with_bleed = []
    for images, masks in feed.dataset.take(8):
        assert images.shape == (16, 64, 64, 3) and masks.shape == (16, 64, 64, 1)
        with_bleed += list(np.asarray(masks).reshape(16, -1).max(axis=1) > 0)
    # 128 crops, 75 % from bleeding slices and 90 % of those centred on the bleed: about 0.68 show one.
    assert 0.5 < np.mean(with_bleed) < 0.85


def test_segmenter_refuses_data_without_both_kinds_of_slice(tmp_path):
    negatives = (r for r in load_phantoms(30, seed=6) if not r.positive)
    only_negative = write_records(negatives, tmp_path, "neg", SPEC)
    with pytest.raises(ValueError, match="both with and without"):
        segmenter_feed(only_negative, SPEC, 4, 64, None, training=True)


def test_context_feeds_three_window_channels_per_slice(tmp_path):
    spec = ShardSpec((128, 128), 1)
    shards = write_records(load_phantoms(4, seed=7), tmp_path, "ctx", spec)
    images, _ = next(iter(classifier_feed(shards, spec, 4, Augmentation(), training=True).dataset))
    assert images.shape == (4, 128, 128, 9)
