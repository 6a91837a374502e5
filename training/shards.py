"""TFRecord shards of model-size HU slices, so that a dataset streams from disk instead of memory.

Every loader's SliceRecords, phantoms included, are resized once (core.resize, in HU) and written
here. Windowing is left to the tf.data pipeline, because augmentation jitters the windows.
A shard example holds:
- hu: float16 bytes (H, W, K), K = 2 * context + 1 neighbouring slices, the labelled one in the middle;
- mask: uint8 bytes (H, W), and has_mask = 0 where the dataset has none (RSNA);
- labels: 6 floats in OUTPUT_NAMES order, -1 where the source does not say (masked out of the loss);
- brain_window: 1 when the source kept only 0..80 HU (8-bit exports), so augmentation re-clips it.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np

from core.model_input import MODEL_SIZE, NO_CONFINEMENT, Confinement, confine, slice_with_context
from core.resize import resize_image, resize_mask
from training.datasets.records import ANY, BRAIN_WINDOW_FORM, SliceRecord
from training.outputs import OUTPUT_NAMES

UNKNOWN = -1.0
PER_SHARD = 512


@dataclass(frozen=True)
class ShardSpec:
    size: tuple[int, int] = MODEL_SIZE
    context: int = 0  # neighbours each side (2.5D); 0 for single slices
    # What the models see (core.model_input). Shards keep whole slices; the feed confines them, before
    # augmentation, as serving confines what it is sent.
    confinement: Confinement = NO_CONFINEMENT

    @property
    def slices(self) -> int:
        return 2 * self.context + 1


def label_vector(labels: dict[str, bool]) -> np.ndarray:
    """any + subtypes; a subtype the source does not record is UNKNOWN unless the slice is negative."""
    negative = labels.get(ANY) is False
    return np.array(
        [float(labels[name]) if name in labels else (0.0 if negative else UNKNOWN) for name in OUTPUT_NAMES],
        np.float32,
    )


def prepare(record: SliceRecord, hu_slices: np.ndarray, spec: ShardSpec) -> dict:
    """One record with its neighbours ((H, W, K) HU at the record's own matrix) at model size.

    Plain numpy, so phantom worker processes can run it without TensorFlow."""
    has_mask = record.mask is not None
    return {
        "hu": resize_image(hu_slices, spec.size).astype(np.float16),
        "mask": (resize_mask(record.mask, spec.size) if has_mask else np.zeros(spec.size, bool)).astype(np.uint8),
        "has_mask": int(has_mask),
        "labels": label_vector(record.labels),
        "brain_window": int(record.form == BRAIN_WINDOW_FORM),
        "patient": record.patient_id,
        "slice_index": record.slice_index,
    }


def serialize(prepared: dict) -> bytes:
    """A prepared slice as a tf.train.Example."""
    import tensorflow as tf

    def raw(value: bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))

    def ints(value: int):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))

    features = {
        "hu": raw(prepared["hu"].tobytes()),
        "mask": raw(prepared["mask"].tobytes()),
        "has_mask": ints(prepared["has_mask"]),
        "labels": tf.train.Feature(float_list=tf.train.FloatList(value=prepared["labels"])),
        "brain_window": ints(prepared["brain_window"]),
        "patient": raw(prepared["patient"].encode()),
        "slice_index": ints(prepared["slice_index"]),
    }
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def with_context(records: Iterable[SliceRecord], context: int) -> Iterator[tuple[SliceRecord, np.ndarray]]:
    """Each record with its (H, W, 2*context + 1) neighbourhood from the same patient's stack.

    Loaders yield a patient's slices together; one patient's stack is held at a time.
    """
    for _, group in groupby(records, key=lambda r: r.patient_id):
        stack = sorted(group, key=lambda r: r.slice_index)
        if context == 0:
            yield from ((r, r.hu[..., None]) for r in stack)
            continue
        shapes = {r.hu.shape for r in stack}
        if len(shapes) > 1:
            raise ValueError(f"patient {stack[0].patient_id}: slices differ in matrix {sorted(shapes)}; 2.5D needs one")
        volume = np.stack([r.hu for r in stack])
        yield from ((r, slice_with_context(volume, i, context)) for i, r in enumerate(stack))


def write_shards(examples: Iterable[bytes], directory: Path, prefix: str, per_shard: int = PER_SHARD) -> list[Path]:
    """Serialized examples -> directory/prefix-00000.tfrecord, ... (GZIP); returns the paths written."""
    import tensorflow as tf

    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    writer = None
    for count, example in enumerate(examples):
        if count % per_shard == 0:
            if writer is not None:
                writer.close()
            paths.append(directory / f"{prefix}-{len(paths):05d}.tfrecord")
            writer = tf.io.TFRecordWriter(str(paths[-1]), options="GZIP")
        writer.write(example)
    if writer is not None:
        writer.close()
    if not paths:
        raise ValueError(f"no examples to write for {prefix}")
    return paths


@dataclass(frozen=True)
class Shards:
    """Shard files of one split and what they hold, which fixes the steps of an epoch."""

    paths: tuple[Path, ...]
    count: int
    positive: int
    masked_positive: int  # slices with a mask and a bleed: what the segmenter centres crops on
    masked_negative: int

    @property
    def with_mask(self) -> int:
        return self.masked_positive + self.masked_negative


class _Tally:
    """Counts slices as they are written or read, for Shards."""

    def __init__(self) -> None:
        self.counts = {"count": 0, "positive": 0, "masked_positive": 0, "masked_negative": 0}

    def add(self, positive: bool, has_mask: bool) -> None:
        self.counts["count"] += 1
        self.counts["positive"] += int(positive)
        if has_mask:
            self.counts["masked_positive" if positive else "masked_negative"] += 1

    def shards(self, paths) -> "Shards":
        return Shards(tuple(paths), **self.counts)


def write_prepared(prepared: Iterable[dict], directory: Path, prefix: str) -> Shards:
    """Prepared slices -> shards, counting what the epochs need to know."""
    tally = _Tally()

    def examples():
        for item in prepared:
            tally.add(item["labels"][0] > 0, bool(item["has_mask"]))
            yield serialize(item)

    paths = write_shards(examples(), directory, prefix)
    return tally.shards(paths)


def write_records(records: Iterable[SliceRecord], directory: Path, prefix: str, spec: ShardSpec) -> Shards:
    """Any loader's records -> shards of `prefix` in `directory`."""
    return write_prepared((prepare(r, hu, spec) for r, hu in with_context(records, spec.context)), directory, prefix)


def read_shards(paths: list[Path], cycle_length: int = 4):
    """Shards -> tf.data.Dataset of serialized examples, files read interleaved so shards stream in
    parallel. Parse with `parser(spec)`; cache (if at all) before parsing, where records are smallest."""
    import tensorflow as tf

    files = tf.data.Dataset.from_tensor_slices([str(p) for p in paths])
    return files.interleave(
        lambda path: tf.data.TFRecordDataset(path, compression_type="GZIP"),
        cycle_length=min(cycle_length, len(paths)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def parser(spec: ShardSpec):
    """A function: serialized example -> dict of hu float32 (H, W, K), mask float32 (H, W, 1),
    has_mask, labels (6,), brain_window."""
    import tensorflow as tf

    height, width = spec.size
    schema = {
        "hu": tf.io.FixedLenFeature([], tf.string),
        "mask": tf.io.FixedLenFeature([], tf.string),
        "has_mask": tf.io.FixedLenFeature([], tf.int64),
        "labels": tf.io.FixedLenFeature([len(OUTPUT_NAMES)], tf.float32),
        "brain_window": tf.io.FixedLenFeature([], tf.int64),
    }

    def parse(serialized):
        example = tf.io.parse_single_example(serialized, schema)
        hu = tf.reshape(tf.io.decode_raw(example["hu"], tf.float16), (height, width, spec.slices))
        mask = tf.reshape(tf.io.decode_raw(example["mask"], tf.uint8), (height, width, 1))
        hu = tf.cast(hu, tf.float32)
        if spec.confinement != NO_CONFINEMENT:
            confined = tf.numpy_function(lambda x: confine(x, spec.confinement), [hu], tf.float32)
            hu = tf.ensure_shape(confined, hu.shape)
        return {
            "hu": hu,
            "mask": tf.cast(mask, tf.float32),
            "has_mask": tf.cast(example["has_mask"], tf.bool),
            "labels": example["labels"],
            "brain_window": tf.cast(example["brain_window"], tf.bool),
        }

    return parse


def tally_shards(paths: list[Path], spec: ShardSpec) -> Shards:
    """The Shards of files written earlier (say by another run), counted by reading them once."""
    parse = parser(spec)
    tally = _Tally()
    for serialized in read_shards(paths):
        example = parse(serialized)
        tally.add(bool(example["labels"][0] > 0), bool(example["has_mask"]))
    return tally.shards(paths)
