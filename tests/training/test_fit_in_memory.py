"""The path for the GPU machine, run here under TensorFlow's Keras backend: training.fit_in_memory trains from
phantoms held in memory and writes .keras files, training.import_keras exports them to the store with measured
cards, and training.keras_from_store turns a stored version into .keras files that start a fine-tune."""

import dataclasses
import io
import json
import subprocess
import sys
import time
import zipfile

import h5py
import keras
import numpy as np
import pytest

from core.dice import dice_score
from core.model_store import read_card, resolve
from core.windowing import BRAIN
from training import fit_in_memory
from training.array_batches import AugmentedBatches, lesion_crop
from training.augment import Augmentation
from training.epoch_callbacks import Deadline
from training.evaluate_store import load_saved_model
from training.fit_in_memory import main as fit_main
from training.fit_in_memory import parse_args, phantoms
from training.import_keras import main as import_main
from training.keras_from_store import main as from_store_main
from training.phantom_data import TRAIN_SEED, VALIDATION_SEED, ArraySet, build_arrays

TINY = ["--train-count", "16", "--val-count", "8", "--classifier-epochs", "1", "--segmenter-epochs", "1"]


def _hu_set(count: int = 4, positives: int | None = None) -> ArraySet:
    """Bright discs on grey; the first `positives` slices (half by default) have a disc, its mask and label."""
    positives = count // 2 if positives is None else positives
    yy, xx = np.mgrid[:32, :32]
    discs = [((yy - 10 - i) ** 2 + (xx - 20) ** 2 < 30) & (i < positives) for i in range(count)]
    masks = np.stack(discs)[..., None].astype(np.uint8)
    images = np.where(masks > 0, 70.0, 20.0).astype(np.float16)  # the bright pixels are the mask
    labels = np.zeros((count, 6), np.float32)
    labels[:positives, 0] = 1.0
    return ArraySet(images, masks, labels, np.zeros(count, bool))


def test_batches_move_images_and_masks_alike_and_crop_them_together():
    batches = AugmentedBatches(_hu_set(), batch_size=8, seed=0, augmentation=Augmentation(), crop=16)
    images, masks = batches[0]
    assert images.shape == (8, 16, 16, 3) and masks.shape == (8, 16, 16, 1)
    brain = images[..., 0] * BRAIN.width + BRAIN.low  # the brain window's channel back in HU
    assert masks[..., 0].any(axis=(1, 2)).sum() >= 2
    for bright, mask in zip(brain > 45.0, masks[..., 0] > 0):  # edges blur and noise is added, so not every pixel
        if mask.any():
            assert dice_score(bright, mask) > 0.9
        else:
            assert bright.mean() < 0.02


def test_resunet_batches_draw_three_in_four_from_slices_with_a_bleed():
    batches = AugmentedBatches(_hu_set(40, positives=4), batch_size=16, seed=0, augmentation=None, crop=16)
    picked = np.concatenate([batches.picked(i, np.random.default_rng(i)) for i in range(30)])
    assert 0.68 < np.mean(picked < 4) < 0.82  # a tenth of the slices, three quarters of the draws
    with pytest.raises(ValueError, match="with and without a bleed"):
        AugmentedBatches(_hu_set(4, positives=0), batch_size=2, seed=0, augmentation=None, crop=16)


def test_lesion_crops_sit_near_the_bleed_and_others_anywhere():
    image = np.zeros((96, 96, 3), np.float32)
    mask = np.zeros((96, 96, 1), np.float32)
    mask[4:8, 88:92] = 1.0  # a small bleed in a corner
    rng = np.random.default_rng(0)
    near = [lesion_crop(image, mask, 32, rng, lesion_share=1.0) for _ in range(50)]
    assert all(crop.shape == (32, 32, 3) and crop_mask.sum() > 0 for crop, crop_mask in near)
    anywhere = [lesion_crop(image, mask, 32, rng, lesion_share=0.0)[1].sum() > 0 for _ in range(50)]
    assert sum(anywhere) < 10  # a 32-pixel window anywhere in 96 seldom finds one corner


def test_batches_draw_the_same_whatever_order_threads_ask_for_them():
    first = AugmentedBatches(_hu_set(8), batch_size=4, seed=1, augmentation=Augmentation())
    second = AugmentedBatches(_hu_set(8), batch_size=4, seed=1, augmentation=Augmentation())
    later, earlier = second[1], second[0]
    np.testing.assert_array_equal(first[0][0], earlier[0])
    np.testing.assert_array_equal(first[1][0], later[0])
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], earlier[0])  # a new epoch draws anew


def test_the_deadline_ends_training_after_the_epoch_that_leaves_too_little_time():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    x = np.zeros((8, 1), np.float32)
    late = model.fit(x, x, epochs=5, verbose=0, callbacks=[Deadline(time.perf_counter())])
    assert len(late.history["loss"]) == 1
    early = model.fit(x, x, epochs=3, verbose=0, callbacks=[Deadline(time.perf_counter() + 3600)])
    assert len(early.history["loss"]) == 3


def test_phantoms_are_drawn_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    args = parse_args(["--out", str(tmp_path), "--size", "64", *TINY, "--phantoms-cache", str(tmp_path / "cache")])
    drawn = phantoms(TRAIN_SEED, args.train_count, args)

    def draw_again(*_):
        raise AssertionError("drew phantoms the cache holds")

    monkeypatch.setattr(fit_in_memory, "draw", draw_again)
    cached = phantoms(TRAIN_SEED, args.train_count, args)
    for field in ("images", "masks", "labels", "brain_window"):
        np.testing.assert_array_equal(getattr(cached, field), getattr(drawn, field))
    args.source_mix = {"atlas": 1.0}  # other phantoms: the cache must not answer for them
    with pytest.raises(AssertionError, match="drew phantoms"):
        phantoms(TRAIN_SEED, args.train_count, args)


