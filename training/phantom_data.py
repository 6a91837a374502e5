"""Phantom sets as model-ready arrays, in both input forms the service receives.

Real inputs arrive either as HU (DICOM, NIfTI, 16-bit PNG) or as 8-bit brain-window images whose
HU outside 0..80 is lost. A fraction of every set goes through that lossy export so that the
models learn both forms.
"""

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.model_input import MODEL_SIZE, NO_CONFINEMENT, Confinement, confine, slice_with_context, stack_slice_input
from core.resize import resize_image, resize_mask
from core.windowing import as_brain_window_export
from training.datasets.atlas_phantoms import ALL_PROCEDURAL, choose_sources, source_record
from training.datasets.records import BRAIN_WINDOW_FORM
from training.outputs import SUBTYPES
from training.phantoms.generator import phantom_seeds
from training.scanner.export import simulate_8bit_export_with_mask
from training.shards import Shards, ShardSpec, prepare, write_prepared

# Seeds of the three disjoint phantom sets.
TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 1, 2, 3
BRAIN_WINDOW_FRACTION = 0.5


@dataclass
class ArraySet:
    images: np.ndarray  # float16 (N, H, W, 3) window stacks, or (N, H, W, K) confined HU (build_arrays' hu_only)
    masks: np.ndarray  # uint8 (N, H, W, 1) at model size
    labels: np.ndarray  # float32 (N, 6): any, then SUBTYPES
    brain_window: np.ndarray  # bool (N,): an 8-bit brain-window image (the export's form)
    native_masks: list[np.ndarray] | None = None  # bool masks at each phantom's own matrix

    def __len__(self) -> int:
        return len(self.labels)


def _one(args) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, np.ndarray | None]:
    seed, as_png, size, keep_native, slices, source, confinement, simulated, hu_only, eight_bit = args
    if simulated:  # as the training shards hold them: atlas and procedural_ct through training.scanner's exports
        phantom = source_record(source, seed, "", as_png)
        hu, brain_window = phantom.hu, phantom.form == BRAIN_WINDOW_FORM
    elif as_png and eight_bit:  # every source through an 8-bit PNG or JPEG export as training.scanner draws it
        phantom = source_record(source, seed, "")
        hu, phantom.mask, _ = simulate_8bit_export_with_mask(
            phantom.hu, phantom.mask, np.random.default_rng(seed.spawn(1)[0])
        )
        brain_window = True
    else:
        phantom = source_record(source, seed, "")
        hu, brain_window = (as_brain_window_export(phantom.hu) if as_png else phantom.hu), as_png
    # A lone slice is its own context, exactly as the service feeds one to a 2.5D model.
    if hu_only:  # as the shards hold it, confined as their feed confines it (training.shards.parser)
        stack = resize_image(slice_with_context(hu[None], 0, (slices - 1) // 2), size)
        image = confine(stack, confinement).astype(np.float16)
    else:
        image = stack_slice_input(hu[None], 0, (slices - 1) // 2, size, confinement).astype(np.float16)
    mask = resize_mask(phantom.mask, size).astype(np.uint8)[..., None]
    labels = np.array([phantom.positive] + [phantom.labels[s] for s in SUBTYPES], np.float32)
    return image, mask, labels, bool(brain_window), (phantom.mask if keep_native else None)


def _forms(base_seed: int, count: int, brain_window_fraction: float) -> np.ndarray:
    """Which phantoms of a set go through the 8-bit export: fixed by the set's seed."""
    return np.random.default_rng([base_seed, 999]).random(count) < brain_window_fraction


def _map(function, jobs: list, workers: int):
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            yield from pool.map(function, jobs, chunksize=16)
    else:
        yield from map(function, jobs)


def _prepared(args) -> dict:
    seed, patient, as_png, spec, source = args
    record = source_record(source, seed, patient, as_png)
    return prepare(record, slice_with_context(record.hu[None], 0, spec.context), spec)


def write_phantom_shards(
    base_seed: int,
    count: int,
    directory: Path,
    prefix: str,
    spec: ShardSpec,
    brain_window_fraction: float = BRAIN_WINDOW_FRACTION,
    workers: int = 2,
    mix: dict[str, float] = ALL_PROCEDURAL,
) -> Shards:
    """A phantom set as TFRecord shards, its sources drawn in the proportions of `mix`. Phantoms are
    single slices, so a 2.5D spec repeats the slice as its own neighbours (the edge padding a
    one-slice input gets when served). The export fraction goes through
    training.datasets.atlas_phantoms.source_record's exports."""
    forms = _forms(base_seed, count, brain_window_fraction)
    sources = choose_sources(base_seed, count, mix)
    jobs = [
        (seed, f"phantom-{base_seed}-{index:05d}", bool(png), spec, source)
        for index, (seed, png, source) in enumerate(zip(phantom_seeds(base_seed, count), forms, sources))
    ]
    return write_prepared(_map(_prepared, jobs, workers), directory, prefix)


def build_arrays(
    base_seed: int,
    count: int,
    size: tuple[int, int] = MODEL_SIZE,
    brain_window_fraction: float = BRAIN_WINDOW_FRACTION,
    workers: int = 2,
    keep_native: bool = False,
    slices: int = 1,
    mix: dict[str, float] = ALL_PROCEDURAL,
    confinement: Confinement = NO_CONFINEMENT,
    simulated_exports: bool = False,
    hu_only: bool = False,
    eight_bit_exports: bool = False,
) -> ArraySet:
    """Generate `count` phantoms from `base_seed` (sources in the proportions of `mix`) and
    preprocess them exactly as serving does. The 8-bit form is a lossless 40/80 export unless
    `simulated_exports`, which draws it as write_phantom_shards does (windows, gamma, JPEG; atlas and procedural_ct
    only, some of them as HU files), or `eight_bit_exports`, which sends every source's 8-bit share through an 8-bit
    PNG or JPEG export drawn that way. `hu_only` keeps the confined HU at model size instead of the window stack, for
    augmentation before windowing."""
    as_png = _forms(base_seed, count, brain_window_fraction)
    sources = choose_sources(base_seed, count, mix)
    jobs = [
        (seed, bool(png), size, keep_native, slices, source, confinement, simulated_exports, hu_only, eight_bit_exports)
        for seed, png, source in zip(phantom_seeds(base_seed, count), as_png, sources)
    ]
    images, masks, labels, brain_window, native = zip(*_map(_one, jobs, workers))
    native_masks = list(native) if keep_native else None
    return ArraySet(np.stack(images), np.stack(masks), np.stack(labels), np.array(brain_window), native_masks)
