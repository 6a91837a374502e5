"""The training command line. `python -m training --help` lists the options.

Phantoms by default; `--dataset ctich-nifti --data data/ct-ich` (or another loader) trains on a
dataset a user brings. Shards and checkpoints go to --run-dir; SavedModels and cards to --store.
"""

import argparse
import json
import os
from pathlib import Path

import keras

from core.model_input import CONFINEMENTS, MODEL_SIZE, NO_CONFINEMENT
from training.augment import Augmentation
from training.cards import classifier_sections, data_sections, segmenter_sections, training_sections
from training.config import LEARNING_RATE, DataConfig, ModelConfig, OutputConfig, TrainConfig
from training.datasets import LOADERS
from training.datasets.atlas_phantoms import ALL_PROCEDURAL, parse_source_mix
from training.distributed import choose_strategy, cluster_size, is_chief
from training.evaluate import choose_threshold, feed_scores
from training.export import export_model
from training.fit import FitPlan, fit_classifier, fit_segmenter
from training.held_out import dataset_held_out, phantom_held_out
from training.input_pipeline import classifier_feed
from training.losses import LOSSES
from training.phantom_data import BRAIN_WINDOW_FRACTION
from training.shards import ShardSpec
from training.training_data import PHANTOMS, prepare_training_data

CLASSIFIER_NAME, SEGMENTER_NAME = "ich_classifier", "ich_segmenter"
MODELS = ("classifier", "segmenter")
SMOKE = {"train_count": 48, "val_count": 24, "test_count": 24, "classifier_epochs": 1, "segmenter_epochs": 1}


