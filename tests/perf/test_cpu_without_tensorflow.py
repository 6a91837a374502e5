"""The CPU service without TensorFlow: it loads the shipped store, answers a slice and says so, with TensorFlow absent."""

import json
import os
import subprocess
import sys

import pytest

from app.serving.tf_setup import has_amx_bf16
from tests.live_server import ROOT

# Runs in a fresh process: TensorFlow and Keras made unimportable, as in the CPU image, and every attempt recorded,
# so that a caught ImportError somewhere cannot hide an import the CPU path should never try.
SERVE_ONE_SLICE = """
import importlib.abc, json, sys, time

attempts = []

class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            attempts.append(name)
            raise ImportError(f"{name} is not installed in the CPU image")
        return None

sys.meta_path.insert(0, NoTensorFlow())

from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app
from tests.app.images import brain_window_slice, png

app = create_app(Settings(model_store="model_store"))
with TestClient(app) as client:
    deadline = time.monotonic() + 240
    while client.get("/health/ready").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    answer = client.post("/v1/predict", files={"image": ("slice.png", png(brain_window_slice()), "image/png")})
    info = client.get("/v1/info").json()
print(json.dumps({
    "status": answer.status_code,
    "probability": answer.json().get("probability"),
    "info": info,
    "attempts": sorted(set(attempts)),
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")),
}))
"""


@pytest.mark.parametrize("bf16_segmenter", [False, True], ids=["defaults", "bf16_segmenter"])
def test_the_cpu_service_loads_and_answers_without_tensorflow(bf16_segmenter):
    env = {**os.environ, "ICH_CPU_BF16_SEGMENTER": str(bf16_segmenter).lower()}
    done = subprocess.run(
        [sys.executable, "-c", SERVE_ONE_SLICE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200 and 0.0 <= result["probability"] <= 1.0
    assert result["loaded"] == [] and result["attempts"] == []
    runtime = result["info"]["runtime"]
    assert result["info"]["device"] == "cpu"
    assert (runtime["engine"], runtime["tensorflow"]) == ("openvino", "not loaded")
    # Every model fp32 by default, on any CPU; asked for, the ResUNet alone in bf16 where the CPU has AMX.
    segmenter = "bf16" if bf16_segmenter and has_amx_bf16() else "fp32"
    assert runtime["precisions"] == {"classifier": "fp32", "segmenter": segmenter}
