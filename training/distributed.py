"""TensorFlow distribution strategies: one place decides how a training run spreads over devices and hosts.

MultiWorkerMirroredStrategy when TF_CONFIG names a cluster of several tasks, MirroredStrategy when
one host has several GPUs, else TensorFlow's default single-device strategy. These apply to the
TensorFlow backend; a JAX-backend run would use keras.distribution instead.

`python -m training.distributed --steps 3 --out w.npz` trains a tiny classifier under the chosen
strategy and saves its weights: a check that a cluster is wired up before a real run.
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np

MULTI_WORKER, MIRRORED, DEFAULT = "multi_worker", "mirrored", "default"
SMOKE_SIZE, SMOKE_SAMPLES, PER_REPLICA_BATCH = (32, 32), 64, 4


def cluster_size(tf_config: str | None) -> int:
    """Tasks that train (chief and workers) in a TF_CONFIG; 0 when there is none."""
    if not tf_config:
        return 0
    try:
        cluster = json.loads(tf_config)["cluster"]
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"TF_CONFIG is not a JSON object with a 'cluster': {e}") from e
    return len(cluster.get("chief", [])) + len(cluster.get("worker", []))


def strategy_kind(tf_config: str | None, gpu_count: int) -> str:
    if cluster_size(tf_config) > 1:
        return MULTI_WORKER
    return MIRRORED if gpu_count > 1 else DEFAULT


def choose_strategy(tf_config: str | None = None, gpu_count: int | None = None):
    """The strategy for this process. TF_CONFIG is passed in (read from the environment by the
    caller) because MultiWorkerMirroredStrategy itself reads os.environ['TF_CONFIG']."""
    import tensorflow as tf

    if gpu_count is None:
        gpu_count = len(tf.config.list_physical_devices("GPU"))
    kind = strategy_kind(tf_config, gpu_count)
    if kind == MULTI_WORKER:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind == MIRRORED:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def smoke_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The same small synthetic set on every worker; auto-sharding gives each its own part."""
    rng = np.random.default_rng(seed)
    images = rng.random((SMOKE_SAMPLES, *SMOKE_SIZE, 3), np.float32)
    labels = (rng.random((SMOKE_SAMPLES, 6)) < 0.5).astype(np.float32)
    return images, labels


def make_train_step(model, optimizer, loss_fn, strategy, global_batch: int):
    """One synchronous step over all replicas, as a tf.function taking a distributed iterator.

    A custom loop rather than model.fit: Keras 3's fit fails under MultiWorkerMirroredStrategy
    with more than one worker (keras-team/keras#20585). The Keras optimizer all-reduces the
    gradients across replicas; the loss is averaged over the global batch so the sum is right.
    BatchNormalization's moving statistics are Keras variables without an aggregation, so each
    replica would keep its own; they are averaged after every step so that all workers hold
    (and export) the same model. The average of moving averages is the moving average of the
    replicas' mean batch statistics, since the update is linear.
    """
    import tensorflow as tf

    def replica_step(images, labels):
        with tf.GradientTape() as tape:
            value = loss_fn(labels, model(images, training=True))
            if value.shape.rank == 0:  # a batch-level loss (soft Dice): each replica holds its share
                loss = value / strategy.num_replicas_in_sync
            else:
                loss = tf.nn.compute_average_loss(value, global_batch_size=global_batch)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        # Float only: integer non-trainables are random-seed state (Dropout), not model weights.
        statistics = [v for v in model.non_trainable_variables if "float" in str(v.dtype)]
        if statistics:
            context = tf.distribute.get_replica_context()
            averaged = context.all_reduce("MEAN", [tf.identity(v.value) for v in statistics])
            for variable, value in zip(statistics, averaged):
                variable.assign(value)
        return loss

    @tf.function
    def step(iterator):
        return strategy.reduce("SUM", strategy.run(replica_step, args=next(iterator)), axis=None)

    return step


def is_chief(tf_config: str | None) -> bool:
    """Whether this process writes models and cards: the chief, else worker 0, else a lone process."""
    if not tf_config:
        return True
    config = json.loads(tf_config)
    task, cluster = config.get("task", {}), config.get("cluster", {})
    if "chief" in cluster:
        return task.get("type") == "chief"
    return task.get("type", "worker") == "worker" and task.get("index", 0) == 0


def fit_across_workers(model, loss_fn, dataset, steps: int, epochs: int, strategy, global_batch: int) -> dict:
    """Keras fit's job under MultiWorkerMirroredStrategy, with make_train_step; returns the loss per epoch.

    The model must be compiled (for its optimizer) under strategy.scope(). Every worker runs the
    same number of steps, as collective all-reduces require.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    iterator = iter(strategy.experimental_distribute_dataset(dataset.with_options(options)))
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)
    step = make_train_step(model, model.optimizer, loss_fn, strategy, global_batch)
    history: dict[str, list[float]] = {"loss": []}
    for epoch in range(epochs):
        total = sum(float(step(iterator)) for _ in range(steps))
        history["loss"].append(total / steps)
        print(
            f"epoch {epoch + 1}/{epochs} - loss {history['loss'][-1]:.4f} ({strategy.num_replicas_in_sync} replicas)",
            flush=True,
        )
    return history


def smoke_train(strategy, steps: int, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A few steps of a tiny classifier under `strategy`; returns (initial, final) weights."""
    import keras
    import tensorflow as tf

    from training.models.classifier import get_classifier

    keras.utils.set_random_seed(seed)
    images, labels = smoke_data(seed)
    global_batch = PER_REPLICA_BATCH * strategy.num_replicas_in_sync
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(global_batch).with_options(options)
    with strategy.scope():
        model = get_classifier(SMOKE_SIZE, widths=(4, 8))
        optimizer = keras.optimizers.Adam(1e-2)
        optimizer.build(model.trainable_variables)
    initial = [np.array(w) for w in model.get_weights()]
    step = make_train_step(model, optimizer, keras.losses.binary_crossentropy, strategy, global_batch)
    iterator = iter(strategy.experimental_distribute_dataset(dataset))
    for _ in range(steps):
        step(iterator)
    return initial, [np.array(w) for w in model.get_weights()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.distributed", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help=".npz of initial and final weights")
    args = parser.parse_args(argv)
    import tensorflow as tf

    strategy = choose_strategy(os.environ.get("TF_CONFIG"))
    initial, final = smoke_train(strategy, args.steps, args.seed)
    arrays = {f"initial_{i}": w for i, w in enumerate(initial)} | {f"final_{i}": w for i, w in enumerate(final)}
    np.savez(args.out, **arrays)
    kind = strategy_kind(os.environ.get("TF_CONFIG"), len(tf.config.list_physical_devices("GPU")))
    summary = {"strategy": kind, "replicas": strategy.num_replicas_in_sync, "steps": args.steps}
    args.out.with_suffix(".json").write_text(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