def _source_mix(text: str) -> dict[str, float]:
    try:
        return parse_source_mix(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.splitlines()[0])
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=[PHANTOMS, *LOADERS], default=PHANTOMS)
    data.add_argument("--data", type=Path, help="dataset root folder (not for phantoms)")
    data.add_argument("--split", type=Path, help="a saved patient split (split.json); drawn by patient if absent")
    data.add_argument("--split-seed", type=int, default=0)
    data.add_argument("--train-count", type=int, default=4000, help="phantoms only")
    data.add_argument("--val-count", type=int, default=400, help="phantoms only")
    data.add_argument("--test-count", type=int, default=600, help="phantoms only")
    data.add_argument(
        "--brain-window-fraction",
        type=float,
        default=BRAIN_WINDOW_FRACTION,
        help="phantoms sent through an export, so the models learn the forms images arrive in: procedural ones "
        "through the 8-bit brain window, atlas and procedural_ct ones through training.scanner's file exports "
        "(8-bit in 60 %%)",
    )
    data.add_argument(
        "--source-mix",
        type=_source_mix,
        default=ALL_PROCEDURAL,
        help="phantom sources and their shares, e.g. atlas=0.7,procedural=0.3 (atlas, atlas_all_ages, atlas_sinus: training.atlas heads)",
    )
    data.add_argument("--context-slices", type=int, default=0, help="2.5D: neighbouring slices each side as channels")
    data.add_argument(
        "--confine",
        choices=CONFINEMENTS,
        default=NO_CONFINEMENT,
        help="what the models see: the whole slice, only the space inside the skull, or that space with its skull"
        " (core.model_input)",
    )
    data.add_argument("--no-augment", action="store_true", help="train without augmentation (for comparison)")
    data.add_argument("--workers", type=int, default=2, help="processes generating phantoms")
    model = parser.add_argument_group("models")
    model.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=list(MODELS),
        help="train and export only these; the service pairs each with the other's highest stored version",
    )
    model.add_argument("--classifier-epochs", type=int, default=8)
    model.add_argument("--segmenter-epochs", type=int, default=10)
    model.add_argument("--base-width", type=int, default=16, help="ResUNet width at full resolution")
    model.add_argument("--attention", action="store_true", help="attention gates on the ResUNet skips")
    model.add_argument("--loss", choices=sorted(LOSSES), default="dice")
    model.add_argument(
        "--init-classifier",
        type=Path,
        help="transfer learning: a .keras classifier from an earlier run (its encoder), or a store version such as"
        " model_store/ich_classifier/36 (the whole model: fine-tuning)",
    )
    model.add_argument(
        "--init-segmenter", type=Path, help="as --init-classifier, for the ResUNet (e.g. model_store/ich_segmenter/9)"
    )
    model.add_argument(
        "--freeze-encoder",
        action="store_true",
        help="with --init-*: train only the classifier's output layer and the ResUNet's decoder (linear probing)",
    )
    model.add_argument(
        "--learning-rate",
        type=float,
        default=LEARNING_RATE,
        help="peak of the cosine schedule; lower to fine-tune gently",
    )
    model.add_argument("--target-sensitivity", type=float, default=0.95)
    output = parser.add_argument_group("output")
    output.add_argument("--store", type=Path, default=Path("model_store"), help="where SavedModels are written")
    output.add_argument("--version", type=int, default=1)
    output.add_argument("--run-dir", type=Path, help="shards, checkpoints and reports (default runs/v<version>)")
    parser.add_argument("--smoke", action="store_true", help="tiny run to check the pipeline, minutes not hours")
    args = parser.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    if args.dataset != PHANTOMS and args.data is None:
        parser.error(f"--dataset {args.dataset} needs --data")
    unstarted = [name for name in args.models if getattr(args, f"init_{name}") is None]
    if args.freeze_encoder and unstarted:
        parser.error(f"--freeze-encoder needs --init-{unstarted[0]}: a fresh encoder has nothing worth keeping")
    args.run_dir = args.run_dir or Path("runs") / f"v{args.version}"
    return args


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The one place the parsed command line becomes the typed configuration."""
    data = DataConfig(
        dataset=args.dataset,
        root=args.data,
        split_file=args.split,
        split_seed=args.split_seed,
        train_count=args.train_count,
        val_count=args.val_count,
        test_count=args.test_count,
        brain_window_fraction=args.brain_window_fraction,
        source_mix=args.source_mix,
        context_slices=args.context_slices,
        confinement=args.confine,
        augment=not args.no_augment,
        workers=args.workers,
    )
    models = ModelConfig(
        models=tuple(args.models),
        classifier_epochs=args.classifier_epochs,
        segmenter_epochs=args.segmenter_epochs,
        base_width=args.base_width,
        attention=args.attention,
        loss=args.loss,
        init_classifier=args.init_classifier,
        init_segmenter=args.init_segmenter,
        target_sensitivity=args.target_sensitivity,
        freeze_encoder=args.freeze_encoder,
        learning_rate=args.learning_rate,
    )
    return TrainConfig(data, models, OutputConfig(args.store, args.version, args.run_dir))


def log(message: str) -> None:
    print(f"[training] {message}", flush=True)


def run(config: TrainConfig) -> dict | None:
    data_config, models, output = config.data, config.models, config.output
    # The strategy comes first: MultiWorkerMirroredStrategy must exist before TensorFlow does any work.
    tf_config = os.environ.get("TF_CONFIG")
    strategy = choose_strategy(tf_config)
    keras.utils.set_random_seed(0)
    spec = ShardSpec(MODEL_SIZE, data_config.context_slices, data_config.confinement)
    augmentation = Augmentation() if data_config.augment else None
    log(f"writing {data_config.dataset} shards to {output.shards}")
    data = prepare_training_data(data_config, spec, output.shards)
    inits = {"classifier": models.init_classifier, "segmenter": models.init_segmenter}
    plan = FitPlan(
        spec,
        augmentation,
        output.checkpoints,
        strategy,
        multi_worker=cluster_size(tf_config) > 1,
        init_weights={k: v for k, v in inits.items() if v},
        freeze_encoder=models.freeze_encoder,
    )

    classifier = segmenter = None
    if "classifier" in models.models:
        log("training the classifier")
        classifier = fit_classifier(
            data.train, data.validation, plan, models.classifier_epochs, learning_rate=models.learning_rate
        )
    if "segmenter" in models.models:
        log("training the ResUNet segmenter")
        segmenter = fit_segmenter(
            data.train,
            data.validation,
            plan,
            models.segmenter_epochs,
            base_width=models.base_width,
            attention=models.attention,
            loss=models.loss,
            learning_rate=models.learning_rate,
        )

    if not is_chief(tf_config):
        log(f"worker done; checkpoints in {plan.checkpoint_dir}, the chief exports the models")
        return None
    log("choosing the operating point on validation and evaluating held-out data")
    classify = classifier and (lambda x: classifier.model(x, training=False))
    segment = segmenter and (lambda x: segmenter.model(x, training=False))
    operating_point, threshold = {}, None
    if classify:
        validation_feed = classifier_feed(data.validation, spec, 32, None, training=False)
        operating_point = choose_threshold(*feed_scores(classify, validation_feed.dataset), models.target_sensitivity)
        threshold = operating_point["threshold"]
    if data.split is None:
        classifier_held_out, segmenter_held_out = phantom_held_out(data_config, classify, segment, threshold, spec)
    else:
        classifier_held_out, segmenter_held_out = dataset_held_out(
            data_config, data.split, classify, segment, threshold, models.target_sensitivity, output.report
        )

    augmentation_record = None if augmentation is None else vars(augmentation)
    common = data_sections(data.description, augmentation_record, MODEL_SIZE, spec.context, spec.confinement)
    cards = {}
    if classifier:
        card = classifier_sections(classifier_held_out, operating_point)
        cards[CLASSIFIER_NAME] = (
            classifier,
            common | card | training_sections(classifier, models.classifier_epochs, strategy),
        )
    if segmenter:
        card = segmenter_sections(segmenter_held_out, models)
        cards[SEGMENTER_NAME] = (
            segmenter,
            common | card | training_sections(segmenter, models.segmenter_epochs, strategy),
        )
    for name, (result, card) in cards.items():
        path = export_model(result.model, output.store, name, output.version, card)
        log(f"exported {path}")
    summary = {"classifier": classifier_held_out, "segmenter": segmenter_held_out, "operating_point": operating_point}
    log(json.dumps(summary, indent=1, default=float))
    return summary


def main(argv=None) -> None:
    run(train_config(parse_args(argv)))
