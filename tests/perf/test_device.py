"""Device detection from the NVIDIA driver's files, never through TensorFlow."""

import subprocess
import sys

import pytest

from app.serving import device
from tests.live_server import ROOT


@pytest.fixture
def host(tmp_path):
    dev, proc = tmp_path / "dev", tmp_path / "proc_gpus"
    dev.mkdir()
    for name in ("null", "nvidiactl", "nvidia-uvm", "nvidia-modeset"):  # present on GPU-less driver installs too
        (dev / name).touch()
    return dev, proc


def test_a_host_without_gpu_device_nodes_is_a_cpu(host):
    dev, proc = host
    assert device.nvidia_gpus(dev, proc, {}) == 0
    assert device.detect_device(dev, proc, {}) == "cpu"


def test_gpu_device_nodes_make_a_gpu_host(host):
    dev, proc = host
    (dev / "nvidia0").touch()
    (dev / "nvidia1").touch()
    assert device.nvidia_gpus(dev, proc, {}) == 2
    assert device.detect_device(dev, proc, {}) == "gpu"


def test_the_drivers_proc_entries_make_a_gpu_host(host):
    dev, proc = host
    (proc / "0000:17:00.0").mkdir(parents=True)
    assert device.detect_device(dev, proc, {}) == "gpu"


@pytest.mark.parametrize(("visible", "expected"), [("", "cpu"), ("-1", "cpu"), ("0", "gpu"), ("GPU-1a2b", "gpu")])
def test_cuda_visible_devices_can_hide_the_gpus(host, visible, expected):
    dev, proc = host
    (dev / "nvidia0").touch()
    assert device.detect_device(dev, proc, {"CUDA_VISIBLE_DEVICES": visible}) == expected


def test_installed_looks_a_module_up_without_importing_it():
    assert device.installed("json") is True
    assert device.installed("no_such_module_here") is False


def test_detection_never_imports_tensorflow():
    probe = (
        "import sys\n"
        "from app.serving.device import detect_device, installed\n"
        "detect_device(); installed('tensorflow')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("name", "size"), [("cpu", device.CPU_BATCH_SIZE), ("gpu", device.GPU_BATCH_SIZE)])
def test_the_default_batch_size_is_the_devices(name, size):
    assert device.default_batch_size(name) == size
