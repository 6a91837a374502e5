"""Compile and fit the two models from TFRecord shards. Returns the trained models and what happened."""

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras

from training import recipe
from training.augment import Augmentation
from training.config import LEARNING_RATE
from training.distributed import fit_across_workers
from training.input_pipeline import classifier_feed, segmenter_feed
from training.models.classifier import get_classifier
from training.models.resunet import get_resunet
from training.shards import Shards, ShardSpec
from training.transfer import freeze_encoder, transfer_encoder


@dataclass(frozen=True)
class FitPlan:
    """What the two fits share: the data layout, augmentation and where checkpoints go."""

    spec: ShardSpec
    augmentation: Augmentation | None
    checkpoint_dir: Path
    strategy: object  # a tf.distribute.Strategy, created once per process (training.distributed)
    multi_worker: bool = False  # several hosts (TF_CONFIG): a custom loop replaces model.fit
    steps_per_epoch: int | None = None  # None: one pass over the training shards
    init_weights: dict[str, Path] = field(default_factory=dict)  # model name -> .keras file
    freeze_encoder: bool = False  # train only what follows the started encoder (training.transfer.freeze_encoder)

    @property
    def channels(self) -> int:
        return 3 * self.spec.slices


@dataclass
class FitResult:
    model: keras.Model
    history: dict
    seconds: float
    transfer: dict | None


def _fit(name: str, build, compile_args: dict, train, validation, epochs: int, plan: FitPlan, learning_rate: float):
    """Build under the distribution strategy, start from --init-weights if given, fit, checkpoint."""
    if plan.steps_per_epoch:
        train = dataclasses.replace(train, steps=plan.steps_per_epoch)
    strategy = plan.strategy
    with strategy.scope():
        model = build()
        transfer = transfer_encoder(model, plan.init_weights[name]) if name in plan.init_weights else None
        if plan.freeze_encoder:
            if transfer is None:
                raise ValueError(f"freezing the {name}'s encoder needs weights to start it from (--init-{name})")
            transfer["encoder_layers_frozen"] = freeze_encoder(model)
        model.compile(optimizer=recipe.optimizer(learning_rate, epochs * train.steps), **compile_args)
    plan.checkpoint_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if plan.multi_worker:
        # Keras 3's fit fails with several workers (keras-team/keras#20585): a custom loop instead.
        history = fit_across_workers(
            model, compile_args["loss"], train.dataset, train.steps, epochs, strategy, train.batch_size
        )
        model.save(plan.checkpoint_dir / f"{name}.keras")
        return FitResult(model, history, time.perf_counter() - started, transfer)
    checkpoint = keras.callbacks.ModelCheckpoint(plan.checkpoint_dir / f"{name}.keras")
    history = model.fit(
        train.dataset,
        steps_per_epoch=train.steps,
        validation_data=validation.dataset,
        validation_steps=validation.steps if validation.repeats else None,
        epochs=epochs,
        callbacks=[checkpoint],
        verbose=2,
    )
    return FitResult(model, history.history, time.perf_counter() - started, transfer)


def fit_classifier(
    train: Shards,
    validation: Shards,
    plan: FitPlan,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = LEARNING_RATE,
) -> FitResult:
    return _fit(
        "classifier",
        lambda: get_classifier(plan.spec.size, channels=plan.channels),
        recipe.compile_args("classifier"),
        classifier_feed(train, plan.spec, batch_size, plan.augmentation, training=True, seed=11),
        classifier_feed(validation, plan.spec, batch_size, None, training=False),
        epochs,
        plan,
        learning_rate,
    )


def fit_segmenter(
    train: Shards,
    validation: Shards,
    plan: FitPlan,
    epochs: int,
    crop: int = 128,
    batch_size: int = 16,
    base_width: int = 16,
    attention: bool = False,
    loss: str = "dice",
    learning_rate: float = LEARNING_RATE,
) -> FitResult:
    # Spatial size left open: trained on crops, applied to whole slices.
    return _fit(
        "segmenter",
        lambda: get_resunet((None, None), channels=plan.channels, base_width=base_width, attention=attention),
        recipe.compile_args("segmenter", loss),
        segmenter_feed(train, plan.spec, batch_size, crop, plan.augmentation, training=True, seed=12),
        segmenter_feed(validation, plan.spec, batch_size, crop, None, training=False, seed=13),
        epochs,
        plan,
        learning_rate,
    )
