"""Which engine runs the SavedModels: OpenVINO on a CPU, TensorFlow on a GPU, and whatever the operator pins."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import openvino
import pytest

from app.config import Settings
from app.serving import loading
from app.serving.openvino_engine import one_slice_model, openvino_predictor
from app.serving.tf_setup import TFSetup
from core.model_store import resolve
from tests.live_server import ROOT

CPU = TFSetup("cpu", 0, cpu_bf16=False, gpu_mixed_precision=False, xla=False, intra_op_threads=2, inter_op_threads=2)
SHIPPED_STORE = ROOT / "model_store"


@pytest.mark.parametrize(
    ("requested", "device", "tensorflow_installed", "engine"),
    [
        ("auto", "cpu", True, "openvino"),
        ("auto", "gpu", True, "tensorflow"),
        ("auto", "gpu", False, "openvino"),  # the CPU image on a GPU host still serves
        ("tensorflow", "cpu", True, "tensorflow"),
        ("openvino", "gpu", True, "openvino"),
    ],
)
def test_auto_picks_openvino_on_a_cpu_and_tensorflow_on_a_gpu(requested, device, tensorflow_installed, engine):
    assert loading.choose_engine(requested, device, tensorflow_installed) == engine


def test_an_unknown_engine_is_refused_at_start_up(tmp_path):
    with pytest.raises(ValueError, match="engine"):
        Settings(model_store=tmp_path, engine="onnx")


@pytest.mark.parametrize("engine", ["openvino", "tensorflow"])
def test_the_store_loader_builds_the_chosen_engine_and_configures_tensorflow_only_for_it(monkeypatch, engine):
    configured = []
    monkeypatch.setattr(loading, "configure_tensorflow", lambda options: configured.append(options) or CPU)
    built = []
    monkeypatch.setattr(loading, "openvino_predictor", lambda version, bf16: built.append("openvino") or "ov")
    monkeypatch.setattr(loading, "saved_model_predictor", lambda version: built.append("tensorflow") or "tf")
    models = loading.store_loader(Settings(model_store=SHIPPED_STORE, engine=engine))()
    assert models.engine == engine and built == [engine, engine]
    assert len(configured) == (engine == "tensorflow")
    assert models.runtime_info["engine"] == engine and models.runtime_info["precisions"] == models.precisions
    assert models.runtime_info["tensorflow"] == ("loaded" if engine == "tensorflow" else "not loaded")


def test_openvino_outputs_are_the_callers_own_and_safe_across_threads():
    """One OpenVINO request is reused, so each answer must be copied out before the next call overwrites it."""
    predict = openvino_predictor(resolve(SHIPPED_STORE, "ich_classifier"))
    rng = np.random.default_rng(0)
    batches = [rng.random((2, 256, 256, 3), np.float32) for _ in range(6)]
    alone = [predict(batch) for batch in batches]
    assert not np.allclose(alone[0], alone[1]), "different inputs should give different outputs"
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(predict, batches))
    for first, second in zip(alone, together):
        np.testing.assert_allclose(first, second, atol=1e-6)


def test_openvino_runs_a_batch_slice_by_slice_through_a_fixed_shape():
    """The model is compiled for one fixed slice shape; a batch must still come back whole, in order, and equal to
    each slice run alone."""
    version = resolve(SHIPPED_STORE, "ich_segmenter")
    assert list(one_slice_model(openvino.Core(), version).input().get_shape()) == [1, 256, 256, 3]
    predict = openvino_predictor(version)
    batch = np.random.default_rng(1).random((3, 256, 256, 3), np.float32)
    together = predict(batch)
    assert together.shape[0] == 3
    for index in range(3):
        np.testing.assert_array_equal(together[index], predict(batch[index : index + 1])[0])
    assert not np.array_equal(together[0], together[1])


@pytest.mark.parametrize(
    ("engine", "amx", "segmenter_bf16"),
    [("openvino", True, True), ("tensorflow", True, False), ("openvino", False, False)],
)
def test_asked_for_the_resunet_alone_runs_bf16_only_through_openvino_on_an_amx_cpu(
    monkeypatch, engine, amx, segmenter_bf16
):
    """TensorFlow's bf16 rewrite is process-wide, so it cannot keep the classifier fp32; without AMX there is no bf16.
    By default (the served ResUNet fails the bf16 equivalence check) every model runs fp32."""
    monkeypatch.setattr(loading, "has_amx_bf16", lambda: amx)
    asked = Settings(model_store=SHIPPED_STORE, cpu_bf16_segmenter=True)
    assert loading.bf16_models(asked, engine) == {"classifier": False, "segmenter": segmenter_bf16}
    defaults = Settings(model_store=SHIPPED_STORE)
    assert loading.bf16_models(defaults, engine) == {"classifier": False, "segmenter": False}


def test_whole_model_bf16_follows_tensorflows_rewrite_or_amx(monkeypatch):
    monkeypatch.setattr(loading, "has_amx_bf16", lambda: True)
    both = Settings(model_store=SHIPPED_STORE, cpu_bf16=True)
    assert loading.bf16_models(both, "openvino") == {"classifier": True, "segmenter": True}
    assert loading.bf16_models(both, "tensorflow", tensorflow_bf16=True) == {"classifier": True, "segmenter": True}
    assert loading.bf16_models(both, "tensorflow", tensorflow_bf16=False) == {"classifier": False, "segmenter": False}
