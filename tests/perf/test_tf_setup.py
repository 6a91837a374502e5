"""TensorFlow set-up: AMX detection, bf16 only where the CPU has it, GPU memory growth and mixed precision by config."""

import json
import logging
import subprocess
import sys

import pytest
import tensorflow as tf

from app.serving import tf_setup
from app.serving.device import CPU_BATCH_SIZE, GPU_BATCH_SIZE
from app.serving.tf_setup import TFOptions, configure_tensorflow, has_amx_bf16
from tests.live_server import ROOT

FLAGS_WITH_AMX = "processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
FLAGS_WITHOUT_AMX = "processor\t: 0\nflags\t\t: fpu avx2 avx512f\n"


@pytest.fixture
def cpuinfo(tmp_path):
    def write(text: str):
        path = tmp_path / "cpuinfo"
        path.write_text(text)
        return path

    return write


@pytest.fixture
def restore_tf_options():
    """configure_tensorflow changes process-wide graph options; put them back for the tests that follow."""
    saved = tf.config.optimizer.get_experimental_options()
    yield
    tf.config.optimizer.set_experimental_options(
        {key: saved.get(key, False) for key in ("auto_mixed_precision_onednn_bfloat16", "auto_mixed_precision")}
    )
    tf.config.optimizer.set_jit(False)


def configure(options: TFOptions, cpuinfo_path):
    return configure_tensorflow.__wrapped__(options, cpuinfo_path)  # past the per-process cache


def test_amx_is_read_from_the_cpu_flags(cpuinfo, tmp_path):
    assert has_amx_bf16(cpuinfo(FLAGS_WITH_AMX)) is True
    assert has_amx_bf16(cpuinfo(FLAGS_WITHOUT_AMX)) is False
    assert has_amx_bf16(tmp_path / "missing") is False


def test_bf16_is_enabled_on_a_cpu_with_amx(cpuinfo, restore_tf_options):
    setup = configure(TFOptions(cpu_bf16=True), cpuinfo(FLAGS_WITH_AMX))
    assert (setup.device, setup.cpu_bf16, setup.batch_size) == ("cpu", True, CPU_BATCH_SIZE)
    assert tf.config.optimizer.get_experimental_options()["auto_mixed_precision_onednn_bfloat16"] is True


def test_bf16_falls_back_to_fp32_without_amx(cpuinfo, restore_tf_options, caplog):
    with caplog.at_level(logging.WARNING, logger=tf_setup.__name__):
        setup = configure(TFOptions(cpu_bf16=True), cpuinfo(FLAGS_WITHOUT_AMX))
    assert setup.cpu_bf16 is False
    assert tf.config.optimizer.get_experimental_options()["auto_mixed_precision_onednn_bfloat16"] is False
    assert (
        "cpu_bf16 requested but unavailable (needs oneDNN, no GPU and a CPU with amx_bf16); serving fp32"
        in caplog.messages
    )


def test_gpu_gets_memory_growth_mixed_precision_and_gpu_batches(cpuinfo, restore_tf_options, monkeypatch):
    """No GPU in this environment: the device list is faked, and the calls TensorFlow would receive are recorded."""
    fake_gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    growth = []
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [fake_gpu] if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", lambda device, on: growth.append((device, on)))
    setup = configure(TFOptions(cpu_bf16=True, gpu_mixed_precision=True), cpuinfo(FLAGS_WITH_AMX))
    assert growth == [(fake_gpu, True)]
    assert (setup.device, setup.gpus, setup.batch_size) == ("gpu", 1, GPU_BATCH_SIZE)
    assert (setup.cpu_bf16, setup.gpu_mixed_precision) == (False, True)
    options = tf.config.optimizer.get_experimental_options()
    assert (options["auto_mixed_precision"], options["auto_mixed_precision_onednn_bfloat16"]) == (True, False)


def test_threads_onednn_and_xla_apply_in_a_fresh_process():
    """Thread pools and import-time flags only take effect before TensorFlow starts, so check in a new process."""
    script = (
        "import json, os\n"
        "from app.serving.tf_setup import TFOptions, configure_tensorflow\n"
        "setup = configure_tensorflow(TFOptions(intra_op_threads=1, inter_op_threads=2, xla=True))\n"
        "import tensorflow as tf\n"
        "print(json.dumps({**setup.as_dict(), 'onednn': os.environ['TF_ENABLE_ONEDNN_OPTS'],\n"
        "  'xla_flags': os.environ['TF_XLA_FLAGS'], 'jit': tf.config.optimizer.get_jit()}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    applied = json.loads(done.stdout.strip().splitlines()[-1])
    assert (applied["intra_op_threads"], applied["inter_op_threads"]) == (1, 2)
    assert (applied["onednn"], applied["xla"], applied["jit"]) == ("1", True, "autoclustering")
    assert "--tf_xla_cpu_global_jit" in applied["xla_flags"]
