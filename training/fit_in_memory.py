"""Train the classifier and the ResUNet from phantoms held in memory, on whatever Keras backend is set: the path for
the lent GPU machine, which has JAX but no TensorFlow (so no tf.data shards, no SavedModel export).

KERAS_BACKEND=jax python -m training.fit_in_memory --out OUT [--models classifier,segmenter] [--train-count 3000]
    [--val-count 400] [--source-mix procedural=1.0] [--brain-window-fraction 0.5] [--confine cranium]
    [--classifier-epochs 16] [--segmenter-epochs 8] [--init-classifier classifier.keras]
    [--init-segmenter segmenter.keras] [--augment full] [--seed 0 | --seeds 0,1,2] [--time-limit SECONDS]
    [--snapshot-every N] [--phantoms-cache DIR] [--workers 16]

Phantoms are drawn as `python -m training` draws them (training.phantom_data.build_arrays: the same seeds, sources,
input forms, simulated exports and confinement, preprocessed as serving does), the models are the same builders,
losses and optimiser schedule (training.fit). Augmentation is training.augment's, in numpy (training.augment_arrays;
`--augment flips` for left-right flips alone); the ResUNet trains on 128-pixel crops drawn as training.fit draws them
(three in four from slices with a bleed, most near it: training.array_batches).
`--init-*` starts a whole model from a .keras file of the same architecture (fine-tuning). `--time-limit` ends
training after the epoch that would leave too little of it for another, so a time-boxed machine still returns the
models. `--snapshot-every N` also keeps the model after every N-th epoch (OUT/snapshots), to compare epochs on the
real-scan bench afterwards. `--phantoms-cache` keeps the drawn phantoms as .npy files for the next run with the same
phantom arguments (another seed, say). It writes OUT/classifier.keras, OUT/segmenter.keras and OUT/run.json (the
arguments, the backend and its devices, the seconds, each epoch's figures). A .keras file loads under TensorFlow
too, where `python -m training.import_keras` exports it to the store and measures it.

`--seeds` runs one recipe once per seed in one process, each into OUT/seedN, on phantoms drawn once: how a recipe's
spread between runs is measured (experiments/recipe_spread.py). There `--time-limit` stops only the starting of
further seeds, so every run that starts trains all its epochs: set it to the machine's time less one run's.
"""

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import keras
import numpy as np

from core.model_input import CONFINEMENTS, MODEL_SIZE
from training.array_batches import AUGMENTATIONS, AugmentedBatches, model_inputs
from training.config import LEARNING_RATE
from training.datasets.atlas_phantoms import parse_source_mix
from training.epoch_callbacks import Deadline, Snapshots, save_without_optimizer
from training.losses import LOSSES
from training.models.classifier import get_classifier
from training.models.resunet import get_resunet
from training.phantom_data import BRAIN_WINDOW_FRACTION, TRAIN_SEED, VALIDATION_SEED, ArraySet, build_arrays
from training.recipe import compile_args, optimizer

MODELS = ("classifier", "segmenter")
CROP = 128  # the ResUNet trains on crops and serves whole slices, as in training.fit
BATCH = {"classifier": 32, "segmenter": 16}
FEED_THREADS = 8  # batches assembled ahead of the accelerator, which would otherwise wait on numpy and OpenCV


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.fit_in_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", default=",".join(MODELS), help="classifier, segmenter or both")
    parser.add_argument("--train-count", type=int, default=3000)
    parser.add_argument("--val-count", type=int, default=400)
    parser.add_argument("--source-mix", type=parse_source_mix, default=parse_source_mix("procedural=1.0"))
    parser.add_argument("--brain-window-fraction", type=float, default=BRAIN_WINDOW_FRACTION)
    parser.add_argument("--confine", choices=sorted(CONFINEMENTS), default="cranium")
    parser.add_argument("--classifier-epochs", type=int, default=16)
    parser.add_argument("--segmenter-epochs", type=int, default=8)
    parser.add_argument("--loss", choices=sorted(LOSSES), default="dice", help="the ResUNet's loss")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--init-classifier", type=Path, help="a .keras classifier to fine-tune")
    parser.add_argument("--init-segmenter", type=Path, help="a .keras ResUNet to fine-tune")
    parser.add_argument("--size", type=int, default=MODEL_SIZE[0], help="pixels across the model input")
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default="full", help="training.augment's, or flips")
    parser.add_argument("--seed", type=int, default=0, help="weights' initialisation and batches' order")
    parser.add_argument("--seeds", help="comma-separated seeds: one run each, into OUT/seedN, phantoms drawn once")
    parser.add_argument(
        "--time-limit", type=float, help="seconds for the whole run, phantoms included (--seeds: none starts after it)"
    )
    parser.add_argument("--snapshot-every", type=int, help="also keep the model after every N-th epoch")
    parser.add_argument("--phantoms-cache", type=Path, help="a folder to keep the drawn phantoms in, and reuse")
    parser.add_argument("--workers", type=int, default=2, help="processes drawing phantoms")
    args = parser.parse_args(argv)
    args.command = f"{parser.prog} " + shlex.join(sys.argv[1:] if argv is None else argv)
    args.models = [name.strip() for name in args.models.split(",")]
    if unknown := set(args.models) - set(MODELS):
        parser.error(f"--models: unknown {sorted(unknown)}; choose from {MODELS}")
    try:
        args.seeds = [int(seed) for seed in args.seeds.split(",")] if args.seeds else None
    except ValueError:
        parser.error(f"--seeds: comma-separated whole numbers, got {args.seeds!r}")
    if args.seeds and args.phantoms_cache is None:
        parser.error("--seeds draws the phantoms once and shares them through --phantoms-cache: name a folder")
    return args


