"""Strategy choice, and two worker processes on localhost that must finish with the same weights."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.distributed import DEFAULT, MIRRORED, MULTI_WORKER, cluster_size, is_chief, strategy_kind

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_S = 150


def tf_config(workers: list[str], index: int) -> str:
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def test_strategy_follows_the_cluster_and_the_gpus():
    two = tf_config(["localhost:1", "localhost:2"], 0)
    assert strategy_kind(two, gpu_count=0) == MULTI_WORKER
    assert strategy_kind(tf_config(["localhost:1"], 0), gpu_count=4) == MIRRORED
    assert strategy_kind(None, gpu_count=2) == MIRRORED
    assert strategy_kind(None, gpu_count=1) == DEFAULT
    chief_and_worker = json.dumps(
        {"cluster": {"chief": ["a:1"], "worker": ["b:1"]}, "task": {"type": "chief", "index": 0}}
    )
    assert cluster_size(chief_and_worker) == 2


def test_the_chief_or_else_worker_0_exports():
    assert is_chief(None) and is_chief(tf_config(["a:1", "b:1"], 0)) and not is_chief(tf_config(["a:1", "b:1"], 1))
    with_chief = {"cluster": {"chief": ["a:1"], "worker": ["b:1"]}}
    assert is_chief(json.dumps({**with_chief, "task": {"type": "chief", "index": 0}}))
    assert not is_chief(json.dumps({**with_chief, "task": {"type": "worker", "index": 0}}))


def test_a_broken_tf_config_says_so():
    with pytest.raises(ValueError, match="^TF_CONFIG is not a JSON object with a 'cluster': "):
        cluster_size("{not json")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(tmp_path: Path, arguments, timeout_s: float) -> None:
    """Run `python -m ARGUMENTS(index)` as workers 0 and 1 of one localhost cluster; both must succeed."""
    workers = [f"localhost:{port}" for port in free_ports(2)]
    processes, logs = [], [tmp_path / f"worker{index}.log" for index in range(2)]
    for index in range(2):
        env = {
            **os.environ,
            "TF_CONFIG": tf_config(workers, index),
            "CUDA_VISIBLE_DEVICES": "",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        command = [sys.executable, "-m", *arguments(index)]
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[index].open("w"), stderr=subprocess.STDOUT)
        )
    try:
        codes = [p.wait(timeout=timeout_s) for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert codes == [0, 0], "\n".join(log.read_text()[-3000:] for log in logs)


def test_two_workers_train_in_step_and_agree_on_the_weights(tmp_path):
    run_two_workers(
        tmp_path,
        lambda index: ["training.distributed", "--steps", "3", "--out", str(tmp_path / f"worker{index}.npz")],
        WORKER_TIMEOUT_S,
    )

    summaries = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]
    assert summaries[0] == summaries[1] == {"strategy": MULTI_WORKER, "replicas": 2, "steps": 3}
    first, second = (np.load(tmp_path / f"worker{i}.npz") for i in range(2))
    finals = sorted(k for k in first.files if k.startswith("final_"))
    assert finals and sorted(second.files) == sorted(first.files)
    for key in finals:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)
    # Training moved the weights, so agreeing is not just two untouched copies.
    assert any(not np.allclose(first[k], first[k.replace("final", "initial")]) for k in finals)


def test_the_training_command_runs_across_two_workers_and_only_the_chief_exports(tmp_path):
    """`python -m training` itself under TF_CONFIG: both workers end with the same models."""
    import keras

    run_two_workers(
        tmp_path,
        lambda index: [
            "training",
            "--smoke",
            "--workers",
            "1",
            "--store",
            str(tmp_path / f"store{index}"),
            "--run-dir",
            str(tmp_path / f"run{index}"),
        ],
        4 * WORKER_TIMEOUT_S,
    )

    assert (tmp_path / "store0" / "ich_classifier" / "1" / "saved_model.pb").exists()
    assert not (tmp_path / "store1").exists()
    card = json.loads((tmp_path / "store0" / "ich_segmenter" / "1" / "model_card.json").read_text())
    assert "2 replica(s) in sync" in card["training"]["hardware"]
    for name in ("classifier", "segmenter"):
        first, second = (
            keras.saving.load_model(tmp_path / f"run{i}" / "checkpoints" / f"{name}.keras", compile=False)
            for i in range(2)
        )
        for a, b in zip(first.get_weights(), second.get_weights()):
            np.testing.assert_array_equal(a, b, err_msg=name)
