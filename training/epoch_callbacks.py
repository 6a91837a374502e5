"""Keras callbacks for training on a time-boxed machine (training.fit_in_memory), on any Keras backend."""

import time
from pathlib import Path

import keras


def save_without_optimizer(model: keras.Model, path: Path) -> None:
    """The model alone: a .keras file of a compiled model also holds the optimiser's state, which triples the
    ResUNet's file (about 25 MB against 9), over what one file may bring back from the GPU machine (16 MiB)."""
    model.save(path)
    keras.saving.load_model(path, compile=False).save(path)


class Deadline(keras.callbacks.Callback):
    """Stops training after the epoch past which another of the same length would not end by `deadline`
    (time.perf_counter() seconds)."""

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline

    def on_epoch_begin(self, epoch, logs=None):
        self.began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        if now + (now - self.began) > self.deadline:
            self.model.stop_training = True


class Snapshots(keras.callbacks.Callback):
    """The model after every `every`-th epoch as `folder/{name}_epoch{NN}.keras`, so that epochs can be compared on
    what training cannot see (the real-scan bench) after the run."""

    def __init__(self, folder: Path, name: str, every: int):
        super().__init__()
        self.folder, self.name, self.every = folder, name, every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_without_optimizer(self.model, self.folder / f"{self.name}_epoch{epoch + 1:02d}.keras")