PHANTOM_ARGUMENTS = ("train_count", "val_count", "source_mix", "brain_window_fraction", "confine", "size")
FIELDS = ("images", "masks", "labels", "brain_window")


def phantoms(seed: int, count: int, args: argparse.Namespace) -> ArraySet:
    """The set drawn from `seed`, from --phantoms-cache where an earlier run with the same phantom arguments left it."""
    if args.phantoms_cache is None:
        return draw(seed, count, args)
    folder = args.phantoms_cache / f"seed{seed}"
    key = json.dumps(
        {"arrays": "confined HU"} | {name: getattr(args, name) for name in PHANTOM_ARGUMENTS}, sort_keys=True
    )
    if (folder / "key.json").exists() and (folder / "key.json").read_text() == key:
        return ArraySet(*(np.load(folder / f"{field}.npy", mmap_mode="r") for field in FIELDS))
    drawn = draw(seed, count, args)
    folder.mkdir(parents=True, exist_ok=True)
    for field in FIELDS:
        np.save(folder / f"{field}.npy", getattr(drawn, field))
    (folder / "key.json").write_text(key)
    return drawn


def draw(seed: int, count: int, args: argparse.Namespace) -> ArraySet:
    return build_arrays(
        seed,
        count,
        size=(args.size, args.size),
        brain_window_fraction=args.brain_window_fraction,
        workers=args.workers,
        mix=args.source_mix,
        confinement=args.confine,
        simulated_exports=True,
        hu_only=True,
    )


def build(name: str, args: argparse.Namespace) -> keras.Model:
    start = getattr(args, f"init_{name}")
    if start is not None:
        return keras.saving.load_model(start, compile=False)
    if name == "classifier":
        return get_classifier((args.size, args.size))
    return get_resunet((None, None))


def fit(
    name: str, train: ArraySet, validation: ArraySet, args: argparse.Namespace, deadline: float = float("inf")
) -> tuple[keras.Model, dict]:
    epochs = getattr(args, f"{name}_epochs")
    keras.utils.set_random_seed(args.seed)
    model = build(name, args)
    augmentation = AUGMENTATIONS[args.augment]
    if name == "classifier":
        batches = AugmentedBatches(train, BATCH[name], 11 + args.seed, augmentation, workers=FEED_THREADS)
        held = (model_inputs(validation), validation.labels)
    else:
        crop = min(CROP, args.size)
        batches = AugmentedBatches(train, BATCH[name], 12 + args.seed, augmentation, crop, workers=FEED_THREADS)
        held = (model_inputs(validation), validation.masks.astype(np.float32))
    model.compile(optimizer=optimizer(args.learning_rate, epochs * len(batches)), **compile_args(name, args.loss))
    callbacks = [Deadline(deadline)]
    if args.snapshot_every:
        callbacks.append(Snapshots(args.out / "snapshots", name, args.snapshot_every))
    history = model.fit(
        batches, validation_data=held, batch_size=BATCH[name], epochs=epochs, verbose=2, callbacks=callbacks
    )
    return model, history.history


def device_names() -> list[str]:
    if keras.backend.backend() == "jax":
        import jax

        return [str(device) for device in jax.devices()]
    return [platform.processor() or platform.machine()]


def run(args: argparse.Namespace) -> dict:
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    deadline = started + (args.time_limit or float("inf"))
    train, validation = phantoms(TRAIN_SEED, args.train_count, args), phantoms(VALIDATION_SEED, args.val_count, args)
    record = {
        "command": args.command,
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "command"},
        "backend": keras.backend.backend(),
        "devices": device_names(),
        "keras": keras.__version__,
        "phantom_seconds": round(time.perf_counter() - started, 1),
        "models": {},
    }
    for name in args.models:
        began = time.perf_counter()
        model, history = fit(name, train, validation, args, deadline)
        save_without_optimizer(model, args.out / f"{name}.keras")
        record["models"][name] = {
            "seconds": round(time.perf_counter() - began, 1),
            "history": {k: [float(x) for x in v] for k, v in history.items()},
        }
        (args.out / "run.json").write_text(json.dumps(record, indent=1) + "\n")  # each model's, should a later one fail
    return record


def runs(args: argparse.Namespace):
    """The run `args` asks for, or with --seeds one per seed (its own folder, no deadline of its own) for as long
    as --time-limit has not passed; the phantoms cache shares one draw between them."""
    if args.seeds is None:
        yield args
        return
    started = time.perf_counter()
    for seed in args.seeds:
        if args.time_limit is not None and time.perf_counter() - started >= args.time_limit:
            return
        yield argparse.Namespace(**vars(args) | {"seed": seed, "out": args.out / f"seed{seed}", "time_limit": None})


def main(argv=None) -> None:
    for args in runs(parse_args(argv)):
        record = run(args)
        print(json.dumps({k: v for k, v in record.items() if k != "models"} | {"models": list(record["models"])}))


if __name__ == "__main__":
    main()