def test_seeds_train_one_recipe_once_each_on_phantoms_drawn_once(tmp_path, monkeypatch):
    draws = []
    monkeypatch.setattr(fit_in_memory, "draw", lambda seed, count, args: draws.append(seed) or _hu_set(count))
    cache = ["--phantoms-cache", str(tmp_path / "cache"), "--models", "classifier", "--size", "32"]
    fit_main(["--out", str(tmp_path / "sweep"), *TINY, *cache, "--seeds", "3,4"])
    assert sorted(draws) == [TRAIN_SEED, VALIDATION_SEED]  # once for both runs
    weights = []
    for seed in (3, 4):
        record = json.loads((tmp_path / "sweep" / f"seed{seed}" / "run.json").read_text())
        assert record["arguments"]["seed"] == seed and record["arguments"]["seeds"] == [3, 4]
        model = keras.saving.load_model(tmp_path / "sweep" / f"seed{seed}" / "classifier.keras", compile=False)
        weights.append(model.get_weights()[0])
    assert not np.allclose(*weights)  # each seed starts from its own weights
    fit_main(["--out", str(tmp_path / "late"), *TINY, *cache, "--seeds", "5,6", "--time-limit", "0"])
    assert not (tmp_path / "late").exists()  # past the limit no further seed starts
    with pytest.raises(SystemExit):
        parse_args(["--out", str(tmp_path), "--seeds", "1,2"])  # without a cache each run would draw again


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    fit_main(["--out", str(out), "--size", "64", *TINY, "--snapshot-every", "1"])
    return out


def test_a_run_writes_both_models_and_what_trained_them(run):
    record = json.loads((run / "run.json").read_text())
    assert record["backend"] == keras.backend.backend() and record["devices"]
    assert record["command"].startswith("python -m training.fit_in_memory --out")
    for name, output in (("classifier", (2, 6)), ("segmenter", (2, 64, 64, 1))):
        history = record["models"][name]["history"]
        assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0]) and "val_loss" in history
        model = keras.saving.load_model(run / f"{name}.keras", compile=False)
        assert model(np.zeros((2, 64, 64, 3), np.float32)).shape == output
        snapshot = keras.saving.load_model(run / "snapshots" / f"{name}_epoch01.keras", compile=False)
        np.testing.assert_allclose(snapshot.get_weights()[0], model.get_weights()[0])  # after the only epoch
        with zipfile.ZipFile(run / f"{name}.keras") as archive:  # the model alone travels back from the GPU machine
            weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
            assert "optimizer" not in weights and "layers" in weights


def test_imported_models_land_in_the_store_with_measured_cards(run, tmp_path):
    import_main(
        ["--run", str(run), "--version", "5", "--store", str(tmp_path), "--val-count", "8", "--test-count", "8"]
    )
    classifier, segmenter = (resolve(tmp_path, name, 5) for name in ("ich_classifier", "ich_segmenter"))
    card = classifier.card
    assert card.input.size == (64, 64) and card.input.confinement == "cranium"
    assert set(card.metrics["held_out"]) == {"hu", "brain_window_8bit", "exported_8bit"}
    assert card.operating_point["threshold"] == card.threshold
    assert f"on {keras.backend.backend()}" in card.training["hardware"]
    assert card.training["epochs"] == card.training["epochs_asked"] == 1
    assert card.training_data["augmentation"] == dataclasses.asdict(Augmentation()) | {
        "scale_range": list(Augmentation().scale_range)
    }
    assert "training.fit_in_memory" in card.reproduce and "training.import_keras" in card.reproduce
    assert segmenter.card.mask_threshold == 0.5 and "brain_window_8bit" in segmenter.card.metrics["held_out"]
    x = np.random.default_rng(0).random((2, 64, 64, 3), np.float32)
    exported = keras.saving.load_model(run / "classifier.keras", compile=False)
    np.testing.assert_allclose(load_saved_model(classifier.path)(x), np.asarray(exported(x)), atol=1e-5)
    with pytest.raises(SystemExit, match="exists"):
        import_main(["--run", str(run), "--version", "5", "--store", str(tmp_path)])


def test_a_stored_version_becomes_keras_files_that_predict_as_it_does(tmp_path):
    from_store_main(["--version", "9", "--out", str(tmp_path)])
    x = build_arrays(3, 2, workers=1, confinement="cranium").images.astype(np.float32)
    for name, stored in (("classifier", "ich_classifier"), ("segmenter", "ich_segmenter")):
        model = keras.saving.load_model(tmp_path / f"{name}.keras", compile=False)
        served = load_saved_model(resolve("model_store", stored, 9).path)(x)
        np.testing.assert_allclose(np.asarray(model(x, training=False)), served, atol=1e-4)
    assert read_card(resolve("model_store", "ich_classifier", 9).path).version == 9


def test_the_gpu_machines_path_needs_no_tensorflow_pydantic_or_pydicom():
    """That machine has JAX but none of these. Here Keras's backend loads TensorFlow and nibabel tries pydicom, so
    the check is that no module of ours binds any of them when the trainer loads."""
    code = (
        "import sys, types, training.fit_in_memory\n"
        "absent = ('tensorflow', 'pydantic', 'pydicom')\n"
        "def origin(v): return (v.__name__ if isinstance(v, types.ModuleType) else getattr(v, '__module__', None))"
        " or ''\n"
        "def binds(n): return any(origin(v).split('.')[0] in absent for v in vars(sys.modules[n]).values())\n"
        "print(sorted(n for n in list(sys.modules) if n.split('.')[0] in ('training', 'core') and binds(n)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
